package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The pipeline operations, beside the job operations (common_operations.go):
// run a pipeline (create it, or find the one its intent created:
// pipeline_run_intent.go), wait for it, judge its outcome, explain a failed
// creation. The resource and the Terraform action gitlabjobs_pipeline_run
// both call runPipeline.

// pipelineRunInput is one pipeline run, whichever front door (the resource
// or the Terraform action) it came through.
type pipelineRunInput struct {
	Project       gitlabclient.Project
	Ref           string
	Variables     []gitlabclient.Variable
	Inputs        map[string]any
	Marker        string
	LookFirst     bool // look for a pipeline of the same intent before creating
	WaitFor       string
	FailOnFailure bool
	WaitAdvice    string // what to do after a timed-out wait
	// Progress, when set, is told every status the wait sees.
	Progress func(p *gitlabclient.Pipeline, waited time.Duration)
	// Record is what an earlier attempt of this intent left (nil: none).
	Record *pipelineRecord
	// RequestLimit is the provider's request_time_limit.
	RequestLimit time.Duration
	// Resource is set for the resource (which saves a record), not the action.
	Resource bool
}

// pipelineRunOutput is the pipeline created or found (nil when none), as last
// seen, whether it was found rather than created, and diagnostics.
type pipelineRunOutput struct {
	Pipeline *gitlabclient.Pipeline
	Adopted  bool
	// NoMarker is set when the pipeline was created without the marker
	// (GitLab forbids pipeline variables to the user).
	NoMarker bool
	// Pending is set when a creation's outcome is unknown: the record to keep.
	Pending *pipelineRecord
	Diags   diag.Diagnostics
}

// runPipeline creates (or finds again) the pipeline and waits as asked.
func runPipeline(ctx context.Context, client *gitlabclient.Client, poll poller, in pipelineRunInput) pipelineRunOutput {
	out := createOrFind(ctx, client, in)
	if out.Pipeline == nil {
		return out
	}
	return waitForRun(ctx, client, poll, in, out)
}

// waitForRun waits for the run's pipeline as asked and judges its outcome.
func waitForRun(ctx context.Context, client *gitlabclient.Client, poll poller, in pipelineRunInput, out pipelineRunOutput) pipelineRunOutput {
	if in.WaitFor == pipelineWaitNone || in.WaitFor == "" {
		return out
	}
	last, err := waitForPipeline(ctx, client, poll, in.Project, out.Pipeline.ID, in.WaitFor, in.Progress)
	if last != nil {
		out.Pipeline = last
	}
	if err != nil {
		var timeout *waitTimeoutError
		if errors.As(err, &timeout) {
			out.Diags.AddError(fmt.Sprintf("Timed out waiting for pipeline %d", out.Pipeline.ID),
				fmt.Sprintf("Pipeline %d (%s) was created, but after %s it is still %s, not %s. It keeps running in GitLab. %s",
					out.Pipeline.ID, out.Pipeline.WebURL, timeout.Elapsed.Round(time.Second), out.Pipeline.Status, in.WaitFor, in.WaitAdvice))
		} else {
			out.Diags.AddError(fmt.Sprintf("Stopped waiting for pipeline %d", out.Pipeline.ID),
				fmt.Sprintf("Pipeline %d (%s) was created, but waiting for it failed: %s. It keeps running in GitLab. %s",
					out.Pipeline.ID, out.Pipeline.WebURL, err, in.WaitAdvice))
		}
		return out
	}
	out.Diags.Append(pipelineOutcome(ctx, client, in, out.Pipeline)...)
	return out
}

// request is the run as the client creates and recognizes it.
func (in pipelineRunInput) request() gitlabclient.RunRequest {
	return gitlabclient.RunRequest{Ref: in.Ref, Variables: in.Variables, Inputs: in.Inputs, Marker: in.Marker}
}

// pipelineReached reports whether the wait for target is over.
func pipelineReached(target, status string) bool {
	switch target {
	case pipelineWaitNone:
		return true
	default: // success, manual, finished: a finished or blocked pipeline changes no more by itself
		return gitlabclient.PipelineFinished(status) || status == gitlabclient.PipelineManual
	}
}

// waitForPipeline polls the pipeline until the wait for target is over.
func waitForPipeline(ctx context.Context, client *gitlabclient.Client, poll poller, project gitlabclient.Project, id int64,
	target string, progress func(*gitlabclient.Pipeline, time.Duration)) (*gitlabclient.Pipeline, error) {
	return waitUntil(ctx, poll, waitSpec[*gitlabclient.Pipeline]{
		kind: "pipeline", target: target,
		fetch: func(ctx context.Context) (*gitlabclient.Pipeline, error) {
			return client.GetPipeline(ctx, project.String(), id)
		},
		state: func(p *gitlabclient.Pipeline) (int64, string) { return p.ID, p.Status },
		done:  func(status string) bool { return pipelineReached(target, status) },
		describe: func(_ context.Context, p *gitlabclient.Pipeline, _ string, waited time.Duration) (string, bool) {
			if progress != nil {
				progress(p, waited)
			}
			return "", false
		},
	})
}

// pipelineOutcome judges the pipeline the wait ended with.
func pipelineOutcome(ctx context.Context, client *gitlabclient.Client, in pipelineRunInput, p *gitlabclient.Pipeline) diag.Diagnostics {
	var diags diag.Diagnostics
	report := func(summary, detail string) {
		if in.FailOnFailure {
			diags.AddError(summary, detail+" Set fail_on_failure = false to record the outcome in status without failing.")
		} else {
			diags.AddWarning(summary, detail)
		}
	}
	switch {
	case p.Status == gitlabclient.PipelineSuccess:
	case p.Status == gitlabclient.PipelineManual && in.WaitFor == pipelineWaitManual:
	case p.Status == gitlabclient.PipelineManual && in.WaitFor == pipelineWaitFinished:
		diags.AddWarning(fmt.Sprintf("Pipeline %d is blocked on a manual job", p.ID),
			fmt.Sprintf("Pipeline %d (%s) waits for a manual job to be played and will not finish by itself; play it "+
				"(resource gitlabjobs_job_play), or wait for \"manual\" to make this the expected outcome.", p.ID, p.WebURL))
	case p.Status == gitlabclient.PipelineManual:
		report(fmt.Sprintf("Pipeline %d is blocked on a manual job", p.ID),
			fmt.Sprintf("Pipeline %d (%s) did not succeed: it waits for a manual job to be played. Wait for \"manual\" "+
				"instead, and play the job with gitlabjobs_job_play.", p.ID, p.WebURL))
	default:
		report(fmt.Sprintf("Pipeline %d %s", p.ID, p.Status),
			fmt.Sprintf("Pipeline %d for %s ended %s%s. See %s.", p.ID, p.Ref, p.Status, failedJobs(ctx, client, in.Project, p.ID), p.WebURL))
	}
	return diags
}

// failedJobs names the pipeline's failed jobs, for a diagnostic.
func failedJobs(ctx context.Context, client *gitlabclient.Client, project gitlabclient.Project, id int64) string {
	jobs, err := client.ListPipelineJobs(ctx, project.String(), id, []string{gitlabclient.StatusFailed}, false)
	if err != nil || len(jobs) == 0 {
		return ""
	}
	var names []string
	for _, j := range jobs {
		n := fmt.Sprintf("%s (job %d", j.Name, j.ID)
		if j.FailureReason != "" {
			n += ", " + j.FailureReason
		}
		if j.AllowFailure {
			n += ", allowed to fail"
		}
		names = append(names, n+")")
	}
	return "; failed jobs: " + strings.Join(names, ", ")
}

// pipelineCreateError explains a failed creation.
func pipelineCreateError(in pipelineRunInput, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	var unknown *gitlabclient.UnknownRunError
	switch status := gitlabclient.StatusCode(err); {
	case errors.As(err, &unknown):
		diags.Append(pipelineUnknownError(in, unknown, &pipelineRecord{Sent: unknown.Sent, NoMarker: unknown.Marker == ""})...)
	case gitlabclient.PipelineVariablesForbidden(err):
		diags.Append(pipelineVariablesForbiddenError(in, err)...)
	case gitlabclient.InsufficientScope(err):
		diags.AddError("The provider's token may not create pipelines",
			fmt.Sprintf("GitLab refused to create a pipeline in project %q: %s. Use a personal, project or group access "+
				"token with the api scope.", in.Project.String(), err))
	case gitlabclient.IsNotFound(err):
		diags.AddAttributeError(path.Root("project"), "GitLab project not found",
			fmt.Sprintf("Creating a pipeline in project %q: %s. Check project: the token must be able to see it.", in.Project.String(), err))
	case status == 403:
		diags.AddError("Not allowed to create pipelines",
			fmt.Sprintf("GitLab refused to create a pipeline in project %q: %s. Creating pipelines needs at least the "+
				"Developer role (GitLab's create_pipeline permission) and, for a protected branch or tag, the right to push "+
				"or merge to it.", in.Project.String(), err))
	case status == 400 && len(in.Inputs) > 0 && strings.Contains(err.Error(), "input"):
		diags.AddAttributeError(path.Root("inputs"), "GitLab refused the pipeline's inputs",
			fmt.Sprintf("Creating a pipeline for %q in project %q: %s. Nothing was created. A pipeline takes only the "+
				"inputs its CI/CD configuration declares under spec:inputs, each a value of its type (string, number, "+
				"boolean or array), one of its options and matching its regex when it has them. Fix inputs to match the "+
				"declaration in .gitlab-ci.yml, or remove the inputs GitLab named.", in.Ref, in.Project.String(), err))
	case status == 400:
		diags.AddAttributeError(path.Root("ref"), "GitLab refused to create the pipeline",
			fmt.Sprintf("Creating a pipeline for %q in project %q: %s. Check ref (an existing branch or tag), the "+
				"project's .gitlab-ci.yml (jobs that run for this ref) and the variables.", in.Ref, in.Project.String(), err))
	case status == 401:
		diags.AddError("GitLab rejected the provider's credentials",
			fmt.Sprintf("Creating a pipeline failed: %s. The token is wrong, expired or revoked, or it is a CI job token, "+
				"which GitLab does not accept for creating pipelines.", err))
	default:
		diags.AddError("Could not create the pipeline",
			fmt.Sprintf("Creating a pipeline for %q in project %q failed: %s", in.Ref, in.Project.String(), err))
	}
	return diags
}
