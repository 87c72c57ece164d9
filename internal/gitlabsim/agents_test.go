package gitlabsim_test

import (
	"encoding/json"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

func TestAllowedAgents(t *testing.T) {
	e := newEnv(t)
	cfg := e.sim.CreateProject(gitlabsim.ProjectSpec{Path: "platform/agents", Members: map[int64]int{e.dev.ID: 40}})
	agentID := e.sim.CreateAgent(cfg.ID, "prod", e.proj.ID)
	e.sim.CreateAgent(cfg.ID, "elsewhere", cfg.ID)
	tok := e.sim.JobToken(e.pl.JobIDs[2])
	r := e.get("/api/v4/job/allowed_agents", "JOB-TOKEN", tok)
	wantStatus(t, r, 200, "")
	var got struct {
		AllowedAgents []struct {
			ID            int64 `json:"id"`
			ConfigProject struct {
				PathWithNamespace string `json:"path_with_namespace"`
			} `json:"config_project"`
		} `json:"allowed_agents"`
		Job     struct{ ID int64 }
		Project struct {
			ID     int64
			Groups []struct{ ID int64 }
		}
	}
	json.Unmarshal(r.body, &got)
	if len(got.AllowedAgents) != 1 || got.AllowedAgents[0].ID != agentID || got.AllowedAgents[0].ConfigProject.PathWithNamespace != "platform/agents" {
		t.Errorf("allowed agents %s", r.body)
	}
	if got.Job.ID != e.pl.JobIDs[2] || got.Project.ID != e.proj.ID || len(got.Project.Groups) != 2 {
		t.Errorf("allowed agents %s (project group/sub/app.service is in 2 groups)", r.body)
	}
	wantStatus(t, e.get("/api/v4/job/allowed_agents", "PRIVATE-TOKEN", e.devTok), 404, `{"message":"404 Job Not Found"}`)
	wantStatus(t, e.get("/api/v4/job/allowed_agents"), 401, `{"message":"401 Unauthorized"}`)
}
