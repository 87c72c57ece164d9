package gitlabsim_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// GET /pipelines/:id, the variables, and the list's filters and order.
func TestPipelineRead_andList(t *testing.T) {
	p := newPipeEnv(t, releaseConfig)
	first := p.run("main", `{"ref":"main","variables":[{"key":"RUN_ID","value":"abc"},{"key":"F","value":"x","variable_type":"file"}]}`)["id"]
	p.clock.Advance(time.Minute)
	second := p.run("v1.0.0", "")["id"]
	p.clock.Advance(time.Minute)

	r := p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%v/variables", p.proj.ID, first), "PRIVATE-TOKEN", p.apiTok)
	wantStatus(t, r, 200, `[{"key":"RUN_ID","value":"abc","variable_type":"env_var"},{"key":"F","value":"x","variable_type":"file"}]`)
	wantStatus(t, p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%v/variables", p.proj.ID, first), "PRIVATE-TOKEN", p.guestTok), 403, "")
	// A developer reads the variables of their own pipelines only; a maintainer (here the admin) of all.
	other := p.sim.CreateUser(gitlabsim.UserSpec{Username: "dev2"})
	otherTok := p.sim.CreatePersonalAccessToken(other.ID, gitlabsim.TokenSpec{})
	shared := p.sim.CreateProject(gitlabsim.ProjectSpec{Path: "group/shared", Members: map[int64]int{
		p.dev.ID: gitlabsim.DeveloperAccess, other.ID: gitlabsim.DeveloperAccess}})
	if err := p.sim.SetCIConfig(shared.ID, releaseConfig); err != nil {
		t.Fatal(err)
	}
	r = p.post(fmt.Sprintf("/api/v4/projects/%d/pipeline", shared.ID), "application/json", `{"ref":"main"}`, "PRIVATE-TOKEN", p.apiTok)
	wantStatus(t, r, 201, "")
	varsPath := fmt.Sprintf("/api/v4/projects/%d/pipelines/%v/variables", shared.ID, r.json(t)["id"])
	wantStatus(t, p.get(varsPath, "PRIVATE-TOKEN", otherTok), 403, "")
	wantStatus(t, p.get(varsPath, "PRIVATE-TOKEN", p.apiTok), 200, "[]")
	wantStatus(t, p.get(varsPath, "PRIVATE-TOKEN", p.adminTok), 200, "[]")
	wantStatus(t, p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/999999", p.proj.ID), "PRIVATE-TOKEN", p.apiTok), 404, `{"message":"404 Not found"}`)
	wantStatus(t, p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%v", p.proj.ID, first), "PRIVATE-TOKEN", p.guestTok), 403, "")
	// The seed's pipelines are served too.
	p.pipeline(p.pl.ID)

	list := func(q string) []any {
		t.Helper()
		r := p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines?%s", p.proj.ID, q), "PRIVATE-TOKEN", p.apiTok)
		wantStatus(t, r, 200, "")
		var l []map[string]any
		_ = json.Unmarshal(r.body, &l)
		ids := []any{}
		for _, m := range l {
			ids = append(ids, m["id"])
		}
		return ids
	}
	seed := float64(p.pl.ID)
	for q, want := range map[string][]any{
		"":                                 {second, first, seed},
		"sort=asc":                         {seed, first, second},
		"ref=main":                         {first, seed},
		"ref=main&status=success":          {first},
		"status=manual":                    {second},
		"scope=tags":                       {second},
		"source=api&order_by=ref&sort=asc": {first, second},
		"username=dev&per_page=1&page=2":   {first},
	} {
		if got := list(q); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("?%s: %v, want %v", q, got, want)
		}
	}
	wantStatus(t, p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines?status=nope", p.proj.ID), "PRIVATE-TOKEN", p.apiTok), 400,
		`{"error":"status does not have a valid value"}`)
	wantStatus(t, p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines?order_by=sha", p.proj.ID), "PRIVATE-TOKEN", p.apiTok), 400,
		`{"error":"order_by does not have a valid value"}`)
	// The query is read as Rack reads it, pagination as `use :pagination` declares it.
	wantStatus(t, p.get(fmt.Sprintf("/api/v4/projects/%d/pipelines?ref[]=main&per_page=0&sort=up", p.proj.ID), "PRIVATE-TOKEN", p.apiTok), 400,
		`{"error":"per_page has a value not allowed, ref is invalid, sort does not have a valid value"}`)
}
