package provider

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/float64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// gitlabjobs_pipeline_run: creates a pipeline for a ref and waits for it.
//
// Never two pipelines for one intent. Any error of Create (a wait that
// timed out or a pipeline that failed) taints the resource, and Terraform
// plans a tainted resource as a new one, with no prior state (nor private
// state, and none in the apply's re-plan of a create), so Create cannot be
// told "you already ran". Instead, every run carries a marker variable
// (GITLABJOBS_RUN_ID = run_id) derived from the intent: a hash of the ref,
// the variable names and the triggers. A create first looks for a pipeline
// of the same intent (gitlabclient.FindRun: the ref's pipelines created
// through the API by the token's user, newest first, whose variables hold
// the marker) with the same variable values, and adopts it — goes on
// waiting for it, or reports its outcome — instead of creating another.
// Consequence, documented: applying an intent that already ran (a destroy
// and create of the same configuration, or a return to earlier triggers)
// adopts its newest pipeline; new triggers values run again. The POST
// itself is never re-sent blindly (gitlabclient.CreatePipeline).

const (
	pipelineWaitNone     = "none"
	pipelineWaitSuccess  = "success"
	pipelineWaitManual   = "manual"
	pipelineWaitFinished = "finished"
)

var (
	_ resource.ResourceWithConfigure   = (*pipelineRunResource)(nil)
	_ resource.ResourceWithImportState = (*pipelineRunResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*pipelineRunResource)(nil)
)

// NewPipelineRunResource returns the gitlabjobs_pipeline_run resource.
func NewPipelineRunResource() resource.Resource {
	return &pipelineRunResource{poll: defaultPoller()}
}

type pipelineRunResource struct {
	data *providerData
	poll poller
}

const pipelineRunWhat = "resource gitlabjobs_pipeline_run"

type pipelineRunModel struct {
	ID            types.String   `tfsdk:"id"`
	Project       types.String   `tfsdk:"project"`
	Ref           types.String   `tfsdk:"ref"`
	Variables     types.Map      `tfsdk:"variables"`
	Triggers      types.Map      `tfsdk:"triggers"`
	WaitFor       types.String   `tfsdk:"wait_for"`
	FailOnFailure types.Bool     `tfsdk:"fail_on_failure"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
	PipelineID    types.Int64    `tfsdk:"pipeline_id"`
	RunID         types.String   `tfsdk:"run_id"`
	pipelineInfo
}

func (r *pipelineRunResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data, diags := configuredData(req.ProviderData, pipelineRunWhat)
	resp.Diagnostics.Append(diags...)
	if data != nil {
		r.data = data
	}
}

func (r *pipelineRunResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pipeline_run"
}

// pipelineVariablesAttributeDesc is the variables attribute's description.
const pipelineVariablesAttributeDesc = "CI/CD variables of the pipeline (GitLab's `variables` of the create request), as " +
	"`KEY = \"value\"`. Keys are letters, digits and `_`; `GITLABJOBS_RUN_ID` is the provider's own (see `run_id`)."

func pipelineVariableKeysValidator() validator.Map {
	return variableKeysValidator(stringvalidator.NoneOf(gitlabclient.RunMarkerKey))
}

func pipelineWaitDesc(limit string) string {
	return "What to wait for once the pipeline is created: `none` (return at once, the default), `success` (the " +
		"pipeline succeeded; it failing, being canceled or skipped, or blocking on a manual job is a failure), " +
		"`manual` (the pipeline is blocked on a manual job, e.g. a deploy waiting to be played — or it already " +
		"succeeded), or `finished` (success, failed, canceled or skipped; a pipeline blocked on a manual job ends the " +
		"wait with a warning, as it will not finish by itself). Waiting polls the pipeline with backoff (1 s, doubling " +
		"up to 20 s) until " + limit + "."
}

func (r *pipelineRunResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keepStr := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	attrs := map[string]schema.Attribute{
		"id":      idAttribute("`<project>:<pipeline_id>`."),
		"project": pipelineRunProjectAttribute(),
		"ref": schema.StringAttribute{
			Required: true,
			MarkdownDescription: "The branch or tag to run the pipeline for (`main`, `v1.4.0`). Changing it runs a " +
				"new pipeline (the resource is replaced).",
			Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
		"variables": schema.MapAttribute{
			ElementType: types.StringType,
			Optional:    true,
			Sensitive:   true,
			MarkdownDescription: pipelineVariablesAttributeDesc + " Values are sensitive: they never appear in plans " +
				"or logs, but like every attribute they are stored in the state. Changing them runs a new pipeline.",
			Validators:    []validator.Map{pipelineVariableKeysValidator(), nullByteValuesValidator{}},
			PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
		},
		"triggers": schema.MapAttribute{
			ElementType: types.StringType,
			Optional:    true,
			MarkdownDescription: "Arbitrary values that, when changed, run a new pipeline (the resource is replaced), " +
				"e.g. `{ release = var.release_tag }`. Without a change here (or in `project`, `ref`, `variables`), " +
				"applying again never creates another pipeline. Together with `ref` and `variables` they are the run's " +
				"intent (see `run_id`): two resources with the same ref, variables and triggers in one project share " +
				"one pipeline, so give each its own triggers.",
			PlanModifiers: []planmodifier.Map{requiresReplaceUnlessImported()}, // job_import.go
		},
		"wait_for": schema.StringAttribute{
			Optional: true, Computed: true,
			Default:             stringdefault.StaticString(pipelineWaitNone),
			MarkdownDescription: pipelineWaitDesc("`timeouts.create`"),
			Validators: []validator.String{stringvalidator.OneOf(pipelineWaitNone, pipelineWaitSuccess,
				pipelineWaitManual, pipelineWaitFinished)},
		},
		"fail_on_failure": schema.BoolAttribute{
			Optional: true, Computed: true,
			Default: booldefault.StaticBool(true),
			MarkdownDescription: "While waiting: fail the apply when the pipeline ends `failed`, `canceled` or " +
				"`skipped` (or, with `wait_for = \"success\"`, blocks on a manual job), naming its failed jobs. The " +
				"resource is then saved (tainted) with the pipeline; the next apply finds that pipeline again and reports " +
				"its outcome, it does not run another (change `triggers` to run again). Set to `false` to record the " +
				"outcome in `status` instead. Defaults to `true`.",
			PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
		},
		"timeouts": timeouts.Attributes(ctx, timeouts.Opts{Create: true, CreateDescription: "How long to wait for the pipeline (default 60m)."}),
		"pipeline_id": schema.Int64Attribute{
			Computed:            true,
			MarkdownDescription: "The pipeline the resource created (or, after an interrupted apply, found again).",
			PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
		},
		"run_id": schema.StringAttribute{
			Computed: true,
			MarkdownDescription: "The value of the `GITLABJOBS_RUN_ID` variable the provider adds to the pipeline: a hash " +
				"of the intent (ref, variable names, triggers). Before creating a pipeline, the provider looks for the newest " +
				"pipeline of the same intent (this marker and the same variable values) that the token's user created through " +
				"the API — after a timeout, an interrupt, a lost answer or a taint — and goes on with it instead. So an " +
				"intent that already ran is not run again, even after a destroy: give `triggers` a new value to run again.",
			PlanModifiers: keepStr,
		},
	}
	for name, desc := range pipelineAttributeDocs {
		switch name {
		case "tag":
			attrs[name] = schema.BoolAttribute{Computed: true, MarkdownDescription: desc,
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()}}
		case "duration", "queued_duration":
			attrs[name] = schema.Float64Attribute{Computed: true, MarkdownDescription: desc,
				PlanModifiers: []planmodifier.Float64{float64planmodifier.UseStateForUnknown()}}
		default:
			attrs[name] = schema.StringAttribute{Computed: true, MarkdownDescription: desc, PlanModifiers: keepStr}
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Runs a pipeline for a branch or tag, with CI/CD variables, and optionally waits until it " +
			"succeeds, blocks on a manual job (`wait_for = \"manual\"`: e.g. a release pipeline whose deploy waits to " +
			"be played by `gitlabjobs_job_play`) or finishes. The pipeline is created once, when the resource is " +
			"created; applying again does nothing unless `triggers`, `variables`, `ref` or `project` change. **Never " +
			"twice for one intent:** the pipeline carries a `GITLABJOBS_RUN_ID` variable (`run_id`), and a create — " +
			"also after a timeout, an interrupt, a lost answer or a tainted resource — first looks for a pipeline of " +
			"the same intent the token's user created, and goes on with it. A creation whose answer is lost is never " +
			"sent again unless GitLab provably did not create the pipeline. A refresh keeps the resource even when the " +
			"pipeline is gone or no longer visible (with a warning). Needs a token with the `api` scope and at least " +
			"the Developer role (GitLab's `create_pipeline` permission).\n\nDestroying this resource only removes it " +
			"from the Terraform state: GitLab keeps the pipeline.\n\n" +
			"Upstream API: [Create a new pipeline](https://docs.gitlab.com/api/pipelines/#create-a-new-pipeline).",
		Attributes: attrs,
	}
}

// runMarker is the intent's marker: a hash of the ref, the variable names
// and the triggers (not the variable values, which are secret; a pipeline
// is adopted only when its values match too).
func runMarker(ref string, varKeys []string, triggers map[string]string) string {
	h := sha256.New()
	fmt.Fprintf(h, "ref=%s\n", gitlabclient.NormalRef(ref))
	keys := slices.Sorted(slices.Values(varKeys))
	for _, k := range keys {
		fmt.Fprintf(h, "var=%s\n", k)
	}
	for _, k := range slices.Sorted(maps.Keys(triggers)) {
		fmt.Fprintf(h, "trigger=%q=%q\n", k, triggers[k])
	}
	return "tf-" + hex.EncodeToString(h.Sum(nil))[:20]
}

// rerunMarker is a marker for a run that is a new intent every time (the
// action's invocations): a random suffix.
func rerunMarker(marker string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return marker + "-r" + hex.EncodeToString(b)
}

// plannedMarker computes the marker from known ref, variables and triggers.
func plannedMarker(ref types.String, vars, triggers types.Map) (string, bool) {
	if ref.IsUnknown() || vars.IsUnknown() || triggers.IsUnknown() {
		return "", false
	}
	var keys []string
	for k := range vars.Elements() {
		keys = append(keys, k)
	}
	trig := map[string]string{}
	for k, v := range triggers.Elements() {
		s, ok := v.(types.String)
		if !ok || s.IsUnknown() {
			return "", false
		}
		trig[k] = s.ValueString()
	}
	return runMarker(ref.ValueString(), keys, trig), true
}

// ModifyPlan plans run_id, the intent's marker, when the resource is
// created or replaced. It must be the same in the plan and in the apply's
// re-plan, so it is derived from the configuration alone (Terraform hands
// no state, nor private state, to the re-plan of a create).
func (r *pipelineRunResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan, state pipelineRunModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	// The attributes whose change replaces the resource (their RequiresReplace
	// is not visible here: the framework collects it apart).
	replacing := !req.State.Raw.IsNull() && (!plan.Project.Equal(state.Project) || !plan.Ref.Equal(state.Ref) ||
		!plan.Variables.Equal(state.Variables) || !plan.Triggers.Equal(state.Triggers))
	if !req.State.Raw.IsNull() && !replacing {
		return // an update of wait_for, fail_on_failure or timeouts: nothing runs
	}
	if marker, ok := plannedMarker(plan.Ref, plan.Variables, plan.Triggers); ok {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("run_id"), marker)...)
		resp.Diagnostics.Append(r.earlierRunAtPlan(ctx, plan, marker)...)
	} else {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("run_id"), types.StringUnknown())...)
	}
}

// earlierRunAtPlan says, when the plan creates the resource, whether an
// earlier apply already created the pipeline of this intent (a timed-out,
// failed or interrupted run: Terraform plans it as a new resource), so the
// plan does not suggest that the pipeline will run again. Silent when it
// cannot ask GitLab.
func (r *pipelineRunResource) earlierRunAtPlan(ctx context.Context, plan pipelineRunModel, marker string) diag.Diagnostics {
	var diags diag.Diagnostics
	if r.data == nil || r.data.client == nil || len(r.data.unknownConfig) > 0 || plan.Project.IsUnknown() ||
		plan.Variables.IsUnknown() {
		return diags
	}
	project, err := gitlabclient.ParseProject(plan.Project.ValueString())
	if err != nil {
		return diags
	}
	vars, d := playVariables(ctx, plan.Variables)
	if d.HasError() {
		return diags
	}
	client := r.data.client
	u, err := client.CurrentUser(ctx)
	if err != nil {
		return diags
	}
	in := pipelineRunInput{Project: project, Ref: plan.Ref.ValueString(), Variables: vars, Marker: marker}
	found, err := findSameRun(ctx, client, in, gitlabclient.NormalRef(in.Ref), u.Username)
	if err != nil || found == nil {
		return diags
	}
	diags.AddWarning(fmt.Sprintf("Pipeline %d already runs this configuration", found.ID),
		fmt.Sprintf("An earlier apply created pipeline %d (%s, now %s) for this ref, variables and triggers, and did not "+
			"record it (it timed out, failed, or was interrupted). Applying goes on with that pipeline and creates no "+
			"other; to run the pipeline again, give triggers a new value.", found.ID, found.WebURL, found.Status))
	return diags
}

func (r *pipelineRunResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan pipelineRunModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := r.data.clientForProject(pipelineRunWhat, plan.Project)
	resp.Diagnostics.Append(diags...)
	vars, diags := playVariables(ctx, plan.Variables)
	resp.Diagnostics.Append(diags...)
	timeout, diags := plan.Timeouts.Create(ctx, defaultWaitTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	marker := plan.RunID.ValueString()
	if plan.RunID.IsUnknown() || marker == "" {
		var keys []string
		for _, v := range vars {
			keys = append(keys, v.Key)
		}
		var trig map[string]string
		resp.Diagnostics.Append(plan.Triggers.ElementsAs(ctx, &trig, false)...)
		marker = runMarker(plan.Ref.ValueString(), keys, trig)
	}
	in := pipelineRunInput{
		Project: project, Ref: plan.Ref.ValueString(), Variables: vars, Marker: marker,
		LookFirst: true, WaitFor: plan.WaitFor.ValueString(),
		FailOnFailure: plan.FailOnFailure.ValueBool(),
		WaitAdvice: "The resource is saved (tainted) with the pipeline; the next apply finds it again (by its " +
			gitlabclient.RunMarkerKey + ") and goes on waiting, it does not create another. Raise timeouts.create, or set " +
			"wait_for to \"none\".",
	}
	out := runPipeline(ctx, client, r.poll, in)
	resp.Diagnostics.Append(out.Diags...)
	if out.Pipeline == nil {
		return // nothing was created (or it is unknown: the next apply looks for it by its marker)
	}
	plan.ID = types.StringValue(fmt.Sprintf("%s:%d", plan.Project.ValueString(), out.Pipeline.ID))
	plan.PipelineID = types.Int64Value(out.Pipeline.ID)
	plan.RunID = types.StringValue(marker)
	plan.pipelineInfo = newPipelineInfo(out.Pipeline)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read refreshes the pipeline. A pipeline GitLab no longer shows (404: gone,
// or not visible to this token) keeps the resource, with a warning:
// forgetting it would let the next apply run the pipeline again.
func (r *pipelineRunResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state pipelineRunModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := r.data.clientForProject(pipelineRunWhat, state.Project)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.PipelineID.ValueInt64()
	p, err := client.GetPipeline(ctx, project.String(), id)
	switch {
	case gitlabclient.IsNotFound(err):
		resp.Diagnostics.AddWarning(fmt.Sprintf("Pipeline %d not found", id),
			fmt.Sprintf("GitLab answers 404 for pipeline %d of project %q: it was deleted, or the provider's token cannot "+
				"see it. The resource is kept as it was, so that the next apply does not run the pipeline again; remove it "+
				"with terraform state rm if the pipeline is gone for good.", id, project.String()))
		return
	case err != nil:
		resp.Diagnostics.Append(pipelineReadError(project, id, err)...)
		return
	}
	if state.Ref.IsNull() || state.RunID.IsNull() {
		// Imported: the ref, the variables and the marker come from GitLab.
		state.Ref = types.StringValue(p.Ref)
		vars, err := client.GetPipelineVariables(ctx, project.String(), id)
		if err != nil {
			resp.Diagnostics.AddWarning("Pipeline variables not read",
				fmt.Sprintf("Reading the variables of pipeline %d failed (%s): variables stays empty; reading them needs the "+
					"Developer role.", id, err))
		}
		user := gitlabclient.UserVariables(vars)
		state.Variables = types.MapNull(types.StringType)
		if len(user) > 0 {
			elems := map[string]attr.Value{}
			for k, v := range user {
				elems[k] = types.StringValue(v)
			}
			state.Variables = types.MapValueMust(types.StringType, elems)
		}
		state.RunID = types.StringValue(gitlabclient.MarkerOf(vars))
		// wait_for records what the imported pipeline has reached.
		switch p.Status {
		case gitlabclient.PipelineSuccess, gitlabclient.PipelineManual:
			state.WaitFor = types.StringValue(p.Status)
		}
	}
	state.pipelineInfo = newPipelineInfo(p)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update only stores wait_for, fail_on_failure and timeouts: every other
// change replaces the resource, and computed attributes keep their values.
func (r *pipelineRunResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = req.Plan.Raw
	if resp.Private != nil {
		resp.Diagnostics.Append(clearImported(ctx, resp.Private)...)
	}
}

// Delete forgets the resource: GitLab keeps the pipeline.
func (r *pipelineRunResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

// ImportState takes "<project>:<pipeline_id>"; the refresh that follows
// checks the pipeline exists and reads its ref, variables and marker.
func (r *pipelineRunResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if _, _, err := parseImportID(req.ID, "pipeline_id"); err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	project, ids, _ := parseImportID(req.ID, "pipeline_id")
	if r.data != nil && r.data.client != nil {
		if _, err := r.data.client.GetPipeline(ctx, project.String(), ids[0]); err != nil {
			resp.Diagnostics.Append(pipelineReadError(project, ids[0], err)...)
			return
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("project"), req.ID[:strings.LastIndex(req.ID, ":")])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("pipeline_id"), ids[0])...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("wait_for"), pipelineWaitNone)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("fail_on_failure"), true)...)
	// GitLab does not remember triggers: the first plan stores them in place (job_import.go).
	resp.Diagnostics.Append(markImported(ctx, resp.Private)...)
}

// pipelineRunInput is one pipeline run, whichever front door (the resource
// or the Terraform action) it came through.
type pipelineRunInput struct {
	Project       gitlabclient.Project
	Ref           string
	Variables     []gitlabclient.Variable
	Marker        string
	LookFirst     bool // look for a pipeline of the same intent before creating
	WaitFor       string
	FailOnFailure bool
	WaitAdvice    string // what to do after a timed-out wait
	// Progress, when set, is told every status the wait sees.
	Progress func(p *gitlabclient.Pipeline, waited time.Duration)
}

// pipelineRunOutput is the pipeline created or found (nil when none), as last
// seen, whether it was found rather than created, and diagnostics.
type pipelineRunOutput struct {
	Pipeline *gitlabclient.Pipeline
	Adopted  bool
	Diags    diag.Diagnostics
}

// runPipeline creates (or finds again) the pipeline and waits as asked.
func runPipeline(ctx context.Context, client *gitlabclient.Client, poll poller, in pipelineRunInput) pipelineRunOutput {
	var out pipelineRunOutput
	ref := gitlabclient.NormalRef(in.Ref)
	var username string
	if u, err := client.CurrentUser(ctx); err == nil {
		username = u.Username
	} else if gitlabclient.StatusCode(err) == 401 {
		out.Diags.Append(pipelineCreateError(in, err)...)
		return out
	}
	if in.LookFirst {
		found, err := findSameRun(ctx, client, in, ref, username)
		if err != nil {
			out.Diags.AddError("Could not check for an earlier run",
				fmt.Sprintf("Before creating a pipeline for %s, the provider looks for one this configuration already created "+
					"(an earlier apply may have been interrupted), and that failed: %s. Nothing was created; apply again.", ref, err))
			return out
		}
		if found != nil {
			tflog.Warn(ctx, fmt.Sprintf("pipeline %d of %s was created for this configuration by an earlier apply (%s=%s); "+
				"going on with it instead of creating another", found.ID, ref, gitlabclient.RunMarkerKey, in.Marker))
			out.Pipeline, out.Adopted = found, true
		}
	}
	if out.Pipeline == nil {
		p, err := client.CreatePipeline(ctx, in.Project.String(), gitlabclient.RunRequest{Ref: in.Ref, Variables: in.Variables,
			Marker: in.Marker}, username)
		if err != nil {
			if detail := pipelineGuardDetail(ctx, client, in.Project, in.Ref, err); detail != "" { // guard_diagnostics.go
				out.Diags.AddAttributeError(path.Root("ref"), fmt.Sprintf("A protected branch or tag refused the pipeline for %q", in.Ref),
					fmt.Sprintf("GitLab refused to create a pipeline for %q in project %q: %s. Nothing was created and nothing "+
						"is retried.\n\n%s", in.Ref, in.Project.String(), err, detail))
				return out
			}
			out.Diags.Append(pipelineCreateError(in, err)...)
			return out
		}
		tflog.Info(ctx, fmt.Sprintf("created pipeline %d for %s", p.ID, ref), map[string]any{"pipeline_id": p.ID})
		out.Pipeline = p
	}
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

// findSameRun is the newest pipeline of the intent (the marker, or a re-run
// of it) whose variables are the configured ones.
func findSameRun(ctx context.Context, client *gitlabclient.Client, in pipelineRunInput, ref, username string) (*gitlabclient.Pipeline, error) {
	found, err := client.FindRun(ctx, in.Project.String(), ref, in.Marker, username, time.Time{})
	if err != nil || found == nil {
		return nil, err
	}
	vars, err := client.GetPipelineVariables(ctx, in.Project.String(), found.ID)
	if err != nil {
		return nil, err
	}
	want := map[string]string{}
	for _, v := range in.Variables {
		want[v.Key] = v.Value
	}
	if !maps.Equal(gitlabclient.UserVariables(vars), want) {
		// Same names, other values: another intent (values are not in the marker).
		return nil, nil
	}
	return found, nil
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
	start := poll.now()
	var last *gitlabclient.Pipeline
	for {
		p, err := client.GetPipeline(ctx, project.String(), id)
		if err != nil {
			if ctx.Err() != nil && last != nil {
				return last, pipelineCtxError(ctx, poll, last, target, start)
			}
			return last, err
		}
		last = p
		waited := poll.now().Sub(start)
		delay := poll.interval(waited)
		if progress != nil {
			progress(p, waited)
		}
		if pipelineReached(target, p.Status) {
			tflog.Info(ctx, fmt.Sprintf("pipeline %d is %s", p.ID, p.Status), map[string]any{"pipeline_id": p.ID, "status": p.Status})
			return p, nil
		}
		tflog.Info(ctx, fmt.Sprintf("pipeline %d %s for %s, waiting until %s", p.ID, p.Status, waited.Round(time.Second), target),
			map[string]any{"pipeline_id": p.ID, "status": p.Status, "next_poll": delay.String()})
		if err := poll.sleep(ctx, delay); err != nil {
			return last, pipelineCtxError(ctx, poll, last, target, start)
		}
	}
}

func pipelineCtxError(ctx context.Context, poll poller, last *gitlabclient.Pipeline, target string, start time.Time) error {
	if ctx.Err() == context.DeadlineExceeded {
		return &waitTimeoutError{JobID: last.ID, Status: last.Status, Target: target, Elapsed: poll.now().Sub(start)}
	}
	return fmt.Errorf("stopped waiting for pipeline %d (still %s): %w", last.ID, last.Status, ctx.Err())
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
	jobs, err := client.ListPipelineJobs(ctx, project.String(), id, []string{"failed"}, false)
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
		diags.AddError("The pipeline may or may not have been created",
			fmt.Sprintf("%s. Applying again is safe: the provider first looks for a pipeline with %s=%s and goes on with it.",
				err, gitlabclient.RunMarkerKey, in.Marker))
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

// pipelineRunProjectAttribute is project of gitlabjobs_pipeline_run: a
// respelling GitLab treats as the same project (URL encoding, letter case)
// is stored in place; any other change replaces the resource, whose create
// finds the pipeline it ran before (by its marker variable) when the new
// value names the same project, so nothing runs twice.
func pipelineRunProjectAttribute() schema.Attribute {
	return schema.StringAttribute{
		Required: true,
		MarkdownDescription: "The project's numeric ID or full path (`group/sub/project`; a URL-encoded path is " +
			"accepted too). The same path written another way (URL-encoded, another letter case) changes nothing. " +
			"Another value (also the project's numeric ID for its path) replaces the resource; when it names the " +
			"same project, the new resource finds the pipeline this one ran instead of running another.",
		Validators:    []validator.String{projectValidator{}},
		PlanModifiers: []planmodifier.String{sameProjectPlanModifier{noJobID: true}},
	}
}
