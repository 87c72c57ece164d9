package gitlabclient_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// After an ambiguous failure of a job action, the client re-reads the job and
// decides: applied (return it), not applied (send again) or unknown (an
// error). This table runs every action on every status it accepts, as a
// build (and a bridge where GitLab acts on bridges), with one fault on the
// action's first request, before or after the simulator applied it. Every
// row checks the simulator's count of applied actions (never two), the
// number of POSTs (one after a fault after applying: nothing is sent again),
// and that what the client reports is what the simulator holds: no success
// without the action applied, and no error when the re-read could tell.

type reconcileFault struct {
	name  string
	fault gitlabsim.Fault
}

var reconcileFaults = []reconcileFault{
	{"500 before", gitlabsim.Fault{Kind: gitlabsim.FaultStatus, Status: 500}},
	{"502 before", gitlabsim.Fault{Kind: gitlabsim.FaultStatus, Status: 502}},
	{"503 before", gitlabsim.Fault{Kind: gitlabsim.FaultStatus, Status: 503}},
	{"504 before", gitlabsim.Fault{Kind: gitlabsim.FaultStatus, Status: 504}},
	{"reset before", gitlabsim.Fault{Kind: gitlabsim.FaultReset}},
	{"500 after", gitlabsim.Fault{Kind: gitlabsim.FaultStatusAfter, Status: 500}},
	{"502 after", gitlabsim.Fault{Kind: gitlabsim.FaultStatusAfter, Status: 502}},
	{"504 after", gitlabsim.Fault{Kind: gitlabsim.FaultStatusAfter, Status: 504}},
	{"reset after", gitlabsim.Fault{Kind: gitlabsim.FaultResetAfter}},
}

// reconcileSubject is a job in a status an action accepts.
type reconcileSubject struct {
	status   string
	bridge   bool
	when     string // the job's `when`: manual and delayed jobs are playable
	graceful bool   // the runner cancels gracefully: running → canceling
}

func (s reconcileSubject) String() string {
	n := s.status
	if s.bridge {
		n += " bridge"
	}
	if s.graceful {
		n += " graceful"
	}
	return n
}

// acceptedSubjects lists, per action, the statuses GitLab accepts it in,
// from the client's vocabulary (status.go), so that a status added there is
// covered here too.
func acceptedSubjects(action string) []reconcileSubject {
	var out []reconcileSubject
	for _, st := range gitlabsim.AllStatuses {
		switch action {
		case gitlabsim.ActionPlay:
			when := "manual"
			if st == gitlabsim.StatusScheduled {
				when = "delayed"
			}
			if gitlabclient.Playable(st) {
				out = append(out, reconcileSubject{status: st, when: when})
			}
			if gitlabclient.BridgePlayable(st) {
				out = append(out, reconcileSubject{status: st, when: when, bridge: true})
			}
		case gitlabsim.ActionRetry:
			if gitlabclient.Retryable(st) {
				out = append(out, reconcileSubject{status: st}, reconcileSubject{status: st, bridge: true})
			}
		case gitlabsim.ActionCancel:
			if gitlabclient.Cancelable(st) {
				out = append(out, reconcileSubject{status: st})
			}
			if st == gitlabsim.StatusRunning {
				out = append(out, reconcileSubject{status: st, graceful: true})
			}
		case gitlabsim.ActionErase:
			if gitlabclient.Erasable(st) {
				out = append(out, reconcileSubject{status: st})
			}
		}
	}
	return out
}

var actionRoutes = map[string]string{
	gitlabsim.ActionPlay: routePlay, gitlabsim.ActionRetry: routeRetry,
	gitlabsim.ActionCancel: routeCancel, gitlabsim.ActionErase: routeErase,
}

// reconcileRow sets up one job, injects f on the action's first request and
// runs the action as the provider does (a play is given the job it read).
type reconcileRow struct {
	w        *simWorld
	job      int64
	pipeline int64
	got      *gitlabclient.Job
	err      error
	posts    int
}

func runReconcileRow(t *testing.T, action string, s reconcileSubject, f gitlabsim.Fault, seen bool) *reconcileRow {
	t.Helper()
	w := newSimWorld(t, gitlabsim.Options{RunnerDisabled: true, GracefulCancel: s.graceful})
	spec := gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: s.status, Bridge: s.bridge, When: s.when}
	if !s.bridge {
		spec.Log = "log\n"
		spec.Artifacts = []gitlabsim.ArtifactSpec{{FileType: "archive", Filename: "a.zip", FileFormat: "zip", Size: 1}}
	}
	if s.graceful {
		spec.RunnerID = 1
	}
	pl := w.sim.CreatePipeline(w.projID, gitlabsim.PipelineSpec{UserID: w.userID, Jobs: []gitlabsim.JobSpec{
		{Name: "build", Stage: "build", Status: "success"}, spec, {Name: "later", Stage: "deploy", Status: "created"},
	}})
	r := &reconcileRow{w: w, job: pl.JobIDs[1], pipeline: pl.ID}
	if s.bridge {
		// GitLab's single-job read finds builds only: a bridge is read from
		// its pipeline's trigger jobs, as the provider has the client do.
		w.client.TrackBridge(r.job, pl.ID)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var opts []gitlabclient.ActionOption
	if seen {
		before, err := w.client.GetJob(ctx, faultProject, r.job)
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, gitlabclient.Seen(before))
	}
	route := actionRoutes[action]
	f.Route, f.Calls = route, []int{1}
	w.sim.InjectFault(f)
	c := w.client
	switch action {
	case gitlabsim.ActionPlay:
		r.got, r.err = c.PlayJob(ctx, faultProject, r.job, []gitlabclient.Variable{{Key: "K", Value: "V"}}, opts...)
	case gitlabsim.ActionRetry:
		r.got, r.err = c.RetryJob(ctx, faultProject, r.job)
	case gitlabsim.ActionCancel:
		r.got, r.err = c.CancelJob(ctx, faultProject, r.job)
	case gitlabsim.ActionErase:
		r.got, r.err = c.EraseJob(ctx, faultProject, r.job)
	}
	r.posts = w.sim.RequestCount(route)
	return r
}

// truthful checks that a successful action's answer is what the simulator
// holds: the action took effect, on the job the answer names.
func (r *reconcileRow) truthful(action string) error {
	sim := r.w.sim
	orig, _ := sim.Job(r.job)
	ids := sim.PipelineJobIDs(r.pipeline)
	switch action {
	case gitlabsim.ActionPlay:
		// In place (now queued) or as a new run (a fourth job, pending).
		if r.got.ID != r.job {
			return fmt.Errorf("the play answered job %d, not %d", r.got.ID, r.job)
		}
		if len(ids) == 4 {
			if nj, _ := sim.Job(ids[3]); nj.Name != orig.Name || nj.Status != gitlabsim.StatusPending {
				return fmt.Errorf("the new run is %+v", nj)
			}
		} else if orig.Status != gitlabsim.StatusPending || r.got.Status != orig.Status {
			return fmt.Errorf("played job is %s in the simulator, answered %s", orig.Status, r.got.Status)
		}
	case gitlabsim.ActionRetry:
		if len(ids) != 4 || r.got.ID != ids[3] || r.got.Name != orig.Name || !orig.Retried {
			return fmt.Errorf("retry answered job %d; the pipeline holds %v", r.got.ID, ids)
		}
	case gitlabsim.ActionCancel:
		if r.got.ID != r.job || r.got.Status != orig.Status || (orig.Status != gitlabsim.StatusCanceled && orig.Status != gitlabsim.StatusCanceling) {
			return fmt.Errorf("cancel answered %s; the simulator holds %s", r.got.Status, orig.Status)
		}
	case gitlabsim.ActionErase:
		if r.got.ID != r.job || r.got.ErasedAt == nil || orig.ErasedAt == nil || orig.Log != "" || orig.Artifacts != 0 {
			return fmt.Errorf("erase answered erased_at %v; the simulator holds %+v", r.got.ErasedAt, orig)
		}
	}
	return nil
}

func TestJobActionOutcomesAfterAmbiguousFailures(t *testing.T) {
	rows := 0
	for _, action := range []string{gitlabsim.ActionPlay, gitlabsim.ActionRetry, gitlabsim.ActionCancel, gitlabsim.ActionErase} {
		subjects := acceptedSubjects(action)
		if len(subjects) == 0 {
			t.Fatalf("no status accepts %s", action)
		}
		for _, s := range subjects {
			for _, rf := range reconcileFaults {
				rows++
				t.Run(fmt.Sprintf("%s/%s/%s", action, s, rf.name), func(t *testing.T) {
					t.Parallel()
					r := runReconcileRow(t, action, s, rf.fault, true)
					applied := r.w.sim.ActionCount(r.job, action)
					if applied > 1 {
						t.Errorf("applied %d times", applied)
					}
					if r.err != nil {
						t.Fatalf("the re-read could tell, but the %s reported %v (applied %d times, %d POSTs)", action, r.err, applied, r.posts)
					}
					if applied != 1 {
						t.Fatalf("reported success, but applied %d times", applied)
					}
					if err := r.truthful(action); err != nil {
						t.Error(err)
					}
					wantPosts := 2 // not applied: sent again once
					if rf.fault.Kind.After() {
						wantPosts = 1
					}
					if r.posts != wantPosts {
						t.Errorf("%d POSTs, want %d", r.posts, wantPosts)
					}
				})
			}
		}
	}
	t.Logf("%d rows", rows)
}

// Without the job as read before, a play of a finished job that a fault
// before applying left without a newer run cannot be told from one that
// ran and finished: the outcome is unknown, never a success, and nothing
// is sent again.
func TestPlayOutcomeWithoutTheJobSeenBefore(t *testing.T) {
	for _, s := range acceptedSubjects(gitlabsim.ActionPlay) {
		for _, rf := range reconcileFaults {
			t.Run(fmt.Sprintf("%s/%s", s, rf.name), func(t *testing.T) {
				t.Parallel()
				r := runReconcileRow(t, gitlabsim.ActionPlay, s, rf.fault, false)
				applied := r.w.sim.ActionCount(r.job, gitlabsim.ActionPlay)
				var u *gitlabclient.UnknownOutcomeError
				switch {
				case applied > 1:
					t.Errorf("applied %d times", applied)
				case r.err == nil && applied != 1:
					t.Errorf("reported success, applied %d times", applied)
				case r.err == nil:
					if err := r.truthful(gitlabsim.ActionPlay); err != nil {
						t.Error(err)
					}
				case !errors.As(r.err, &u):
					t.Errorf("err = %v, want a success or an unknown outcome", r.err)
				case r.posts != 1:
					t.Errorf("unknown outcome after %d POSTs", r.posts)
				}
				// Only a job not waiting to be played (finished, or canceling),
				// left without a newer run, is unknown: it may have been
				// played, run and ended (or been canceled) since.
				wantUnknown := !gitlabclient.WaitingToBePlayed(s.status) && !rf.fault.Kind.After()
				if (r.err != nil) != wantUnknown {
					t.Errorf("err = %v, want an unknown outcome: %v", r.err, wantUnknown)
				}
			})
		}
	}
}

// When the re-read fails too, the outcome is unknown: an error, with the
// action applied at most once and not sent again.
func TestJobActionOutcomesWhenTheReReadFails(t *testing.T) {
	for _, action := range []string{gitlabsim.ActionPlay, gitlabsim.ActionRetry, gitlabsim.ActionCancel, gitlabsim.ActionErase} {
		s := acceptedSubjects(action)[0]
		for _, rf := range []reconcileFault{reconcileFaults[1], reconcileFaults[6]} { // 502 before, 502 after
			t.Run(fmt.Sprintf("%s/%s/%s", action, s, rf.name), func(t *testing.T) {
				t.Parallel()
				w := newSimWorld(t, gitlabsim.Options{RunnerDisabled: true})
				// Every read after the action fails.
				w.sim.InjectFault(gitlabsim.Fault{Route: routeGetJob, Kind: gitlabsim.FaultStatus, Status: 500})
				w.sim.InjectFault(gitlabsim.Fault{Route: routePlJobs, Kind: gitlabsim.FaultStatus, Status: 500})
				pl := w.sim.CreatePipeline(w.projID, gitlabsim.PipelineSpec{UserID: w.userID, Jobs: []gitlabsim.JobSpec{
					{Name: "deploy", Stage: "deploy", Status: s.status, When: s.when, Log: "log\n"},
				}})
				id := pl.JobIDs[0]
				f := rf.fault
				f.Route, f.Calls = actionRoutes[action], []int{1}
				w.sim.InjectFault(f)
				ctx := context.Background()
				var err error
				switch action {
				case gitlabsim.ActionPlay:
					_, err = w.client.PlayJob(ctx, faultProject, id, nil, gitlabclient.Seen(&gitlabclient.Job{ID: id, Status: s.status}))
				case gitlabsim.ActionRetry:
					_, err = w.client.RetryJob(ctx, faultProject, id)
				case gitlabsim.ActionCancel:
					_, err = w.client.CancelJob(ctx, faultProject, id)
				case gitlabsim.ActionErase:
					_, err = w.client.EraseJob(ctx, faultProject, id)
				}
				var u *gitlabclient.UnknownOutcomeError
				if !errors.As(err, &u) {
					t.Errorf("err = %v, want an unknown outcome", err)
				}
				wantApplied := 0
				if f.Kind.After() {
					wantApplied = 1
				}
				if n := w.sim.ActionCount(id, action); n != wantApplied {
					t.Errorf("applied %d times, want %d", n, wantApplied)
				}
				if n := w.sim.RequestCount(actionRoutes[action]); n != 1 {
					t.Errorf("%d POSTs, want 1", n)
				}
			})
		}
	}
}

// The table covers what the vocabulary says each action accepts.
func TestReconcileTableCoversEveryAcceptedStatus(t *testing.T) {
	for _, action := range []string{gitlabsim.ActionPlay, gitlabsim.ActionRetry, gitlabsim.ActionCancel, gitlabsim.ActionErase} {
		var got []string
		for _, s := range acceptedSubjects(action) {
			got = append(got, s.status)
		}
		for _, st := range gitlabsim.AllStatuses {
			var accepts bool
			switch action {
			case gitlabsim.ActionPlay:
				accepts = gitlabclient.Playable(st)
			case gitlabsim.ActionRetry:
				accepts = gitlabclient.Retryable(st)
			case gitlabsim.ActionCancel:
				accepts = gitlabclient.Cancelable(st)
			case gitlabsim.ActionErase:
				accepts = gitlabclient.Erasable(st)
			}
			if accepts != slices.Contains(got, st) {
				t.Errorf("%s of %s: accepted %v, in the table %v", action, st, accepts, slices.Contains(got, st))
			}
		}
	}
}

// Pipeline creation: every fault, before or after GitLab created the
// pipeline, × an earlier pipeline of the same marker whose variable values
// are the request's or not (issue 18 cases 1 and 2). Every row: at most one
// new pipeline; what the client reports holds the requested values (never
// the earlier run of other values: no false success); re-sent only when
// GitLab proved nothing was created.
func TestReconcile_pipelineCreation(t *testing.T) {
	for _, f := range reconcileFaults {
		for _, changed := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/values changed=%v", f.name, changed), func(t *testing.T) {
				w := pipelineWorld(t)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				earlier, err := w.client.CreatePipeline(ctx, faultProject, gitlabclient.RunRequest{Ref: "main", Marker: "m",
					Variables: []gitlabclient.Variable{{Key: "ENV", Value: "staging"}}}, "maintainer")
				if err != nil {
					t.Fatal(err)
				}
				want := "staging"
				if changed {
					want = "production"
				}
				fault := f.fault
				fault.Route, fault.Calls = routeCreatePipeline, []int{1} // counted from the injection
				w.sim.InjectFault(fault)
				got, err := w.client.CreatePipeline(ctx, faultProject, gitlabclient.RunRequest{Ref: "refs/heads/main", Marker: "m",
					Variables: []gitlabclient.Variable{{Key: "ENV", Value: want}}}, "maintainer")
				created := w.sim.CreatedPipelines(w.projID)
				posts := w.sim.RequestCount(routeCreatePipeline) - 1
				if len(created) > 2 {
					t.Fatalf("%d new pipelines, want at most 1", len(created)-1)
				}
				after := fault.Kind.After()
				over := fault.Kind == gitlabsim.FaultStatus && fault.Status != 504
				var unknown *gitlabclient.UnknownRunError
				switch {
				case after:
					if err != nil || got == nil || len(created) != 2 || got.ID != created[1] || posts != 1 {
						t.Fatalf("got %+v, %v; created %v, %d POSTs", got, err, created, posts)
					}
				case over && !changed:
					// Proved not applied, and the earlier run of this very intent
					// exists: it is the answer (an intent runs once).
					if err != nil || got == nil || got.ID != earlier.ID || len(created) != 1 || posts != 1 {
						t.Fatalf("got %+v, %v; created %v, %d POSTs", got, err, created, posts)
					}
				case over:
					if err != nil || got == nil || len(created) != 2 || got.ID != created[1] || posts != 2 {
						t.Fatalf("got %+v, %v; created %v, %d POSTs", got, err, created, posts)
					}
				case !changed && err == nil:
					// 504 or reset before: the earlier run of this intent is found.
					if got == nil || got.ID != earlier.ID || len(created) != 1 || posts != 1 {
						t.Fatalf("got %+v; created %v, %d POSTs", got, created, posts)
					}
				default:
					if !errors.As(err, &unknown) || len(created) != 1 || posts != 1 {
						t.Fatalf("got %+v, %v (want an UnknownRunError); created %v, %d POSTs", got, err, created, posts)
					}
				}
				if got != nil {
					vars, err := w.client.GetPipelineVariables(ctx, faultProject, got.ID)
					if err != nil {
						t.Fatal(err)
					}
					if v := gitlabclient.UserVariables(vars)["ENV"]; v != want {
						t.Errorf("reported pipeline %d has ENV=%s, want %s: a false success", got.ID, v, want)
					}
				}
			})
		}
	}
}

// Pipeline creation where GitLab forbids pipeline variables (no marker):
// every fault × an earlier pipeline of the user on the ref or not. Nothing
// proves a pipeline is the request's, so the client never adopts one: it
// sends again only when GitLab shows no pipeline since the request (a 5xx
// before it was applied), else it reports the outcome unknown, naming the
// candidates. At most one new pipeline; never a success for a pipeline
// the request did not create.
func TestReconcile_pipelineCreationNoMarker(t *testing.T) {
	for _, f := range reconcileFaults {
		for _, earlier := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/earlier=%v", f.name, earlier), func(t *testing.T) {
				w := pipelineWorld(t)
				if err := w.sim.SetPipelineVariablesSettings(w.projID, gitlabsim.PipelineVariablesSettings{
					RestrictUserDefinedVariables: true, MinimumOverrideRole: "no_one_allowed"}); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				// The marker is refused: 400, nothing created.
				if _, err := w.client.CreatePipeline(ctx, faultProject, gitlabclient.RunRequest{Ref: "main", Marker: "m"}, "maintainer"); !gitlabclient.PipelineVariablesForbidden(err) {
					t.Fatalf("with the marker: %v, want GitLab's refusal of pipeline variables", err)
				}
				base := 0
				if earlier {
					if _, err := w.client.CreatePipeline(ctx, faultProject, gitlabclient.RunRequest{Ref: "main", NoMarker: true}, "maintainer"); err != nil {
						t.Fatal(err)
					}
					base = 1
				}
				before := w.sim.RequestCount(routeCreatePipeline)
				fault := f.fault
				fault.Route, fault.Calls = routeCreatePipeline, []int{1}
				w.sim.InjectFault(fault)
				got, err := w.client.CreatePipeline(ctx, faultProject, gitlabclient.RunRequest{Ref: "main", NoMarker: true}, "maintainer")
				created := w.sim.CreatedPipelines(w.projID)
				posts := w.sim.RequestCount(routeCreatePipeline) - before
				if len(created) > base+1 {
					t.Fatalf("%d new pipelines, want at most 1", len(created)-base)
				}
				over := fault.Kind == gitlabsim.FaultStatus && fault.Status != 504
				var unknown *gitlabclient.UnknownRunError
				switch {
				case over && !earlier:
					if err != nil || got == nil || len(created) != 1 || got.ID != created[0] || posts != 2 {
						t.Fatalf("got %+v, %v; created %v, %d POSTs", got, err, created, posts)
					}
				default:
					if !errors.As(err, &unknown) || got != nil || posts != 1 {
						t.Fatalf("got %+v, %v (want an UnknownRunError); created %v, %d POSTs", got, err, created, posts)
					}
					// Every pipeline of the user since the request is named, and only those.
					if len(unknown.Candidates) != len(created) {
						t.Errorf("%d candidates named, want %d (%v)", len(unknown.Candidates), len(created), created)
					}
				}
				if got != nil {
					vars, err := w.client.GetPipelineVariables(ctx, faultProject, got.ID)
					if err != nil || len(vars) != 0 {
						t.Errorf("pipeline %d variables %v, %v; want none", got.ID, vars, err)
					}
				}
			})
		}
	}
}
