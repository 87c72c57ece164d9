package gitlabsim_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// The demo seed's guards: main and the v* tags protected (Maintainers),
// production a protected environment the release bot and the release
// manager may deploy to, deploys serialized by the resource group
// production; the seeded users' tokens with their roles.

const demoProject = "/api/v4/projects/demo-group%2Fplatform%2Fdeploy-service"

const (
	botToken     = "glpat-release-bot-00000000000"
	managerToken = "glpat-release-manager-000000"
)

func TestSpecSeed_DemoGuards(t *testing.T) {
	clock := gitlabsim.NewClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	e := newEnvWith(t, gitlabsim.Options{Now: clock.Now, RunnerPickupDelay: time.Second})
	if err := e.sim.LoadFixture(bytes.NewReader(gitlabsim.DemoFixture())); err != nil {
		t.Fatal(err)
	}
	var users []string
	for _, u := range e.sim.UserTokens() {
		users = append(users, fmt.Sprintf("user %s role %s token %s", u.Username, u.Role, u.Token))
	}
	got := strings.Join(users, "\n")
	for _, want := range []string{"user release-bot role maintainer token " + botToken,
		"user release-manager role maintainer token " + managerToken} {
		if !strings.Contains(got, want) {
			t.Errorf("UserTokens lack %q:\n%s", want, got)
		}
	}
	get := func(path, tok string) response { return e.get(demoProject+path, "PRIVATE-TOKEN", tok) }
	if l := listJobs(t, get("/protected_branches", managerToken)); len(l) != 1 || l[0]["name"] != "main" {
		t.Errorf("protected branches %v", l)
	}
	if l := listJobs(t, get("/protected_tags", managerToken)); len(l) != 1 || l[0]["name"] != "v*" {
		t.Errorf("protected tags %v", l)
	}
	pe := listJobs(t, get("/protected_environments", managerToken))
	if len(pe) != 1 || len(pe[0]["deploy_access_levels"].([]any)) != 2 {
		t.Errorf("protected environments %v", pe)
	}
	if rg := get("/resource_groups/production", botToken).json(t); rg["process_mode"] != "oldest_first" {
		t.Errorf("resource group %v", rg)
	}
	// The release as the bot: a pipeline for v1.4.0, its deploy played.
	r := e.post(demoProject+"/pipeline", "application/json", `{"ref":"v1.4.0"}`, "PRIVATE-TOKEN", botToken)
	wantStatus(t, r, 201, "")
	pl := int64(r.json(t)["id"].(float64))
	var deploy int64
	for _, id := range e.sim.PipelineJobIDs(pl) {
		if j, _ := e.sim.Job(id); j.Name == "deploy" {
			deploy = id
		}
	}
	for range 20 {
		clock.Advance(time.Second)
		get("/jobs", botToken)
	}
	if j, _ := e.sim.Job(deploy); j.Status != "manual" {
		t.Fatalf("deploy %s", j.Status)
	}
	wantStatus(t, e.post(fmt.Sprintf("%s/jobs/%d/play", demoProject, deploy), "", "", "PRIVATE-TOKEN", botToken), 200, "")
	// the deploy holds the resource group
	if cur := get("/resource_groups/production/current_job", botToken).json(t); int64(cur["id"].(float64)) != deploy {
		t.Errorf("current job %v, want the deploy %d", cur, deploy)
	}
	if l := listJobs(t, get("/environments", botToken)); len(l) != 1 || l[0]["name"] != "production" {
		t.Errorf("environments %v", l)
	}
}

func TestSpecSeed_GuardsErrors(t *testing.T) {
	for _, tc := range []struct{ guards, want string }{
		{`"protected_branches": [{"name": "main", "allowed_to_push": ["nobody"]}]`, `unknown user "nobody"`},
		{`"protected_branches": [{"name": "main", "push_access_level": 20}]`, "access level 20"},
		{`"protected_tags": [{"name": ""}]`, "protected_tags[0]"},
		{`"protected_environments": [{"name": "production"}]`, "deploy_access_levels are required"},
		{`"protected_environments": [{"name": "p", "deploy_access_levels": [{"access_level": 5}]}]`, "deploy_access_levels[0]"},
		{`"resource_groups": [{"key": "p", "process_mode": "fifo"}]`, "resource_groups[0]"},
	} {
		e := newEnv(t)
		seed := `{"users": [{"username": "u"}], "projects": [{"path": "g/p", "members": {"u": 40}, ` + tc.guards + `}]}`
		err := e.sim.LoadFixture(strings.NewReader(seed))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.guards, err, tc.want)
		}
	}
}
