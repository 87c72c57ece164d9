package gitlabsim_test

import (
	"fmt"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Trigger tokens: a pipeline as the token's owner, source trigger; a CI job
// token of a running job: source pipeline (multi-project), as the job's user.
func TestPipelineTrigger(t *testing.T) {
	p := newPipeEnv(t, releaseConfig)
	path := fmt.Sprintf("/api/v4/projects/%d/trigger/pipeline", p.proj.ID)
	tok := p.sim.CreateTriggerToken(p.proj.ID, p.dev.ID, "")
	r := p.post(path, "application/x-www-form-urlencoded", "token="+tok+"&ref=main&variables[DEPLOY]=yes")
	wantStatus(t, r, 201, "")
	m := r.json(t)
	if m["source"] != "trigger" || m["user"].(map[string]any)["username"] != "dev" {
		t.Errorf("trigger pipeline %v", m)
	}
	v := p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%v/variables", p.proj.ID, m["id"]), "PRIVATE-TOKEN", p.apiTok)
	wantStatus(t, v, 200, `[{"key":"DEPLOY","value":"yes","variable_type":"env_var"},`+
		`{"key":"TRIGGER_PAYLOAD","value":"{\"id\":\"1\",\"ref\":\"main\",\"variables\":{\"DEPLOY\":\"yes\"}}","variable_type":"file"}]`)
	wantStatus(t, p.post(path, "application/json", `{"token":"`+tok+`","ref":"main","variables":{"N":1}}`), 400,
		`{"message":"variables needs to be a map of key-valued strings"}`)
	wantStatus(t, p.post(path, "application/json", `{"token":"`+tok+`","ref":""}`), 400, `{"error":"ref is empty"}`)
	wantStatus(t, p.post("/api/v4/projects/999/trigger/pipeline", "application/json", `{"token":"`+tok+`","ref":"main"}`), 404,
		`{"message":"404 Not Found"}`)
	other := p.sim.CreateProject(gitlabsim.ProjectSpec{Path: "other/project"})
	wantStatus(t, p.post(fmt.Sprintf("/api/v4/projects/%d/trigger/pipeline", other.ID), "application/json", `{"token":"`+tok+`","ref":"main"}`), 404,
		`{"message":"404 Not Found"}`)
	guestTrigger := p.sim.CreateTriggerToken(p.proj.ID, p.guest.ID, "")
	wantStatus(t, p.post(path, "application/json", `{"token":"`+guestTrigger+`","ref":"main"}`), 400,
		`{"message":{"base":["Insufficient permissions to create a new pipeline"]}}`)

	// The seed's running job (e2e) runs as the developer.
	jobTok := p.sim.JobToken(p.pl.JobIDs[2])
	r = p.post(path, "application/json", `{"token":"`+jobTok+`","ref":"main"}`)
	wantStatus(t, r, 201, "")
	if m := r.json(t); m["source"] != "pipeline" {
		t.Errorf("job token pipeline source %v", m["source"])
	}
	wantStatus(t, p.post(path, "application/json", `{"token":"glptt-nope","ref":"main"}`), 404, `{"message":"404 Not Found"}`)
	finished := p.sim.JobToken(p.pl.JobIDs[0]) // the seed's build succeeded
	wantStatus(t, p.post(path, "application/json", `{"token":"`+finished+`","ref":"main"}`), 401, `{"message":"Job is not running"}`)
	wantStatus(t, p.post(path, "application/json", `{"ref":"main"}`), 400, `{"error":"token is missing"}`)
	wantStatus(t, p.post(path, "application/json", `{"token":"`+tok+`","ref":"nope"}`), 400, `{"message":{"base":["Reference not found"]}}`)
	if got := len(p.sim.CreatedPipelines(p.proj.ID)); got != 2 {
		t.Errorf("%d pipelines created, want 2", got)
	}
}
