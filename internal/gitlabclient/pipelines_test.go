package gitlabclient_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

const routeCreatePipeline = "POST /api/v4/projects/{id}/pipeline"

func pipelineWorld(t *testing.T) *simWorld {
	t.Helper()
	w := newSimWorld(t, gitlabsim.Options{RunnerDisabled: true})
	if err := w.sim.SetCIConfig(w.projID, gitlabsim.CIConfig{
		Branches: map[string]string{"main": ""},
		Jobs:     []gitlabsim.CIJob{{Name: "build", Stage: "build"}},
	}); err != nil {
		t.Fatal(err)
	}
	return w
}

// A pipeline creation whose answer is lost is never sent blindly again:
// after every fault, before or after GitLab created the pipeline, at most
// one pipeline exists, and the client reports it, re-sends only when no
// pipeline with the run's marker exists and the request is over (500, 502,
// 503 before), or says the outcome is unknown (504 or a reset before:
// GitLab may still be working on it).
func TestCreatePipeline_faults(t *testing.T) {
	for _, f := range reconcileFaults {
		t.Run(f.name, func(t *testing.T) {
			w := pipelineWorld(t)
			fault := f.fault
			fault.Route, fault.Calls = routeCreatePipeline, []int{1}
			w.sim.InjectFault(fault)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			got, err := w.client.CreatePipeline(ctx, faultProject, gitlabclient.RunRequest{
				Ref: "main", Marker: "run-1", Variables: []gitlabclient.Variable{{Key: "ENV", Value: "prod"}},
			}, "maintainer")
			created := w.sim.CreatedPipelines(w.projID)
			posts := w.sim.RequestCount(routeCreatePipeline)
			if len(created) > 1 {
				t.Fatalf("%d pipelines created, want at most 1", len(created))
			}
			after := fault.Kind.After()
			over := fault.Kind == gitlabsim.FaultStatus && fault.Status != 504
			switch {
			case after || over:
				if err != nil || got == nil || len(created) != 1 || got.ID != created[0] {
					t.Fatalf("got %+v, %v; created %v", got, err, created)
				}
				wantPosts := 1
				if over {
					wantPosts = 2 // proved not applied, then sent again
				}
				if posts != wantPosts {
					t.Errorf("%d POSTs, want %d", posts, wantPosts)
				}
			default:
				var unknown *gitlabclient.UnknownRunError
				if !errors.As(err, &unknown) || len(created) != 0 || posts != 1 {
					t.Fatalf("got %+v, %v (want an UnknownRunError); created %v, %d POSTs", got, err, created, posts)
				}
			}
			if got != nil {
				vars, err := w.client.GetPipelineVariables(ctx, faultProject, got.ID)
				if err != nil {
					t.Fatal(err)
				}
				if gitlabclient.MarkerOf(vars) != "run-1" || gitlabclient.UserVariables(vars)["ENV"] != "prod" {
					t.Errorf("variables %v", vars)
				}
			}
		})
	}
}

// FindRun finds the pipeline by its marker and no other; a GitLab refusal
// (4xx) is returned as is, without looking.
func TestFindRun_andRefusals(t *testing.T) {
	w := pipelineWorld(t)
	ctx := context.Background()
	a, err := w.client.CreatePipeline(ctx, faultProject, gitlabclient.RunRequest{Ref: "main", Marker: "a"}, "maintainer")
	if err != nil {
		t.Fatal(err)
	}
	b, err := w.client.CreatePipeline(ctx, faultProject, gitlabclient.RunRequest{Ref: "main", Marker: "b"}, "maintainer")
	if err != nil {
		t.Fatal(err)
	}
	for marker, want := range map[string]int64{"a": a.ID, "b": b.ID, "c": 0} {
		got, err := w.client.FindRun(ctx, faultProject, gitlabclient.RunRequest{Ref: "main", Marker: marker}, "maintainer", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if (got == nil && want != 0) || (got != nil && got.ID != want) {
			t.Errorf("FindRun(%s) = %+v, want %d", marker, got, want)
		}
	}
	// A marker is matched whole: another run's marker that starts with it is not it.
	r, err := w.client.CreatePipeline(ctx, faultProject, gitlabclient.RunRequest{Ref: "main", Marker: "a-r1234"}, "maintainer")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := w.client.FindRun(ctx, faultProject, gitlabclient.RunRequest{Ref: "main", Marker: "a"}, "maintainer", time.Time{}); got == nil || got.ID != a.ID {
		t.Errorf("FindRun(a) = %+v, want %d, not %d", got, a.ID, r.ID)
	}
	if got, _ := w.client.FindRun(ctx, faultProject, gitlabclient.RunRequest{Ref: "main", Marker: "a"}, "someone-else", time.Time{}); got != nil {
		t.Errorf("another user's run found: %d", got.ID)
	}
	if got, _ := w.client.FindRun(ctx, faultProject, gitlabclient.RunRequest{Ref: "main", Marker: "a"}, "maintainer", time.Now().Add(time.Hour)); got != nil {
		t.Errorf("a run older than since found: %d", got.ID)
	}
	_, err = w.client.CreatePipeline(ctx, faultProject, gitlabclient.RunRequest{Ref: "nope", Marker: "x"}, "maintainer")
	if gitlabclient.StatusCode(err) != 400 || w.sim.RequestCount(routeCreatePipeline) != 4 {
		t.Errorf("unknown ref: %v (%d POSTs)", err, w.sim.RequestCount(routeCreatePipeline))
	}
	latest, err := w.client.LatestPipeline(ctx, faultProject, "main", "")
	if err != nil || latest == nil || latest.ID != r.ID || latest.DetailedStatus == nil {
		t.Errorf("LatestPipeline: %+v, %v", latest, err)
	}
	if none, err := w.client.LatestPipeline(ctx, faultProject, "main", "success"); err != nil || none != nil {
		t.Errorf("LatestPipeline(success): %+v, %v", none, err)
	}
	if _, err := w.client.CreatePipeline(ctx, faultProject, gitlabclient.RunRequest{Ref: "main", Marker: "x",
		Variables: []gitlabclient.Variable{{Key: gitlabclient.RunMarkerKey, Value: "forged"}}}, "maintainer"); err == nil {
		t.Error("a user variable named like the marker was accepted")
	}
}

// A Developer may read the variables of their own pipelines only: FindRun
// lists the user's pipelines (username), so another user's runs on the ref
// neither fail the look nor count as this user's.
func TestFindRun_developerSeesOwnRunsOnly(t *testing.T) {
	w := pipelineWorld(t)
	ctx := context.Background()
	if _, err := w.client.CreatePipeline(ctx, faultProject, gitlabclient.RunRequest{Ref: "main", Marker: "m"}, "maintainer"); err != nil {
		t.Fatal(err)
	}
	dev := w.sim.CreateUser(gitlabsim.UserSpec{Username: "dev"})
	tok := w.sim.CreatePersonalAccessToken(dev.ID, gitlabsim.TokenSpec{})
	devClient, err := gitlabclient.New(gitlabclient.Config{BaseURL: w.srv.URL, Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	// Not a member: the project is not found (404), an error, not "none".
	if _, err := devClient.FindRun(ctx, faultProject, gitlabclient.RunRequest{Ref: "main", Marker: "m"}, "dev", time.Time{}); !gitlabclient.IsNotFound(err) {
		t.Errorf("outsider: %v, want 404", err)
	}
	member := w.sim.CreateProject(gitlabsim.ProjectSpec{Path: "team/app", Members: map[int64]int{
		w.userID: gitlabsim.MaintainerAccess, dev.ID: gitlabsim.DeveloperAccess}})
	if err := w.sim.SetCIConfig(member.ID, gitlabsim.CIConfig{Branches: map[string]string{"main": ""},
		Jobs: []gitlabsim.CIJob{{Name: "build"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.client.CreatePipeline(ctx, "team/app", gitlabclient.RunRequest{Ref: "main", Marker: "m"}, "maintainer"); err != nil {
		t.Fatal(err)
	}
	if got, err := devClient.FindRun(ctx, "team/app", gitlabclient.RunRequest{Ref: "main", Marker: "m"}, "dev", time.Time{}); err != nil || got != nil {
		t.Errorf("developer's look: %+v, %v; want none, no error", got, err)
	}
	mine, err := devClient.CreatePipeline(ctx, "team/app", gitlabclient.RunRequest{Ref: "main", Marker: "m"}, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := devClient.FindRun(ctx, "team/app", gitlabclient.RunRequest{Ref: "main", Marker: "m"}, "dev", time.Time{}); err != nil || got == nil || got.ID != mine.ID {
		t.Errorf("developer's own run: %+v, %v; want %d", got, err, mine.ID)
	}
}

// One matcher (RunRequest.Owns) for every look: every candidate with the
// marker is checked, not only the newest (issue 18 case 1); the ref is
// compared as GitLab stores it (case 3); values and inputs are compared
// (case 2); without the token's user nothing is adopted (case 6).
func TestFindRun_oneMatcher(t *testing.T) {
	w := pipelineWorld(t)
	if err := w.sim.SetCIConfig(w.projID, gitlabsim.CIConfig{
		Branches: map[string]string{"main": ""},
		Spec: &gitlabsim.CISpec{Inputs: map[string]gitlabsim.CIInput{
			"version": {Default: ""}, "dry": {Type: "boolean", Default: false}}},
		Jobs: []gitlabsim.CIJob{{Name: "build", Stage: "build"}},
	}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	env := func(v string) []gitlabclient.Variable { return []gitlabclient.Variable{{Key: "ENV", Value: v}} }
	staging, err := w.client.CreatePipeline(ctx, faultProject, gitlabclient.RunRequest{Ref: "main", Marker: "m", Variables: env("staging")}, "maintainer")
	if err != nil {
		t.Fatal(err)
	}
	prod, err := w.client.CreatePipeline(ctx, faultProject, gitlabclient.RunRequest{Ref: "refs/heads/main", Marker: "m", Variables: env("production")}, "maintainer")
	if err != nil {
		t.Fatal(err)
	}
	withInputs, err := w.client.CreatePipeline(ctx, faultProject, gitlabclient.RunRequest{Ref: "main", Marker: "m", Variables: env("staging"),
		Inputs: map[string]any{"version": "1.4.0", "dry": false}}, "maintainer")
	if err != nil {
		t.Fatal(err)
	}
	vars, err := w.client.GetPipelineVariables(ctx, faultProject, withInputs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := gitlabclient.MarkerOf(vars); gitlabclient.MarkerBase(got) != "m" || strings.Contains(got, "1.4.0") || len(got) < 60 {
		t.Errorf("marker with inputs %q: want m.<salt>.<mac>, revealing nothing", got)
	}
	for _, c := range []struct {
		name string
		req  gitlabclient.RunRequest
		user string
		want int64
	}{
		{"older of two, same names", gitlabclient.RunRequest{Ref: "main", Marker: "m", Variables: env("staging")}, "maintainer", staging.ID},
		{"newer, ref spelled in full", gitlabclient.RunRequest{Ref: "refs/heads/main", Marker: "m", Variables: env("production")}, "maintainer", prod.ID},
		{"values no pipeline has", gitlabclient.RunRequest{Ref: "main", Marker: "m", Variables: env("qa")}, "maintainer", 0},
		{"no variables", gitlabclient.RunRequest{Ref: "main", Marker: "m"}, "maintainer", 0},
		{"same inputs", gitlabclient.RunRequest{Ref: "main", Marker: "m", Variables: env("staging"),
			Inputs: map[string]any{"dry": false, "version": "1.4.0"}}, "maintainer", withInputs.ID},
		{"other inputs", gitlabclient.RunRequest{Ref: "main", Marker: "m", Variables: env("staging"),
			Inputs: map[string]any{"dry": true, "version": "1.4.0"}}, "maintainer", 0},
		{"another user", gitlabclient.RunRequest{Ref: "main", Marker: "m", Variables: env("staging")}, "someone-else", 0},
	} {
		got, err := w.client.FindRun(ctx, faultProject, c.req, c.user, time.Time{})
		if err != nil || (got == nil) != (c.want == 0) || (got != nil && got.ID != c.want) {
			t.Errorf("%s: %+v, %v; want %d", c.name, got, err, c.want)
		}
	}
	if got, err := w.client.FindRun(ctx, faultProject, gitlabclient.RunRequest{Ref: "main", Marker: "m", Variables: env("staging")}, "", time.Time{}); got != nil || !errors.Is(err, gitlabclient.ErrUserUnknown) {
		t.Errorf("unknown user: %+v, %v; want ErrUserUnknown", got, err)
	}
	if _, err := w.client.CreatePipeline(ctx, faultProject, gitlabclient.RunRequest{Ref: "main", Marker: "m"}, ""); !errors.Is(err, gitlabclient.ErrUserUnknown) {
		t.Errorf("create with an unknown user: %v", err)
	}
	if n := w.sim.RequestCount(routeCreatePipeline); n != 3 {
		t.Errorf("%d POSTs, want 3", n)
	}
}
