package gitlabsim_test

import (
	"fmt"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// only/except by ref; no job for the ref is a 400; an unknown ref, a
// project without CI configuration are 400s with GitLab's messages.
func TestPipelineCreate_errors(t *testing.T) {
	p := newPipeEnv(t, releaseConfig)
	path := fmt.Sprintf("/api/v4/projects/%d/pipeline", p.proj.ID)
	wantStatus(t, p.post(path, "application/json", `{"ref":"nope"}`, "PRIVATE-TOKEN", p.apiTok), 400,
		`{"message":{"base":["Reference not found"]}}`)
	wantStatus(t, p.post(path, "application/json", `{}`, "PRIVATE-TOKEN", p.apiTok), 400, `{"error":"ref is missing"}`)
	wantStatus(t, p.post(path, "application/json", `{"ref":["main"]}`, "PRIVATE-TOKEN", p.apiTok), 400, `{"error":"ref is invalid"}`)
	wantStatus(t, p.post(path, "application/json", `{"ref":"main","variables":[{"key":"A B","value":"x"}]}`, "PRIVATE-TOKEN", p.apiTok), 400, "")
	wantStatus(t, p.post(path, "application/json", `{"ref":"main","variables":[{"key":"A","variable_type":"nope"}]}`, "PRIVATE-TOKEN", p.apiTok), 400,
		`{"error":"variables[0][variable_type] does not have a valid value"}`)
	// Authorization: a guest may not create pipelines, a read_api token not POST, nobody without a token.
	wantStatus(t, p.post(path, "application/json", `{"ref":"main"}`, "PRIVATE-TOKEN", p.guestTok), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, p.post(path, "application/json", `{"ref":"main"}`, "PRIVATE-TOKEN", p.devTok), 403, "")
	wantStatus(t, p.post(path, "application/json", `{"ref":"main"}`), 401, "")
	wantStatus(t, p.post(path, "application/json", `{"ref":"main"}`, "PRIVATE-TOKEN", p.outTok), 404, `{"message":"404 Project Not Found"}`)

	cfg := releaseConfig
	cfg.Jobs = []gitlabsim.CIJob{{Name: "deploy", Only: []string{"tags"}}}
	if err := p.sim.SetCIConfig(p.proj.ID, cfg); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, p.post(path, "application/json", `{"ref":"main"}`, "PRIVATE-TOKEN", p.apiTok), 400,
		`{"message":{"base":["Pipeline will not run for the selected trigger. The rules configuration prevented any jobs from being added to the pipeline."]}}`)
	if err := p.sim.SetCIConfig(p.proj.ID, gitlabsim.CIConfig{Branches: map[string]string{"main": ""}}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, p.post(path, "application/json", `{"ref":"main"}`, "PRIVATE-TOKEN", p.apiTok), 400,
		`{"message":{"base":["Missing CI config file"]}}`)
	if got := p.sim.CreatedPipelines(p.proj.ID); len(got) != 0 {
		t.Errorf("failed requests created pipelines %v", got)
	}
}
