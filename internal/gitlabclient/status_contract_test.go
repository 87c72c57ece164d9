package gitlabclient_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// The client's status vocabulary (status.go) against the simulator's own
// state machine (gitlabsim/statemachine.go), the other side of the
// contract: for every status the simulator knows, each action is sent to a
// job in that status and GitLab's (the simulator's) answer must be what the
// client's list predicts.
func TestStatusVocabularyAgreesWithTheSimulator(t *testing.T) {
	sim := gitlabsim.New(gitlabsim.Options{RunnerDisabled: true})
	u := sim.CreateUser(gitlabsim.UserSpec{Username: "maintainer"})
	tok := sim.CreatePersonalAccessToken(u.ID, gitlabsim.TokenSpec{})
	proj := sim.CreateProject(gitlabsim.ProjectSpec{Path: "contract/app", Members: map[int64]int{u.ID: gitlabsim.MaintainerAccess}})
	srv := httptest.NewUnstartedServer(sim)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := gitlabclient.New(gitlabclient.Config{BaseURL: srv.URL, Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const project = "contract/app"

	// job creates a pipeline holding one job in status, with a log and
	// artifacts (so that only its status decides an erase).
	job := func(status string, bridge bool, when string) (jobID, pipelineID int64) {
		t.Helper()
		spec := gitlabsim.JobSpec{Name: "job", Stage: "deploy", Status: status, Bridge: bridge, When: when}
		if !bridge {
			spec.Log = "log\n"
			spec.Artifacts = []gitlabsim.ArtifactSpec{{FileType: "archive", Filename: "a.zip", FileFormat: "zip", Size: 1}}
		}
		pl := sim.CreatePipeline(proj.ID, gitlabsim.PipelineSpec{UserID: u.ID, Jobs: []gitlabsim.JobSpec{spec}})
		return pl.JobIDs[0], pl.ID
	}
	// refused reports whether err is GitLab's refusal with status code.
	refused := func(err error, code int) bool {
		var apiErr *gitlabclient.APIError
		return errors.As(err, &apiErr) && apiErr.StatusCode == code
	}

	for _, status := range gitlabsim.AllStatuses {
		if !slices.Contains(gitlabclient.AllStatuses, status) {
			t.Errorf("the simulator's status %q is not in gitlabclient.AllStatuses", status)
			continue
		}
		t.Run(status, func(t *testing.T) {
			// play, of a manual (or, when scheduled, delayed) build.
			when := "manual"
			if status == gitlabsim.StatusScheduled {
				when = "delayed"
			}
			id, pl := job(status, false, when)
			_, err := c.PlayJob(ctx, project, id, nil)
			switch {
			case err == nil && !gitlabclient.Playable(status):
				t.Errorf("play: the simulator played a %s build; gitlabclient.Playable says it does not", status)
			case err != nil && gitlabclient.Playable(status):
				t.Errorf("play: the simulator refused a %s build (%v); gitlabclient.Playable says it plays it", status, err)
			case err != nil && !refused(err, http.StatusBadRequest):
				t.Errorf("play: %v, want a 400", err)
			case err == nil:
				// In place (enqueued), or run again as a new job.
				inPlace := len(sim.PipelineJobIDs(pl)) == 1
				if inPlace != gitlabclient.WaitingToBePlayed(status) {
					t.Errorf("play of a %s build: ran in place %v; gitlabclient.WaitingToBePlayed says %v", status, inPlace, gitlabclient.WaitingToBePlayed(status))
				}
			}

			// play of a manual bridge.
			id, _ = job(status, true, "manual")
			_, err = c.PlayJob(ctx, project, id, nil)
			if (err == nil) != gitlabclient.BridgePlayable(status) || (err != nil && !refused(err, http.StatusBadRequest)) {
				t.Errorf("play of a %s bridge: %v; gitlabclient.BridgePlayable says %v", status, err, gitlabclient.BridgePlayable(status))
			}

			// retry, of a build and of a bridge.
			for _, bridge := range []bool{false, true} {
				id, _ = job(status, bridge, "")
				_, err = c.RetryJob(ctx, project, id)
				if (err == nil) != gitlabclient.Retryable(status) || (err != nil && !refused(err, http.StatusForbidden)) {
					t.Errorf("retry of a %s job (bridge %v): %v; gitlabclient.Retryable says %v", status, bridge, err, gitlabclient.Retryable(status))
				}
			}

			// cancel: GitLab always answers 201; whether the job changed tells.
			id, _ = job(status, false, "")
			got, err := c.CancelJob(ctx, project, id)
			if err != nil {
				t.Fatalf("cancel: %v", err)
			}
			changed := sim.ActionCount(id, gitlabsim.ActionCancel) == 1
			if changed != gitlabclient.Cancelable(status) {
				t.Errorf("cancel of a %s job: changed %v (now %s); gitlabclient.Cancelable says %v", status, changed, got.Status, gitlabclient.Cancelable(status))
			}
			if changed != (got.Status != status) {
				t.Errorf("cancel of a %s job: answered %s, counted %v", status, got.Status, changed)
			}

			// erase, of a build with a log and artifacts: Ci::Build#erasable?
			// is complete?, i.e. Finished.
			id, _ = job(status, false, "")
			_, err = c.EraseJob(ctx, project, id)
			if (err == nil) != gitlabclient.Erasable(status) || (err != nil && !refused(err, http.StatusForbidden)) {
				t.Errorf("erase of a %s build: %v; gitlabclient.Erasable says %v", status, err, gitlabclient.Erasable(status))
			}
			if gitlabclient.Erasable(status) != gitlabclient.Finished(status) {
				t.Errorf("%s: Erasable and Finished disagree", status)
			}
		})
	}
	for _, status := range gitlabclient.AllStatuses {
		if !slices.Contains(gitlabsim.AllStatuses, status) {
			t.Logf("status %q is not simulated; it is checked against GitLab's source only", status)
		}
	}
}
