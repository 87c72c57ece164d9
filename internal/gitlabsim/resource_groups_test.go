package gitlabsim_test

import (
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Tests of resource groups after spec/requests/api/ci/resource_groups_spec.rb,
// spec/models/ci/resource_group_spec.rb and
// spec/services/ci/resource_groups/assign_resource_from_resource_group_service_spec.rb.

// newSerialDeploys is the guards' fixture with a CI configuration whose
// only job, deploy, runs at once in the resource group production.
func newSerialDeploys(t *testing.T) *guards {
	t.Helper()
	g := newGuards(t)
	cfg := guardCI()
	cfg.Jobs = []gitlabsim.CIJob{{Name: "deploy", Stage: "deploy", ResourceGroup: "production", RunDuration: "10s"}}
	if err := g.sim.SetCIConfig(g.project.ID, cfg); err != nil {
		t.Fatal(err)
	}
	return g
}

func TestSpecResourceGroups_JobWaitsForTheResource(t *testing.T) {
	g := newSerialDeploys(t)
	_, a := g.run("main")
	_, b := g.run("main")
	if st := g.status(a["deploy"]); st != "pending" {
		t.Fatalf("first deploy %s, want pending (it holds the resource)", st)
	}
	if st := g.status(b["deploy"]); st != "waiting_for_resource" {
		t.Fatalf("second deploy %s, want waiting_for_resource", st)
	}
	if h := g.sim.ResourceGroupHolder(g.project.ID, "production"); h != a["deploy"] {
		t.Fatalf("holder %d, want %d", h, a["deploy"])
	}
	r := g.send("GET", g.url("/pipelines/%d", g.sim.CreatedPipelines(g.project.ID)[1]), g.maint, "")
	if st := r.json(t)["status"]; st != "waiting_for_resource" {
		t.Errorf("pipeline status %v", st)
	}
	g.settle(5 * time.Second) // a runs, b still waits
	if g.status(a["deploy"]) != "running" || g.status(b["deploy"]) != "waiting_for_resource" {
		t.Fatalf("a %s, b %s", g.status(a["deploy"]), g.status(b["deploy"]))
	}
	g.settle(10 * time.Second) // a succeeded: b gets the resource, is picked up and runs
	if g.status(a["deploy"]) != "success" || g.status(b["deploy"]) != "running" {
		t.Fatalf("after a: a %s, b %s", g.status(a["deploy"]), g.status(b["deploy"]))
	}
	if h := g.sim.ResourceGroupHolder(g.project.ID, "production"); h != b["deploy"] {
		t.Fatalf("holder %d, want %d", h, b["deploy"])
	}
}

func TestSpecResourceGroups_CancelingTheHolderReleasesIt(t *testing.T) {
	g := newSerialDeploys(t)
	_, a := g.run("main")
	_, b := g.run("main")
	wantStatus(t, g.action(a["deploy"], "cancel", g.maint), 201, "")
	if st := g.status(b["deploy"]); st != "pending" {
		t.Fatalf("b %s after the holder was canceled", st)
	}
	// a retry of the canceled job waits for b
	r := g.action(a["deploy"], "retry", g.maint)
	wantStatus(t, r, 201, "")
	if st := r.json(t)["status"]; st != "waiting_for_resource" {
		t.Errorf("retry answered %v", st)
	}
}

func TestSpecResourceGroups_ProcessModes(t *testing.T) {
	for _, tc := range []struct {
		mode string
		next int // which waiting pipeline (1 or 2) gets the resource after 0
	}{{"unordered", 1}, {"oldest_first", 1}, {"newest_first", 2}, {"newest_ready_first", 2}} {
		t.Run(tc.mode, func(t *testing.T) {
			g := newSerialDeploys(t)
			var jobs [3]int64
			for i := range jobs {
				_, j := g.run("main")
				jobs[i] = j["deploy"]
			}
			wantStatus(t, g.send("PUT", g.url("/resource_groups/production"), g.maint, `{"process_mode":"`+tc.mode+`"}`), 200, "")
			r := g.send("GET", g.url("/resource_groups/production/upcoming_jobs"), g.dev, "")
			wantStatus(t, r, 200, "")
			up := listJobs(t, r)
			if len(up) != 2 || int64(up[0]["id"].(float64)) != jobs[tc.next] {
				t.Fatalf("upcoming %s", r.body)
			}
			g.settle(20 * time.Second)
			if st := g.status(jobs[tc.next]); st != "running" {
				t.Errorf("job of pipeline %d is %s, want running", tc.next, st)
			}
			if st := g.status(jobs[3-tc.next]); st != "waiting_for_resource" {
				t.Errorf("job of pipeline %d is %s, want waiting_for_resource", 3-tc.next, st)
			}
		})
	}
}

func TestSpecResourceGroups_OldestFirstKeepsTheTurnOfAnUpcomingJob(t *testing.T) {
	// oldest_first counts created jobs too: an older pipeline's job not yet
	// waiting holds back a newer pipeline's waiting job.
	g := newGuards(t)
	cfg := guardCI()
	cfg.Jobs = []gitlabsim.CIJob{
		{Name: "build", Stage: "build", RunDuration: "10s"},
		{Name: "deploy", Stage: "deploy", ResourceGroup: "production", RunDuration: "10s"},
		{Name: "hotfix", Stage: "build", ResourceGroup: "production", RunDuration: "1s", Only: []string{"feature"}},
	}
	if err := g.sim.SetCIConfig(g.project.ID, cfg); err != nil {
		t.Fatal(err)
	}
	_, a := g.run("main")    // deploy created, waiting for build
	_, b := g.run("feature") // hotfix waits for the resource; deploy created
	_, c := g.run("feature") // another hotfix
	if g.status(b["hotfix"]) != "pending" || g.status(c["hotfix"]) != "waiting_for_resource" {
		t.Fatalf("b hotfix %s, c hotfix %s", g.status(b["hotfix"]), g.status(c["hotfix"]))
	}
	wantStatus(t, g.send("PUT", g.url("/resource_groups/production"), g.maint, `{"process_mode":"oldest_first"}`), 200, "")
	r := g.send("GET", g.url("/resource_groups/production/upcoming_jobs"), g.dev, "")
	up := listJobs(t, r)
	if len(up) != 4 || int64(up[0]["id"].(float64)) != a["deploy"] {
		t.Fatalf("upcoming (a's created deploy first): %s", r.body)
	}
	g.settle(4 * time.Second) // b's hotfix is done; a's deploy, created, keeps the turn: c's hotfix waits
	if g.status(b["hotfix"]) != "success" || g.status(c["hotfix"]) != "waiting_for_resource" {
		t.Fatalf("b hotfix %s, c hotfix %s", g.status(b["hotfix"]), g.status(c["hotfix"]))
	}
	g.settle(10 * time.Second) // a's build succeeded: a's deploy takes the resource
	if st := g.status(a["deploy"]); st != "pending" && st != "running" {
		t.Fatalf("a deploy %s", st)
	}
}

// --- resource_groups_spec.rb ---

func TestSpecResourceGroups_GET_resource_groups(t *testing.T) {
	g := newSerialDeploys(t)
	wantStatus(t, g.send("GET", g.url("/resource_groups"), g.dev, ""), 200, "[]")
	_, a := g.run("main")
	r := g.send("GET", g.url("/resource_groups"), g.dev, "")
	wantStatus(t, r, 200, "")
	list := listJobs(t, r)
	if len(list) != 1 {
		t.Fatalf("%s", r.body)
	}
	wantFields(t, "resource group", list[0], map[string]any{"key": "production", "process_mode": "unordered"})
	// when user is reporter
	wantStatus(t, g.send("GET", g.url("/resource_groups"), g.rep, ""), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, g.send("GET", g.url("/resource_groups"), g.outTok, ""), 404, `{"message":"404 Project Not Found"}`)
	// GET /projects/:id/resource_groups/:key
	wantStatus(t, g.send("GET", g.url("/resource_groups/production"), g.dev, ""), 200, "")
	wantStatus(t, g.send("GET", g.url("/resource_groups/unknown"), g.dev, ""), 404, `{"message":"404 Not found"}`)
	// current_job: the holder
	r = g.send("GET", g.url("/resource_groups/production/current_job"), g.dev, "")
	wantStatus(t, r, 200, "")
	if m := r.json(t); int64(m["id"].(float64)) != a["deploy"] || m["status"] != "pending" {
		t.Errorf("current job %s", r.body)
	}
}

func TestSpecResourceGroups_PUT_resource_group(t *testing.T) {
	g := newSerialDeploys(t)
	g.run("main")
	r := g.send("PUT", g.url("/resource_groups/production"), g.maint, `{"process_mode":"oldest_first"}`)
	wantStatus(t, r, 200, "")
	if r.json(t)["process_mode"] != "oldest_first" {
		t.Errorf("%s", r.body)
	}
	// with invalid parameter
	wantStatus(t, g.send("PUT", g.url("/resource_groups/production"), g.maint, `{"process_mode":"unknown"}`), 400,
		`{"error":"process_mode does not have a valid value"}`)
	// when user is reporter; when there is no corresponding resource group
	wantStatus(t, g.send("PUT", g.url("/resource_groups/production"), g.rep, `{"process_mode":"unordered"}`), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, g.send("PUT", g.url("/resource_groups/unknown"), g.maint, `{"process_mode":"unordered"}`), 404, `{"message":"404 Not found"}`)
	wantStatus(t, g.send("PUT", g.url("/resource_groups/production"), g.readTok(), `{"process_mode":"unordered"}`), 403, "")
}

func TestSpecRoute_ResourceGroups_CIConfigValidation(t *testing.T) {
	g := newGuards(t)
	cfg := guardCI()
	cfg.Jobs[1].ResourceGroup = "prod!"
	if err := g.sim.SetCIConfig(g.project.ID, cfg); err == nil {
		t.Error("resource_group prod! was accepted")
	}
}
