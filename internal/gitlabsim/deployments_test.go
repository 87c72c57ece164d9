package gitlabsim_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Deployments as GitLab makes them (Chain::CreateDeployments,
// Deployments::CreateForJobService, Deployment#sync_status_with) and the
// Deployments API's reads, after spec/requests/api/deployments_spec.rb.
// Every answer is checked against GitLab's deployment schemas
// (schemacheck/deployments.go).

// deployCI is guardCI with jobs of every environment action.
func deployCI() gitlabsim.CIConfig {
	cfg := guardCI()
	for _, action := range []string{"prepare", "stop", "verify", "access"} {
		cfg.Jobs = append(cfg.Jobs, gitlabsim.CIJob{Name: action, Stage: "deploy", When: "manual",
			Environment: &gitlabsim.CIEnvironment{Name: "production", Action: action}})
	}
	return cfg
}

func (g *guards) deployment(jobID int64) gitlabsim.Deployment {
	g.t.Helper()
	d, ok := g.sim.JobDeployment(jobID)
	if !ok {
		g.t.Fatalf("job %d has no deployment", jobID)
	}
	return d
}

func TestSpecSeed_Deployments_OnlyStartCreatesADeployment(t *testing.T) {
	g := newGuards(t)
	if err := g.sim.SetCIConfig(g.project.ID, deployCI()); err != nil {
		t.Fatal(err)
	}
	_, jobs := g.run("main")
	d := g.deployment(jobs["deploy"])
	if d.Status != "created" || d.IID != 1 || d.Ref != "main" || d.UserID != g.maintU.ID || d.EnvironmentName != "production" {
		t.Errorf("deployment at pipeline creation: %+v", d)
	}
	for _, name := range []string{"build", "prepare", "stop", "verify", "access"} {
		if _, has := g.sim.JobDeployment(jobs[name]); has {
			t.Errorf("%s has a deployment", name)
		}
	}
	if n := len(g.sim.Deployments(g.project.ID)); n != 1 {
		t.Errorf("%d deployments", n)
	}
}

func TestSpecSeed_Deployments_FollowTheJob(t *testing.T) {
	g := newGuards(t)
	_, jobs := g.run("main")
	g.settle(5 * time.Second) // build succeeds; the manual deploy job is actionized
	if d := g.deployment(jobs["deploy"]); d.Status != "blocked" {
		t.Fatalf("a manual deployment job's deployment: %s, want blocked (sync_status_with)", d.Status)
	}
	wantStatus(t, g.action(jobs["deploy"], "play", g.maint), 200, "")
	if d := g.deployment(jobs["deploy"]); d.Status != "blocked" {
		t.Errorf("pending job: deployment %s, want it unchanged", d.Status)
	}
	g.settle(time.Second)
	if d := g.deployment(jobs["deploy"]); d.Status != "running" {
		t.Errorf("running job: deployment %s (run from blocked)", d.Status)
	}
	g.settle(3 * time.Second)
	if d := g.deployment(jobs["deploy"]); d.Status != "success" {
		t.Errorf("succeeded job: deployment %s", d.Status)
	}
	// a retry is a new deployment, of the retrier
	r := g.action(jobs["deploy"], "retry", g.dev)
	wantStatus(t, r, 201, "")
	retry := int64(r.json(t)["id"].(float64))
	d := g.deployment(retry)
	if d.IID != 2 || d.UserID != g.devU.ID || d.ID == g.deployment(jobs["deploy"]).ID {
		t.Errorf("the retry's deployment: %+v", d)
	}
	wantStatus(t, g.action(retry, "cancel", g.dev), 201, "")
	if d := g.deployment(retry); d.Status != "canceled" {
		t.Errorf("canceled job: deployment %s", d.Status)
	}
}

func TestSpecDeployments_GET_deployments(t *testing.T) {
	g := newGuards(t)
	_, first := g.run("main")
	g.settle(5 * time.Second)
	wantStatus(t, g.action(first["deploy"], "play", g.maint), 200, "")
	g.settle(5 * time.Second) // success
	g.clock.Advance(time.Hour)
	_, second := g.run("feature")
	g.settle(5 * time.Second) // blocked

	r := g.send("GET", g.url("/deployments"), g.rep, "")
	wantStatus(t, r, 200, "")
	list := listJobs(t, r)
	if len(list) != 2 || list[0]["iid"] != float64(1) || list[0]["status"] != "success" || list[1]["status"] != "blocked" {
		t.Fatalf("deployments: %s", r.body)
	}
	if r.header.Get("X-Total") != "2" {
		t.Errorf("X-Total %q", r.header.Get("X-Total"))
	}
	wantFields(t, "deployment", list[1], map[string]any{"ref": "feature"})
	if dep, _ := list[1]["deployable"].(map[string]any); dep["id"] != float64(second["deploy"]) || dep["status"] != "manual" {
		t.Errorf("deployable %v", list[1]["deployable"])
	}
	if env, _ := list[0]["environment"].(map[string]any); env["name"] != "production" {
		t.Errorf("environment %v", list[0]["environment"])
	}
	if _, has := list[0]["approvals"]; has {
		t.Error("the list is Entities::Deployment, without approvals")
	}
	ids := func(query string) string {
		t.Helper()
		r := g.send("GET", g.url("/deployments%s", query), g.rep, "")
		wantStatus(t, r, 200, "")
		out := ""
		for _, d := range listJobs(t, r) {
			out += fmt.Sprint(d["iid"])
		}
		return out
	}
	for query, want := range map[string]string{
		"?status=blocked":                      "2",
		"?status=success":                      "1",
		"?environment=production":              "12",
		"?environment=staging":                 "",
		"?sort=desc":                           "21",
		"?order_by=iid&sort=desc":              "21",
		"?order_by=ref&sort=desc":              "12", // main > feature
		"?order_by=updated_at":                 "12",
		"?updated_after=2026-12-01T10:30:00Z":  "2",
		"?updated_before=2026-12-01T10:30:00Z": "1",
		"?per_page=1&page=2":                   "2",
		"?status=success&order_by=finished_at&finished_before=2026-12-02T00:00:00Z": "1",
		"?status=success&order_by=finished_at&finished_after=2026-12-01T10:30:00Z":  "",
	} {
		if got := ids(query); got != want {
			t.Errorf("%s: iids %q, want %q", query, got, want)
		}
	}
	for query, body := range map[string]string{
		"?status=waiting":            `{"error":"status does not have a valid value"}`,
		"?order_by=name":             `{"error":"order_by does not have a valid value"}`,
		"?sort=up":                   `{"error":"sort does not have a valid value"}`,
		"?updated_after=yesterday":   `{"error":"updated_after is invalid"}`,
		"?finished_after=2026-12-01": "{\"message\":\"400 Bad request - `finished_at` filter and `finished_at` sorting must be paired\"}",
		"?order_by=finished_at":      "{\"message\":\"400 Bad request - `finished_at` filter and `finished_at` sorting must be paired\"}",
		"?order_by=finished_at&finished_after=2026-12-01":                                          "{\"message\":\"400 Bad request - `finished_at` filter must be combined with `success` status filter.\"}",
		"?updated_after=2026-12-01&finished_before=2026-12-02&order_by=finished_at&status=success": "{\"message\":\"400 Bad request - Both `updated_at` filter and `finished_at` filter can not be specified\"}",
	} {
		wantStatus(t, g.send("GET", g.url("/deployments%s", query), g.rep, ""), 400, body)
	}
	wantStatus(t, g.send("GET", g.url("/deployments"), g.guestTok, ""), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, g.send("GET", g.url("/deployments"), g.outTok, ""), 404, `{"message":"404 Project Not Found"}`)
	wantStatus(t, g.send("GET", g.url("/deployments"), "", ""), 401, `{"message":"401 Unauthorized"}`)
}

func TestSpecDeployments_GET_deployment(t *testing.T) {
	g := newGuards(t)
	_, jobs := g.run("main")
	d := g.deployment(jobs["deploy"])
	r := g.send("GET", g.url("/deployments/%d", d.ID), g.readTok(), "")
	wantStatus(t, r, 200, "")
	m := r.json(t)
	wantFields(t, "deployment", m, map[string]any{"id": float64(d.ID), "iid": float64(1), "status": "created",
		"pending_approval_count": float64(0), "approvals": []any{},
		"approval_summary": map[string]any{"rules": []any{}}})
	if u, _ := m["user"].(map[string]any); u["username"] != "maintainer" {
		t.Errorf("user %v", m["user"])
	}
	wantStatus(t, g.send("GET", g.url("/deployments/%d", d.ID+100), g.rep, ""), 404, `{"message":"404 Not found"}`)
	wantStatus(t, g.send("GET", g.url("/deployments/x"), g.rep, ""), 400, `{"error":"deployment_id is invalid"}`)
	wantStatus(t, g.send("GET", g.url("/deployments/%d", d.ID), g.guestTok, ""), 403, `{"message":"403 Forbidden"}`)
}

func TestSpecEnvironments_GET_environment_LastDeployment(t *testing.T) {
	g := newGuards(t)
	_, jobs := g.run("main")
	g.settle(5 * time.Second)
	list := listJobs(t, g.send("GET", g.url("/environments"), g.rep, ""))
	path := g.url("/environments/%v", list[0]["id"])
	if m := g.send("GET", path, g.rep, "").json(t); m["last_deployment"] != nil {
		t.Errorf("a blocked deployment is not the last deployment: %v", m["last_deployment"])
	}
	wantStatus(t, g.action(jobs["deploy"], "play", g.maint), 200, "")
	g.settle(5 * time.Second)
	last, _ := g.send("GET", path, g.rep, "").json(t)["last_deployment"].(map[string]any)
	if last["id"] != float64(g.deployment(jobs["deploy"]).ID) || last["status"] != "success" {
		t.Errorf("last_deployment %v", last)
	}
}
