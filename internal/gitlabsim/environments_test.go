package gitlabsim_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Conformance tests of environments and protected environments after
// spec/requests/api/environments_spec.rb,
// ee/spec/requests/api/protected_environments_spec.rb and the
// protected-environment contexts of ee/spec/policies/ci/build_policy_spec.rb
// (deployable_policy), seen through the action endpoints.

// --- environments_spec.rb ---

func TestSpecEnvironments_GET_environments_AsMember(t *testing.T) {
	g := newGuards(t)
	wantStatus(t, g.send("GET", g.url("/environments"), g.maint, ""), 200, "[]")
	g.run("main") // the deploy job's environment is persisted with the pipeline
	g.run("main") // once
	r := g.send("GET", g.url("/environments"), g.rep, "")
	wantStatus(t, r, 200, "")
	list := listJobs(t, r)
	if len(list) != 1 {
		t.Fatalf("environments: %s", r.body)
	}
	wantFields(t, "environment", list[0], map[string]any{"name": "production", "slug": "production", "tier": "production",
		"state": "available", "external_url": nil})
	if p, _ := list[0]["project"].(map[string]any); p["path_with_namespace"] != "guards/app" {
		t.Errorf("project %v", list[0]["project"])
	}
	// name and search filters
	wantStatus(t, g.send("GET", g.url("/environments?name=staging"), g.maint, ""), 200, "[]")
	if n := len(listJobs(t, g.send("GET", g.url("/environments?search=prod"), g.maint, ""))); n != 1 {
		t.Errorf("search prod: %d", n)
	}
	wantStatus(t, g.send("GET", g.url("/environments?search=pr"), g.maint, ""), 400,
		`{"message":"400 Bad request - Search query is less than 3 characters"}`)
	wantStatus(t, g.send("GET", g.url("/environments?name=production&search=prod"), g.maint, ""), 400,
		`{"error":"name, search cannot be used together"}`)
	// GET a specific environment
	id := int64(list[0]["id"].(float64))
	r = g.send("GET", g.url("/environments/%d", id), g.maint, "")
	wantStatus(t, r, 200, "")
	m := r.json(t)
	if _, has := m["last_deployment"]; !has || m["project"] != nil {
		t.Errorf("single environment: %s", r.body)
	}
	wantStatus(t, g.send("GET", g.url("/environments/%d", id+100), g.maint, ""), 404, `{"message":"404 Not found"}`)
}

func TestSpecEnvironments_GET_environments_AsNonMemberOrGuest(t *testing.T) {
	g := newGuards(t)
	wantStatus(t, g.send("GET", g.url("/environments"), g.guestTok, ""), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, g.send("GET", g.url("/environments"), g.outTok, ""), 404, `{"message":"404 Project Not Found"}`)
	wantStatus(t, g.send("GET", g.url("/environments"), "", ""), 401, `{"message":"401 Unauthorized"}`)
}

func TestSpecRoute_Environments_TierGuessedAndSlug(t *testing.T) {
	g := newGuards(t)
	cfg := guardCI()
	cfg.Jobs = append(cfg.Jobs, gitlabsimJob("review", "review/Feature_1"), gitlabsimJob("qa", "qa"))
	if err := g.sim.SetCIConfig(g.project.ID, cfg); err != nil {
		t.Fatal(err)
	}
	g.run("main")
	byName := map[string]map[string]any{}
	for _, e := range listJobs(t, g.send("GET", g.url("/environments"), g.maint, "")) {
		byName[e["name"].(string)] = e
	}
	if byName["review/Feature_1"]["tier"] != "development" || byName["qa"]["tier"] != "testing" {
		t.Errorf("tiers: %v", byName)
	}
	slug, _ := byName["review/Feature_1"]["slug"].(string)
	if len(slug) > 24 || slug[:7] != "review-" || slug == "review-feature-1" {
		t.Errorf("slug %q: lowercase, hyphens, a suffix when it differs from the name", slug)
	}
}

// --- protected_environments_spec.rb ---

// --- deployable_policy: actions on jobs of protected environments ---

func TestSpecRoute_Environments_CIConfigValidation(t *testing.T) {
	g := newGuards(t)
	cfg := guardCI()
	cfg.Jobs[1].Environment.Action = "deploy"
	if err := g.sim.SetCIConfig(g.project.ID, cfg); err == nil || !strings.Contains(err.Error(), "environment action") {
		t.Errorf("action deploy: %v", err)
	}
	cfg = guardCI()
	cfg.Jobs[1].Environment = &gitlabsim.CIEnvironment{}
	if err := g.sim.SetCIConfig(g.project.ID, cfg); err == nil {
		t.Error("an environment without a name was accepted")
	}
	// environment: as a string in the seed's JSON
	var j gitlabsim.CIJob
	if err := json.Unmarshal([]byte(`{"name":"d","environment":"production"}`), &j); err != nil || j.Environment.Name != "production" {
		t.Errorf("string environment: %v %+v", err, j.Environment)
	}
	if err := json.Unmarshal([]byte(`{"name":"d","environment":{"name":"p","deployment_tier":"production","bogus":1}}`), &j); err == nil {
		t.Error("an unknown environment key was accepted")
	}
}
