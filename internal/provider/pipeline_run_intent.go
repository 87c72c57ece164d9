package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// Which pipeline did this intent create? The creation half of
// gitlabjobs_pipeline_run (resource and action); the design is at the top
// of pipeline_run_resource.go. Here: the intent's key in provider memory,
// the per-intent lock, the record an earlier attempt left, and
// createOrFind, which applies them.

// pipelineRecord is what the state of a tainted gitlabjobs_pipeline_run
// says about its earlier attempt, handed from the Delete half of its
// replacement to the Create half in provider memory (stashActAgain and
// takeActAgain, as the job actions hand their markers over): Terraform
// gives the Create of a tainted resource no prior state.
type pipelineRecord struct {
	// PipelineID is the pipeline the resource recorded (a wait that timed
	// out, a pipeline that failed, an interrupted wait).
	PipelineID int64
	// Sent is when a creation whose outcome is unknown was sent (the
	// provider's clock); zero when there was none.
	Sent time.Time
	// NoMarker is set when that creation carried no marker (GitLab forbids
	// pipeline variables to the user).
	NoMarker bool
}

// pipelineIntentKey names an intent in provider memory only (it holds a
// digest of the variable values: never stored, never shown): the project
// as written (parsed, lower case), the ref as GitLab stores it, the
// marker's base, the variables and the inputs.
func pipelineIntentKey(project string, req gitlabclient.RunRequest) string {
	if p, err := gitlabclient.ParseProject(project); err == nil {
		project = strings.ToLower(p.String())
	}
	h := sha256.New()
	fmt.Fprintf(h, "%q %q %q\n", project, gitlabclient.NormalRef(req.Ref), gitlabclient.MarkerBase(req.Marker))
	vars := slices.Clone(req.Variables)
	slices.SortFunc(vars, func(a, b gitlabclient.Variable) int { return strings.Compare(a.Key, b.Key) })
	for _, v := range vars {
		fmt.Fprintf(h, "var %q=%q\n", v.Key, v.Value)
	}
	if len(req.Inputs) > 0 {
		b, _ := json.Marshal(req.Inputs)
		fmt.Fprintf(h, "inputs %s\n", b)
	}
	return "pipeline_run\x00" + hex.EncodeToString(h.Sum(nil))
}

// intentLocks serialize the creates of one intent within a provider
// process, so that two identical resources in one apply get one pipeline:
// the second waits for the first's creation, then finds its pipeline.
var intentLocks = struct {
	sync.Mutex
	m map[*providerData]map[string]*sync.Mutex
}{m: map[*providerData]map[string]*sync.Mutex{}}

// lockIntent locks key for data until the returned function is called.
func lockIntent(data *providerData, key string) (unlock func()) {
	intentLocks.Lock()
	if intentLocks.m[data] == nil {
		intentLocks.m[data] = map[string]*sync.Mutex{}
	}
	mu := intentLocks.m[data][key]
	if mu == nil {
		mu = &sync.Mutex{}
		intentLocks.m[data][key] = mu
	}
	intentLocks.Unlock()
	mu.Lock()
	return mu.Unlock
}

// stashPipelineRecord keeps rec for the next create of intent key in this
// provider process; takePipelineRecord takes it.
func stashPipelineRecord(data *providerData, key string, rec pipelineRecord) {
	stashActAgain(data, &actAgain{Changed: []string{"pipeline"}, Intent: key, Pipeline: &rec})
}

func takePipelineRecord(data *providerData, key string) *pipelineRecord {
	if m := takeActAgain(data, key); m != nil {
		return m.Pipeline
	}
	return nil
}

// createOrFind gives the pipeline of the run's intent: the one an earlier
// attempt recorded or created (adopted), or a new one. out.Pending is set
// when a creation's outcome stays unknown.
func createOrFind(ctx context.Context, client *gitlabclient.Client, in pipelineRunInput) pipelineRunOutput {
	var out pipelineRunOutput
	ref := gitlabclient.NormalRef(in.Ref)
	// The token's user: a pipeline is this run's only if this user created
	// it. Without it nothing can be adopted, and creating blindly could run
	// the intent twice: stop (the client retried the GET where safe).
	u, err := client.CurrentUser(ctx)
	if err != nil {
		if gitlabclient.StatusCode(err) == 401 {
			out.Diags.Append(pipelineCreateError(in, err)...)
			return out
		}
		out.Diags.AddError("Could not read the token's user",
			fmt.Sprintf("Before creating a pipeline for %s, the provider reads the token's user (GET /user), so that it "+
				"adopts only a pipeline this user created, and that failed: %s. Nothing was created; apply again once GitLab "+
				"answers.", ref, err))
		return out
	}
	username := u.Username
	req := in.request()
	rec := in.Record
	if rec != nil && rec.PipelineID != 0 {
		out := adoptRecorded(ctx, client, in, rec.PipelineID, username)
		out.NoMarker = rec.NoMarker
		return out
	}
	if rec != nil && !rec.Sent.IsZero() {
		// An earlier attempt's outcome is unknown: wait until it can no
		// longer land, then look.
		req.NoMarker = rec.NoMarker
		if out, done := waitOut(ctx, client, in, req, username, rec); done {
			return out
		}
	} else if in.LookFirst {
		found, err := client.FindRun(ctx, in.Project.String(), req, username, time.Time{})
		if err != nil {
			out.Diags.AddError("Could not check for an earlier run",
				fmt.Sprintf("Before creating a pipeline for %s, the provider looks for one this configuration already created "+
					"(an earlier apply may have been interrupted), and that failed: %s. Nothing was created; apply again.", ref, err))
			return out
		}
		if found != nil {
			return adopted(ctx, in, found)
		}
	}
	return create(ctx, client, in, req, username)
}

// create sends the creation: with the marker, or without any variable
// where GitLab forbids pipeline variables to the user and none are
// configured (GitLab's refusal created nothing, so sending again is safe).
// An unknown outcome is waited out when the operation has time left.
func create(ctx context.Context, client *gitlabclient.Client, in pipelineRunInput, req gitlabclient.RunRequest, username string) pipelineRunOutput {
	var out pipelineRunOutput
	if len(req.Variables) == 0 && !req.NoMarker {
		// Where GitLab shows the setting (to Maintainers and up) and it forbids
		// pipeline variables to everyone, do not send a marker it would refuse.
		if setting, err := client.GetPipelineVariablesSetting(ctx, in.Project.String()); err == nil && setting.ForbidsPipelineVariables() {
			req.NoMarker, out.NoMarker = true, true
		}
	}
	for attempt := 1; ; attempt++ {
		p, err := client.CreatePipeline(ctx, in.Project.String(), req, username)
		if gitlabclient.PipelineVariablesForbidden(err) && !req.NoMarker && len(req.Variables) == 0 {
			tflog.Warn(ctx, fmt.Sprintf("GitLab does not let %s set pipeline variables in project %s; creating the pipeline "+
				"without the %s marker", username, in.Project.String(), gitlabclient.RunMarkerKey))
			req.NoMarker = true
			out.NoMarker = true
			p, err = client.CreatePipeline(ctx, in.Project.String(), req, username)
		}
		var unknown *gitlabclient.UnknownRunError
		switch {
		case err == nil:
			tflog.Info(ctx, fmt.Sprintf("created pipeline %d for %s", p.ID, gitlabclient.NormalRef(in.Ref)), map[string]any{"pipeline_id": p.ID})
			out.Pipeline = p
			return out
		case errors.As(err, &unknown) && attempt == 1 && ctx.Err() == nil:
			// Wait until the request can no longer land, then look once more;
			// found: adopt; provably absent: send again (once).
			if out, done := waitOut(ctx, client, in, req, username, &pipelineRecord{Sent: unknown.Sent, NoMarker: req.NoMarker}); done {
				out.NoMarker = req.NoMarker
				return out
			}
			tflog.Warn(ctx, fmt.Sprintf("the creation sent at %s created no pipeline (GitLab shows none after %s); sending it again",
				unknown.Sent.UTC().Format(time.RFC3339), in.requestLimit()))
			continue
		case errors.As(err, &unknown):
			out.Pending = &pipelineRecord{Sent: unknown.Sent, NoMarker: req.NoMarker}
			out.Diags.Append(pipelineUnknownError(in, unknown, out.Pending)...)
			return out
		default:
			if detail := pipelineGuardDetail(ctx, client, in.Project, in.Ref, err); detail != "" { // guard_diagnostics.go
				out.Diags.AddAttributeError(path.Root("ref"), fmt.Sprintf("A protected branch or tag refused the pipeline for %q", in.Ref),
					fmt.Sprintf("GitLab refused to create a pipeline for %q in project %q: %s. Nothing was created and nothing "+
						"is retried.\n\n%s", in.Ref, in.Project.String(), err, detail))
				return out
			}
			out.Diags.Append(pipelineCreateError(in, err)...)
			return out
		}
	}
}

// waitOut waits until the request rec records can no longer land, then
// looks for its pipeline: done with the pipeline found (adopted), or with
// the record kept (Pending) and why it stays unknown; not done when GitLab
// shows that the request created nothing.
func waitOut(ctx context.Context, client *gitlabclient.Client, in pipelineRunInput, req gitlabclient.RunRequest, username string,
	rec *pipelineRecord) (pipelineRunOutput, bool) {
	if d := settle(ctx, in, rec.Sent); d.HasError() {
		return pipelineRunOutput{Diags: d, Pending: rec}, true
	}
	found, stop := resolveUnknown(ctx, client, in, req, username, rec.Sent)
	switch {
	case stop.HasError():
		return pipelineRunOutput{Diags: stop, Pending: rec}, true
	case found != nil:
		return adopted(ctx, in, found), true
	}
	return pipelineRunOutput{}, false
}

// requestLimit is the provider's request_time_limit, GitLab's default
// when not set: never zero, which would decide before a request can land.
func (in pipelineRunInput) requestLimit() time.Duration {
	if in.RequestLimit > 0 {
		return in.RequestLimit
	}
	return defaultRequestTimeLimit
}

// settle waits until the request time limit after sent, when a request sent then
// can no longer create a pipeline in GitLab.
func settle(ctx context.Context, in pipelineRunInput, sent time.Time) diag.Diagnostics {
	var diags diag.Diagnostics
	until := sent.Add(in.requestLimit())
	wait := time.Until(until)
	if wait <= 0 {
		return diags
	}
	tflog.Warn(ctx, fmt.Sprintf("a pipeline creation sent at %s may still be under way in GitLab; waiting %s (request_time_limit) "+
		"before looking for it", sent.UTC().Format(time.RFC3339), wait.Round(time.Second)))
	if gitlabclient.Sleep(ctx, wait) != nil {
		diags.AddError("The pipeline may or may not have been created",
			fmt.Sprintf("A creation of a pipeline for %s was sent at %s and its outcome is unknown; the provider waits until "+
				"%s (request_time_limit after it, when GitLab can no longer create it) before it looks for it, and the "+
				"operation ended first (%s). Nothing else was sent. Apply again: the next apply waits for what is left, "+
				"then looks.", gitlabclient.NormalRef(in.Ref), sent.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339), ctx.Err()))
	}
	return diags
}

// resolveUnknown looks, once a request sent at sent can no longer land,
// for the pipeline it created: with the marker, the run's own (nil: it
// created none, proved); without one, any pipeline the user created for the
// ref since then is a candidate nothing can prove, so it stops, naming them.
func resolveUnknown(ctx context.Context, client *gitlabclient.Client, in pipelineRunInput, req gitlabclient.RunRequest,
	username string, sent time.Time) (*gitlabclient.Pipeline, diag.Diagnostics) {
	var diags diag.Diagnostics
	if !req.NoMarker {
		found, err := client.FindRun(ctx, in.Project.String(), req, username, time.Time{})
		if err != nil {
			diags.AddError("The pipeline may or may not have been created",
				fmt.Sprintf("A creation of a pipeline for %s was sent at %s and its outcome is unknown; looking for the "+
					"pipeline failed: %s. Nothing else was sent. Apply again to look again.", gitlabclient.NormalRef(in.Ref),
					sent.UTC().Format(time.RFC3339), err))
		}
		return found, diags
	}
	list, err := client.Candidates(ctx, in.Project.String(), in.Ref, username, sent)
	switch {
	case err != nil:
		diags.AddError("The pipeline may or may not have been created",
			fmt.Sprintf("A creation of a pipeline for %s (without a marker: GitLab forbids pipeline variables here) was sent "+
				"at %s and its outcome is unknown; listing the pipelines failed: %s. Nothing else was sent. Apply again to "+
				"look again.", gitlabclient.NormalRef(in.Ref), sent.UTC().Format(time.RFC3339), err))
	case len(list) > 0:
		diags.AddError("The pipeline may or may not have been created",
			fmt.Sprintf("A creation of a pipeline for %s was sent at %s and its outcome is unknown. It carried no marker "+
				"(GitLab forbids pipeline variables to this user in project %s), so GitLab's pipelines cannot prove which "+
				"pipeline it created, if any, and the provider neither adopts one nor creates another. Pipelines %s created "+
				"for this ref since then: %s. If one of them is this run, import it: %s. If none is, remove this resource "+
				"from the state (terraform state rm) and apply again.", gitlabclient.NormalRef(in.Ref), sent.UTC().Format(time.RFC3339),
				in.Project.String(), username, candidateList(list), importCommand(in, list[0].ID)))
	}
	return nil, diags
}

// adoptRecorded goes on with the pipeline the resource recorded.
func adoptRecorded(ctx context.Context, client *gitlabclient.Client, in pipelineRunInput, id int64, username string) pipelineRunOutput {
	var out pipelineRunOutput
	p, err := client.GetPipeline(ctx, in.Project.String(), id)
	switch {
	case gitlabclient.IsNotFound(err):
		out.Diags.AddError(fmt.Sprintf("Pipeline %d is gone", id),
			fmt.Sprintf("This resource recorded pipeline %d of project %q, and GitLab no longer shows it (deleted, or the "+
				"token may not see it). It is not run again: an intent runs once. To run a new pipeline, change triggers.",
				id, in.Project.String()))
	case err != nil:
		out.Diags.Append(pipelineReadError(in.Project, id, err)...)
	case p.User == nil || p.User.Username != username || p.Ref != gitlabclient.NormalRef(in.Ref):
		out.Diags.AddError(fmt.Sprintf("Pipeline %d is not this run", id),
			fmt.Sprintf("This resource recorded pipeline %d, but GitLab shows it for ref %q by another user than the "+
				"token's (%s). It is not adopted, and no other pipeline is created; remove the resource from the state "+
				"(terraform state rm) to run a new one.", id, p.Ref, username))
	default:
		return adopted(ctx, in, p)
	}
	return out
}

func adopted(ctx context.Context, in pipelineRunInput, p *gitlabclient.Pipeline) pipelineRunOutput {
	tflog.Warn(ctx, fmt.Sprintf("pipeline %d of %s was created for this configuration by an earlier attempt; going on with "+
		"it instead of creating another", p.ID, gitlabclient.NormalRef(in.Ref)))
	return pipelineRunOutput{Pipeline: p, Adopted: true}
}

// pipelineUnknownError is the diagnostic of a creation whose outcome is
// unknown when the operation ended (interrupted, timed out).
func pipelineUnknownError(in pipelineRunInput, err *gitlabclient.UnknownRunError, rec *pipelineRecord) diag.Diagnostics {
	var diags diag.Diagnostics
	until := rec.Sent.Add(in.requestLimit()).UTC().Format(time.RFC3339)
	next := fmt.Sprintf("The resource is saved (tainted) with the time of the request: the next apply waits until %s "+
		"(request_time_limit after it, when GitLab can no longer create it), then looks for the pipeline and creates "+
		"one only if GitLab shows none.", until)
	if !in.Resource {
		next = fmt.Sprintf("An action keeps no record: do not invoke it again before %s (request_time_limit after the "+
			"request); then check the pipelines of %s in GitLab first.", until, gitlabclient.NormalRef(in.Ref))
	}
	diags.AddError("The pipeline may or may not have been created", fmt.Sprintf("%s. %s", err, next))
	return diags
}

func candidateList(list []*gitlabclient.Pipeline) string {
	var out []string
	for _, p := range list {
		out = append(out, fmt.Sprintf("%d (%s, %s)", p.ID, p.Status, p.WebURL))
	}
	return strings.Join(out, ", ")
}

func importCommand(in pipelineRunInput, id int64) string {
	const addr = "gitlabjobs_pipeline_run.<name>"
	return fmt.Sprintf("terraform state rm %s, then terraform import %s '%s'", addr, addr, formatID(in.Project.String(), id))
}

// pipelineVariablesForbiddenError names the guard and the fix when GitLab
// forbids the configured variables.
func pipelineVariablesForbiddenError(in pipelineRunInput, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	diags.AddAttributeError(path.Root("variables"), "GitLab forbids pipeline variables in this project",
		fmt.Sprintf("GitLab refused to create the pipeline for %q in project %q: %s (Gitlab::Ci::Pipeline::Chain::Build). "+
			"Nothing was created. %s", in.Ref, in.Project.String(), err, pipelineVariablesGuard))
	return diags
}

// nullPipelineInfo is the pipeline attributes of a state that records no
// pipeline (a creation of unknown outcome).
func nullPipelineInfo() pipelineInfo {
	return pipelineInfo{SHA: types.StringNull(), Status: types.StringNull(), Source: types.StringNull(), Tag: types.BoolNull(),
		WebURL: types.StringNull(), CreatedAt: types.StringNull(), StartedAt: types.StringNull(), FinishedAt: types.StringNull(),
		Duration: types.Float64Null(), QueuedDuration: types.Float64Null(), Username: types.StringNull()}
}
