package gitlabsim_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// guards is the fixture of the guards' tests (protected refs and
// environments, resource groups): a project with a CI configuration
// (branches main and feature, tag v1.0.0; build, then a manual deploy to
// production in the resource group production), a maintainer, a
// developer, a reporter, and the environment's administrator, who is not a
// member. The clock is fake; the runner picks jobs up after 1s and runs
// them 2s.
type guards struct {
	*env
	clock                 *gitlabsim.Clock
	project               gitlabsim.Project
	maintU, devU, repU    gitlabsim.User
	maint, dev, rep, root string
}

func guardCI() gitlabsim.CIConfig {
	return gitlabsim.CIConfig{
		Stages:   []string{"build", "deploy"},
		Branches: map[string]string{"main": "", "feature": ""},
		Tags:     map[string]string{"v1.0.0": ""},
		Jobs: []gitlabsim.CIJob{
			{Name: "build", Stage: "build"},
			{Name: "deploy", Stage: "deploy", When: "manual", Environment: &gitlabsim.CIEnvironment{Name: "production"},
				ResourceGroup: "production"},
		},
	}
}

func newGuards(t *testing.T) *guards {
	t.Helper()
	clock := gitlabsim.NewClock(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	e := newEnvWith(t, gitlabsim.Options{Now: clock.Now, RunnerPickupDelay: time.Second, RunDuration: 2 * time.Second})
	g := &guards{env: e, clock: clock}
	s := e.sim
	g.maintU = s.CreateUser(gitlabsim.UserSpec{Username: "maintainer"})
	g.devU = s.CreateUser(gitlabsim.UserSpec{Username: "developer"})
	g.repU = s.CreateUser(gitlabsim.UserSpec{Username: "reporter"})
	g.maint = s.CreatePersonalAccessToken(g.maintU.ID, gitlabsim.TokenSpec{})
	g.dev = s.CreatePersonalAccessToken(g.devU.ID, gitlabsim.TokenSpec{})
	g.rep = s.CreatePersonalAccessToken(g.repU.ID, gitlabsim.TokenSpec{})
	g.root = e.adminTok
	g.project = s.CreateProject(gitlabsim.ProjectSpec{Path: "guards/app", Members: map[int64]int{
		g.maintU.ID: gitlabsim.MaintainerAccess, g.devU.ID: gitlabsim.DeveloperAccess, g.repU.ID: gitlabsim.ReporterAccess,
		e.guest.ID: gitlabsim.GuestAccess,
	}})
	if err := s.SetCIConfig(g.project.ID, guardCI()); err != nil {
		t.Fatal(err)
	}
	return g
}

func (g *guards) url(format string, args ...any) string {
	return fmt.Sprintf("/api/v4/projects/%d", g.project.ID) + fmt.Sprintf(format, args...)
}

// send sends a request with a JSON body (none when empty) as token.
func (g *guards) send(method, path, token, body string) response {
	g.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, g.srv.URL+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	resp, err := g.srv.Client().Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

// pipeline creates a pipeline for ref as token; it returns the answer.
func (g *guards) pipeline(ref, token string) response {
	g.t.Helper()
	return g.send("POST", g.url("/pipeline"), token, fmt.Sprintf(`{"ref":%q}`, ref))
}

// run creates a pipeline for ref as the maintainer and returns its jobs by name.
func (g *guards) run(ref string) (pipelineID int64, jobs map[string]int64) {
	g.t.Helper()
	return g.runAs(ref, g.maint)
}

// runAs creates a pipeline for ref as token and returns its jobs by name.
func (g *guards) runAs(ref, token string) (pipelineID int64, jobs map[string]int64) {
	g.t.Helper()
	r := g.pipeline(ref, token)
	wantStatus(g.t, r, 201, "")
	id := int64(r.json(g.t)["id"].(float64))
	jobs = map[string]int64{}
	for _, jid := range g.sim.PipelineJobIDs(id) {
		j, _ := g.sim.Job(jid)
		jobs[j.Name] = jid
	}
	return id, jobs
}

func (g *guards) status(jobID int64) string {
	g.t.Helper()
	j, ok := g.sim.Job(jobID)
	if !ok {
		g.t.Fatalf("no job %d", jobID)
	}
	return j.Status
}

// settle advances the clock by d and lets the runner catch up.
func (g *guards) settle(d time.Duration) {
	g.t.Helper()
	g.clock.Advance(d)
	g.send("GET", "/api/v4/user", g.maint, "") // every request runs the runner
}

func (g *guards) action(jobID int64, action, token string) response {
	g.t.Helper()
	return g.send("POST", g.url("/jobs/%d/%s", jobID, action), token, "")
}

func gitlabsimJob(name, environment string) gitlabsim.CIJob {
	return gitlabsim.CIJob{Name: name, Stage: "deploy", When: "manual", Environment: &gitlabsim.CIEnvironment{Name: environment}}
}

// protectProductionFor protects production for one deployer.
func protectProductionFor(userID int64) gitlabsim.ProtectedEnvironmentSpec {
	return gitlabsim.ProtectedEnvironmentSpec{Name: "production", UserIDs: []int64{userID}}
}

// readTok is a read_api token of the maintainer.
func (g *guards) readTok() string {
	return g.sim.CreatePersonalAccessToken(g.maintU.ID, gitlabsim.TokenSpec{Scopes: []string{"read_api"}})
}
