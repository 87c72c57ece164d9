package provider_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// gateFixture is a release gate in the simulator: a project whose
// production environment is protected for Maintainers and needs one
// approval from the release manager (an approval rule for that user), and a
// pipeline the release bot ran, whose deploy job waits for that approval
// (job manual, deployment blocked with one approval pending).
type gateFixture struct {
	project                gitlabsim.Project
	build, deploy          int64
	deploymentID           int64
	managerID, botID       int64
	managerToken, botToken string
}

// developers are users to add to the project as Developers.
func newGateFixture(t *testing.T, env *acctest.Env, developers ...int64) gateFixture {
	t.Helper()
	env.RequireSim(t, "sets up a protected environment with approval rules")
	s := env.Sim
	var f gateFixture
	manager := s.CreateUser(gitlabsim.UserSpec{Username: "release-manager", Name: "Release Manager"})
	bot := s.CreateUser(gitlabsim.UserSpec{Username: "release-bot", Name: "Release Bot", Bot: true})
	f.managerID, f.botID = manager.ID, bot.ID
	f.managerToken = s.CreatePersonalAccessToken(manager.ID, gitlabsim.TokenSpec{Name: "manager"})
	f.botToken = s.CreatePersonalAccessToken(bot.ID, gitlabsim.TokenSpec{Name: "bot"})
	members := map[int64]int{env.AdminID: 40, manager.ID: 40, bot.ID: 40}
	for _, id := range developers {
		members[id] = 30
	}
	f.project = s.CreateProject(gitlabsim.ProjectSpec{
		Path:    "gate/" + strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())),
		Members: members,
	})
	if err := s.SetCIConfig(f.project.ID, gitlabsim.CIConfig{
		Stages:   []string{"build", "deploy"},
		Branches: map[string]string{"main": ""},
		Jobs: []gitlabsim.CIJob{
			{Name: "build", Stage: "build"},
			{Name: "deploy", Stage: "deploy", When: "manual", Environment: &gitlabsim.CIEnvironment{Name: "production"}},
		},
	}); err != nil {
		t.Fatal(err)
	}
	s.ProtectEnvironment(f.project.ID, gitlabsim.ProtectedEnvironmentSpec{Name: "production", AccessLevels: []int{40}})
	if !s.SetEnvironmentApprovals(f.project.ID, "production", 0, []gitlabsim.ApprovalRuleSpec{{UserID: manager.ID, RequiredApprovals: 1}}) {
		t.Fatal("production is not protected")
	}
	var pipeline struct {
		ID int64 `json:"id"`
	}
	simRequest(t, env, http.MethodPost, fmt.Sprintf("/projects/%d/pipeline", f.project.ID), f.botToken, `{"ref":"main"}`, &pipeline)
	for _, id := range s.PipelineJobIDs(pipeline.ID) {
		switch simJob(t, env, id).Name {
		case "build":
			f.build = id
		case "deploy":
			f.deploy = id
		}
	}
	// Every request runs the simulator's runner: the build finishes, and the
	// deploy job then waits for approval.
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, ok := s.JobDeployment(f.deploy)
		if ok && d.Status == "blocked" && d.PendingApprovalCount > 0 && simJob(t, env, f.build).Status == "success" {
			f.deploymentID = d.ID
			return f
		}
		if time.Now().After(deadline) {
			t.Fatalf("the deploy job does not wait for approval: %+v", d)
		}
		time.Sleep(100 * time.Millisecond)
		var user struct{}
		env.GetJSON(t, "/user", &user)
	}
}

// approvals are the deployment's approvals as the simulator holds them.
func (f gateFixture) approvals(t *testing.T, env *acctest.Env) []gitlabsim.DeploymentApproval {
	t.Helper()
	d, ok := env.Sim.JobDeployment(f.deploy)
	if !ok {
		t.Fatalf("job %d has no deployment", f.deploy)
	}
	return d.Approvals
}

// simRequest sends a JSON request to the simulator as token and decodes a
// 2xx answer into out (when not nil).
func simRequest(t *testing.T, env *acctest.Env, method, apiPath, token, body string, out any) {
	t.Helper()
	req, err := http.NewRequest(method, strings.TrimSuffix(env.BaseURL, "/")+apiPath, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("PRIVATE-TOKEN", token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, apiPath, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, apiPath, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v", method, apiPath, err)
		}
	}
}
