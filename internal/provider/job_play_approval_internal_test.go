package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestJobPlayActionWaitsForApproval: the play action's plan warns that the
// deploy job waits for approval; invoked with wait_for_approval, it reports
// the approvals as progress, the release manager approves in the middle,
// and the job is played once.
func TestJobPlayActionWaitsForApproval(t *testing.T) {
	t.Parallel()
	e := newActionTestEnv(t)
	deploy, deploymentID, managerID := e.blockedDeployJobWithApprover()
	const typ = "gitlabjobs_job_play"
	requireDiag(t, e.plan(typ, deploy, nil), tfprotov6.DiagnosticSeverityWarning, fmt.Sprintf("^Job %d waits for approval$", deploy))
	// Without wait_for_approval: an error, nothing played.
	inv := e.invoke(typ, deploy, nil)
	requireDiag(t, inv.diags, tfprotov6.DiagnosticSeverityError, fmt.Sprintf("^Job %d waits for approval of deployment %d$", deploy, deploymentID))
	if n := e.sim.ActionCount(deploy, gitlabsim.ActionPlay); n != 0 {
		t.Fatalf("played %d times", n)
	}
	reads := e.sim.RequestCount(gitlabsim.RouteDeployment)
	done := make(chan error, 1)
	go func() {
		// Approve once the invocation has read the deployment twice (it waits).
		deadline := time.Now().Add(30 * time.Second)
		for e.sim.RequestCount(gitlabsim.RouteDeployment) < reads+2 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		_, err := e.sim.ApproveDeployment(e.project.ID, deploymentID, managerID, "approved", "", "")
		done <- err
	}()
	inv = e.invoke(typ, deploy, map[string]tftypes.Value{"wait_for_approval": tftypes.NewValue(tftypes.String, "1m")})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	requireNoDiags(t, "InvokeAction", inv.diags)
	requireProgress(t, inv.progress,
		fmt.Sprintf(`^job %d waits for approval of deployment %d \(production\): 0 of 1 approvals; waiting for: Maintainers \(1 more\)$`, deploy, deploymentID),
		fmt.Sprintf(`^deployment %d \(production\) approved: 1 of 1 approvals$`, deploymentID),
		fmt.Sprintf(`^played job %d: success`, deploy))
	if n := e.sim.ActionCount(deploy, gitlabsim.ActionPlay); n != 1 {
		t.Errorf("played %d times, want 1", n)
	}
}

// approvalWaitEnv is a deploy job waiting for one approval, a client
// (the administrator's) and a poller on a fake clock whose notes are kept;
// during sleep n (1-based), sleep calls during(n).
type approvalWaitEnv struct {
	*actionTestEnv
	deploy, deploymentID, managerID int64
	client                          *gitlabclient.Client
	clock                           *fakeClock
	notes                           []string
}

func newApprovalWaitEnv(t *testing.T) *approvalWaitEnv {
	t.Helper()
	e := &approvalWaitEnv{actionTestEnv: newActionTestEnv(t), clock: &fakeClock{t: time.Unix(0, 0)}}
	e.deploy, e.deploymentID, e.managerID = e.blockedDeployJobWithApprover()
	var err error
	if e.client, err = gitlabclient.New(gitlabclient.Config{BaseURL: e.apiURL, Token: e.token}); err != nil {
		t.Fatal(err)
	}
	return e
}

// play runs playAfterApproval(wait) with the fake clock; during(n) runs
// before the poller's sleep n (1-based) and may end it with an error.
func (e *approvalWaitEnv) play(ctx context.Context, wait time.Duration, during func(n int) error) jobActionOutput {
	e.t.Helper()
	project, err := gitlabclient.ParseProject(e.project.PathWithNamespace)
	if err != nil {
		e.t.Fatal(err)
	}
	poll := e.clock.poller()
	sleep, n := poll.sleep, 0
	poll.sleep = func(ctx context.Context, d time.Duration) error {
		n++
		if during != nil {
			if err := during(n); err != nil {
				return err
			}
		}
		return sleep(ctx, d)
	}
	poll.note = func(_ context.Context, msg string) { e.notes = append(e.notes, msg) }
	return playAfterApproval(wait)(ctx, e.client, poll, jobActionInput{Project: project, JobID: e.deploy, WaitFor: "none"})
}

// requireOnlyError checks that diags is one error with summary, on the
// attribute at (if set), whose detail holds each of details.
func requireOnlyError(t *testing.T, diags diag.Diagnostics, at, summary string, details ...string) {
	t.Helper()
	if len(diags) != 1 || diags[0].Severity() != diag.SeverityError || diags[0].Summary() != summary {
		t.Fatalf("diagnostics %v, want one error %q", diags, summary)
	}
	if at != "" {
		wp, ok := diags[0].(diag.DiagnosticWithPath)
		if !ok || !wp.Path().Equal(path.Root(at)) {
			t.Errorf("error %q is not on %s", summary, at)
		}
	}
	for _, s := range details {
		if !strings.Contains(diags[0].Detail(), s) {
			t.Errorf("detail %q lacks %q", diags[0].Detail(), s)
		}
	}
}

func (e *approvalWaitEnv) waitingText() string {
	return fmt.Sprintf("job %d waits for approval of deployment %d (production): 0 of 1 approvals; waiting for: Maintainers (1 more)",
		e.deploy, e.deploymentID)
}

func (e *approvalWaitEnv) requireNotPlayed() {
	e.t.Helper()
	if n := e.sim.ActionCount(e.deploy, gitlabsim.ActionPlay); n != 0 {
		e.t.Errorf("played %d times, want 0", n)
	}
}

// TestPlayAfterApprovalWaitRunsOut: nobody approves within
// wait_for_approval: the deployment is polled until then (no sleep past
// it), the unchanged approvals are said once, and the error is on
// wait_for_approval; nothing is played.
func TestPlayAfterApprovalWaitRunsOut(t *testing.T) {
	t.Parallel()
	e := newApprovalWaitEnv(t)
	reads := e.sim.RequestCount(gitlabsim.RouteDeployment)
	out := e.play(context.Background(), time.Minute, nil)
	requireOnlyError(t, out.Diags, "wait_for_approval", fmt.Sprintf("Job %d still waits for approval", e.deploy),
		capitalize(e.waitingText())+" after 1m0s (wait_for_approval). Nothing was played. Apply again once approved, or raise wait_for_approval.")
	if len(e.notes) != 1 || e.notes[0] != e.waitingText() {
		t.Errorf("notes %q, want the approvals said once", e.notes)
	}
	var slept time.Duration
	for _, d := range e.clock.sleeps {
		slept += d
	}
	if slept != time.Minute {
		t.Errorf("slept %s (%v), want exactly wait_for_approval", slept, e.clock.sleeps)
	}
	// One read found it waiting (the job's deployment), then one per sleep.
	if got, want := e.sim.RequestCount(gitlabsim.RouteDeployment)-reads, len(e.clock.sleeps)+1; got != want {
		t.Errorf("%d deployment reads, want %d (one, then one per sleep)", got, want)
	}
	e.requireNotPlayed()
}

// TestPlayAfterApprovalStopped: the operation is stopped (its timeout,
// Ctrl-C) while it waits: an error naming the deployment; nothing played.
func TestPlayAfterApprovalStopped(t *testing.T) {
	t.Parallel()
	e := newApprovalWaitEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := e.play(ctx, time.Hour, func(n int) error {
		if n == 3 {
			cancel()
		}
		return nil
	})
	requireOnlyError(t, out.Diags, "", fmt.Sprintf("Stopped waiting for the approval of deployment %d", e.deploymentID),
		capitalize(e.waitingText())+" when the wait ended (context canceled). Nothing was played.")
	e.requireNotPlayed()
}

// TestPlayAfterApprovalReadFails: GitLab refuses a read of the deployment
// while the apply waits: the read's error; nothing played.
func TestPlayAfterApprovalReadFails(t *testing.T) {
	t.Parallel()
	e := newApprovalWaitEnv(t)
	out := e.play(context.Background(), time.Hour, func(n int) error {
		if n == 2 {
			e.sim.InjectFault(gitlabsim.Fault{Route: gitlabsim.RouteDeployment, Kind: gitlabsim.FaultStatus, Status: 403})
		}
		return nil
	})
	requireOnlyError(t, out.Diags, "project", "Not allowed to read the deployment", fmt.Sprintf("deployment %d", e.deploymentID))
	e.requireNotPlayed()
}

// TestPlayAfterApprovalDeploymentGone: the deployment is no longer found
// while the apply waits: the error is on job_id (the play has no
// deployment_id), and nothing is played.
func TestPlayAfterApprovalDeploymentGone(t *testing.T) {
	t.Parallel()
	e := newApprovalWaitEnv(t)
	out := e.play(context.Background(), time.Hour, func(n int) error {
		if n == 2 {
			e.sim.InjectFault(gitlabsim.Fault{Route: gitlabsim.RouteDeployment, Kind: gitlabsim.FaultStatus, Status: 404})
		}
		return nil
	})
	requireOnlyError(t, out.Diags, "job_id", "GitLab deployment not found", fmt.Sprintf("Deployment %d was not found", e.deploymentID), "Check job_id and project")
	e.requireNotPlayed()
}

// TestPlayAfterApprovalRejected: the release manager rejects the
// deployment while the apply waits: the error names who rejected it.
func TestPlayAfterApprovalRejected(t *testing.T) {
	t.Parallel()
	e := newApprovalWaitEnv(t)
	out := e.play(context.Background(), time.Hour, func(n int) error {
		if n == 2 {
			if _, err := e.sim.ApproveDeployment(e.project.ID, e.deploymentID, e.managerID, "rejected", "not today", ""); err != nil {
				t.Error(err)
			}
		}
		return nil
	})
	requireOnlyError(t, out.Diags, "job_id", fmt.Sprintf("Deployment %d was rejected", e.deploymentID),
		`release-manager rejected deployment`, `("not today")`)
	if len(e.notes) != 1 || e.notes[0] != e.waitingText() {
		t.Errorf("notes %q, want the approvals said once", e.notes)
	}
	e.requireNotPlayed()
}
