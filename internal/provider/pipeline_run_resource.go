package provider

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
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

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// gitlabjobs_pipeline_run: creates a pipeline for a ref and waits for it.
//
// Never two pipelines for one intent, never a pipeline of another intent
// reported as this one's. The design (issue 18):
//
// Intent. The configuration's project, ref (as GitLab stores it:
// refs/heads/main is main), variables (names and values), inputs and
// triggers. Terraform gives the Create of a new or tainted resource no
// memory of earlier attempts, so the pipeline must be recognizable in
// GitLab, without revealing secret values there or in plans:
//   - the marker variable GITLABJOBS_RUN_ID = run_id, a hash of the ref,
//     the variable NAMES and the triggers only (deterministic, known at
//     plan, shown in plans and in the job's environment: no value in it);
//     with inputs, the value sent is run_id.<salt>.<HMAC-SHA256(salt,
//     canonical inputs)>, a fresh random salt per request (GitLab's API does
//     not show a pipeline's inputs; inputs are not secrets in GitLab, and
//     the salt defeats precomputation and correlation);
//   - variable VALUES are compared by reading the pipeline's variables
//     (GET .../variables), never hashed into anything GitLab stores.
//
// One matcher, gitlabclient.RunRequest.Owns, for every look (before the
// POST, after a failed or lost POST, after waiting out an unknown outcome):
// created through the API by the token's user (required: if GET /user
// fails, nothing is adopted nor sent), for the same normalized ref, with the
// marker (and inputs MAC) and the same variable values. FindRun checks
// every candidate, newest first, not only the newest.
//
// Records. The state records pipeline_id. A Create that fails (a wait that
// timed out, a failed pipeline) saves the pipeline, tainted; a creation
// whose outcome stays unknown when the operation ends (Ctrl-C, timeout)
// saves pending_request_sent_at, tainted, with no pipeline_id. Terraform
// replaces a tainted resource, Delete then Create in one provider process:
// Delete hands the record to Create in memory (stashActAgain/takeActAgain,
// as the job actions do), keyed by the intent (a digest kept in memory
// only). Create then goes on with the recorded pipeline, or waits out the
// pending request. With create_before_destroy the replacement's Create runs
// before the Delete and gets no record: it looks (with a marker) but does
// not wait out a pending request, and without a marker it runs a new
// pipeline; the docs advise the default lifecycle.
//
// Unknown outcome. GitLab may still create a pipeline after the client gave
// up (Workhorse and Puma finish a request whose client went away), for as
// long as Rack::Timeout lets a request live: 90 s queued
// (GITLAB_RAILS_WAIT_TIMEOUT) + 60 s running (GITLAB_RAILS_RACK_TIMEOUT),
// config/initializers/rack_timeout.rb. The provider's request_time_limit
// (default 160 s: those plus 10 s for the network) is that window. After an
// ambiguous failure the client looks once (gitlabclient.CreatePipeline);
// if still unsure, the create waits until request_time_limit after the
// request, then looks again: found, it is adopted; with a marker, none
// proves it was not created, and it is sent again (once). If the operation
// ends before, the record is saved and the next apply waits for the rest.
//
// Without pipeline variables. Where GitLab forbids pipeline variables to
// the token's user (ci_pipeline_variables_minimum_override_role above the
// user's role or no_one_allowed, with restrict_user_defined_variables;
// GitLab.com's default), the pipeline is created with no variable at all
// (marker_sent = false): at once when GET /projects/:id shows the setting
// (Maintainers), else after GitLab's "Insufficient permissions to set
// pipeline variables" 400 to the marker, which created nothing. Configured
// variables are then an error naming the setting and the fix (at plan when
// the setting is visible). What holds there: the recorded pipeline_id
// across taints, timeouts and failed pipelines; an unknown outcome is
// waited out, and then the run is sent again only if GitLab shows no
// pipeline of the user for the ref since the request (less 1 min of clock
// skew), else the apply stops naming those candidates and the import
// command, adopting none. What does not hold without a marker: a pipeline
// created by an apply that saved no state at all (provider killed after
// the POST, state lost) cannot be recognized: the next apply runs another;
// and after a destroy, applying the same configuration runs again.
//
// Parallel creates. The creates of one intent in one provider process are
// serialized (lockIntent), and each hands its pipeline (or its pending
// request) to the next create of the intent in memory: two identical
// resources in one apply make one pipeline, which both record, with or
// without a marker. Two resources naming one project differently (ID and
// path) are two intents for the lock (with a marker, the look still finds
// the pipeline).
//
// Consequence, documented: applying an intent that already ran (a destroy
// and create of the same configuration, or a return to earlier values or
// triggers) adopts its pipeline; new triggers values run again.

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
	Inputs        types.Dynamic  `tfsdk:"inputs"`
	Triggers      types.Map      `tfsdk:"triggers"`
	WaitFor       types.String   `tfsdk:"wait_for"`
	FailOnFailure types.Bool     `tfsdk:"fail_on_failure"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
	PipelineID    types.Int64    `tfsdk:"pipeline_id"`
	RunID         types.String   `tfsdk:"run_id"`
	MarkerSent    types.Bool     `tfsdk:"marker_sent"`
	PendingSince  types.String   `tfsdk:"pending_request_sent_at"`
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

// pipelineInputsDesc is the inputs attribute's description.
const pipelineInputsDesc = "Values for the pipeline's inputs (`spec:inputs`), each of its type: `{ version = \"1.4.0\", replicas = 3, dry_run = false, regions = [\"eu\"] }`. " +
	"Left out: their defaults. Allowed where the project forbids pipeline variables. Not for secrets: GitLab does not " +
	"mask them."

// pipelineVariablesAttributeDesc is the variables attribute's description.
const pipelineVariablesAttributeDesc = "The pipeline's CI/CD variables, `KEY = \"value\"`. Keys are letters, digits and `_`; `GITLABJOBS_RUN_ID` is the provider's own (see `run_id`)."

func pipelineVariableKeysValidator() validator.Map {
	return variableKeysValidator(stringvalidator.NoneOf(gitlabclient.RunMarkerKey))
}

// pipelineVariablesValidators are the checks of a pipeline run's variables
// (resource and action): keys, a value for every key (issue 18 case 9), no
// null byte.
func pipelineVariablesValidators() []validator.Map {
	return []validator.Map{pipelineVariableKeysValidator(), variableValuesValidator{what: "pipeline"}, nullByteValuesValidator{}}
}

func pipelineWaitDesc(limit string) string {
	return "What to wait for: `none` (the default), `success` (a failed, canceled, skipped or blocked pipeline is a " +
		"failure), `manual` (blocked on a manual job, e.g. a deploy to play, or succeeded) or `finished` (success, " +
		"failed, canceled or skipped; blocked on a manual job ends the wait with a warning). " + waitPolling("pipeline") +
		" until " + limit + "."
}

func (r *pipelineRunResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keepStr := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	attrs := map[string]schema.Attribute{
		"id":      idAttribute("`<project>:<pipeline_id>`."),
		"project": pipelineRunProjectAttribute(),
		"ref": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: "The branch or tag to run; changing it runs a new pipeline.",
			Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
		"variables": schema.MapAttribute{
			ElementType: types.StringType,
			Optional:    true,
			Sensitive:   true,
			MarkdownDescription: pipelineVariablesAttributeDesc + " Kept in the state, not in plans or logs; " +
				"changing them runs a new pipeline.",
			Validators:    pipelineVariablesValidators(),
			PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
		},
		"inputs": schema.DynamicAttribute{
			Optional:            true,
			MarkdownDescription: pipelineInputsDesc + " Changing them runs a new pipeline.",
			Validators:          []validator.Dynamic{jobInputsValidator{}},
			PlanModifiers:       []planmodifier.Dynamic{requiresReplaceUnlessImportedDynamic()},
		},
		"triggers": schema.MapAttribute{
			ElementType: types.StringType,
			Optional:    true,
			MarkdownDescription: "Values that, when changed, run a new pipeline (replaced) " +
				"([details](../guides/lifecycle.md#pipeline-runs)).",
			PlanModifiers: []planmodifier.Map{requiresReplaceUnlessImported()}, // import_mark.go
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
			MarkdownDescription: "While waiting: fail the apply when the pipeline fails, is canceled or skipped (or, " +
				"with `wait_for = \"success\"`, blocks) " + "([details](../guides/lifecycle.md#pipeline-runs)); `false` records it in `status`. " +
				"Defaults to `true`.",
			PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
		},
		"timeouts": positiveTimeouts(timeouts.Attributes(ctx, timeouts.Opts{Create: true, CreateDescription: "How long to wait for the pipeline (default 60m)."})),
		"pipeline_id": schema.Int64Attribute{
			Computed:            true,
			MarkdownDescription: "The pipeline the resource created (or, after an interrupted apply, found again).",
			PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
		},
		"marker_sent": schema.BoolAttribute{
			Computed: true,
			MarkdownDescription: "Whether the pipeline carries the `GITLABJOBS_RUN_ID` marker " +
				"([details](../guides/lifecycle.md#pipeline-runs)).",
			PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
		},
		"pending_request_sent_at": schema.StringAttribute{
			Computed: true,
			MarkdownDescription: "When a creation of unknown outcome was sent (RFC 3339), or null " +
				"([details](../guides/lifecycle.md#pipeline-runs)).",
			PlanModifiers: keepStr,
		},
		"run_id": schema.StringAttribute{
			Computed: true,
			MarkdownDescription: "The intent's marker, the `GITLABJOBS_RUN_ID` value " +
				"([details](../guides/lifecycle.md#pipeline-runs)).",
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
		MarkdownDescription: "Runs a pipeline for a branch or tag, with typed `inputs` or CI/CD variables, and optionally " +
			"waits for it (`wait_for`). The pipeline is created once per intent (project, ref, variables with " +
			"their values, inputs, triggers), whatever happens to the apply: see " +
			"[Pipeline runs](../guides/lifecycle.md#pipeline-runs). Destroying the resource only forgets it.\n\n" +
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
		!plan.Variables.Equal(state.Variables) || !plan.Triggers.Equal(state.Triggers) ||
		(!plan.Inputs.Equal(state.Inputs) && !state.Inputs.IsNull()))
	if !req.State.Raw.IsNull() && !replacing {
		return // an update of wait_for, fail_on_failure or timeouts: nothing runs
	}
	if r.data.usesJobToken() {
		resp.Diagnostics.Append(jobTokenRefused(pipelineRunWhat, r.data, pipelineJobTokenRefusal)...)
		return
	}
	resp.Diagnostics.Append(r.variablesGuardAtPlan(ctx, plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if marker, ok := plannedMarker(plan.Ref, plan.Variables, plan.Triggers); ok {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("run_id"), marker)...)
		resp.Diagnostics.Append(r.earlierRunAtPlan(ctx, plan, marker)...)
	} else {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("run_id"), types.StringUnknown())...)
	}
}

// variablesGuardAtPlan refuses, at plan time, variables for a project whose
// setting, as GitLab shows it (to Maintainers and up), forbids pipeline
// variables to everyone: the creation would be refused. Silent when the
// setting cannot be read (the apply's refusal then explains).
func (r *pipelineRunResource) variablesGuardAtPlan(ctx context.Context, plan pipelineRunModel) diag.Diagnostics {
	var diags diag.Diagnostics
	if r.data == nil || r.data.client == nil || len(r.data.unknownConfig) > 0 || plan.Project.IsUnknown() ||
		plan.Variables.IsNull() || plan.Variables.IsUnknown() || len(plan.Variables.Elements()) == 0 {
		return diags
	}
	project, err := gitlabclient.ParseProject(plan.Project.ValueString())
	if err != nil {
		return diags
	}
	setting, err := r.data.client.GetPipelineVariablesSetting(ctx, project.String())
	if err == nil && setting.ForbidsPipelineVariables() {
		diags.AddAttributeError(path.Root("variables"), "The project forbids pipeline variables",
			fmt.Sprintf("Project %q sets \"Minimum role to use pipeline variables\" to no_one_allowed, so GitLab would "+
				"refuse to create the pipeline with variables (\"Insufficient permissions to set pipeline variables\"). "+
				"Nothing is created. %s", project.String(), pipelineVariablesGuard))
	}
	return diags
}

// earlierRunAtPlan says, when the plan creates the resource, whether an
// earlier apply already created the pipeline of this intent (a timed-out,
// failed or interrupted run: Terraform plans it as a new resource), so the
// plan does not suggest that the pipeline will run again. Silent when it
// cannot ask GitLab.
func (r *pipelineRunResource) earlierRunAtPlan(ctx context.Context, plan pipelineRunModel, marker string) diag.Diagnostics {
	var diags diag.Diagnostics
	if r.data == nil || r.data.client == nil || len(r.data.unknownConfig) > 0 || plan.Project.IsUnknown() ||
		plan.Variables.IsUnknown() || plan.Inputs.IsUnknown() || plan.Inputs.IsUnderlyingValueUnknown() {
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
	inputs, d := jobInputs(plan.Inputs)
	if d.HasError() {
		return diags
	}
	in := pipelineRunInput{Project: project, Ref: plan.Ref.ValueString(), Variables: vars, Inputs: inputs, Marker: marker}
	found, err := client.FindRun(ctx, project.String(), in.request(), u.Username, time.Time{})
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
	in, diags := r.input(ctx, plan, project)
	resp.Diagnostics.Append(diags...)
	timeout, diags := plan.Timeouts.Create(ctx, defaultWaitTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// One create of an intent at a time in this provider process (two
	// identical resources: the second finds the first's pipeline), and what
	// a replaced (tainted) state of this intent recorded.
	key := pipelineIntentKey(plan.Project.ValueString(), in.request())
	unlock := lockIntent(r.data, key)
	in.Record = takePipelineRecord(r.data, key)
	out := createOrFind(ctx, client, in)
	// For an identical resource later in this apply: the same pipeline, or
	// the same wait.
	switch {
	case out.Pipeline != nil:
		stashPipelineRecord(r.data, key, pipelineRecord{PipelineID: out.Pipeline.ID, NoMarker: out.NoMarker})
	case out.Pending != nil:
		stashPipelineRecord(r.data, key, *out.Pending)
	}
	unlock()
	if out.Pipeline != nil {
		out = waitForRun(ctx, client, r.poll, in, out)
	}
	resp.Diagnostics.Append(out.Diags...)
	plan.RunID = types.StringValue(in.Marker)
	plan.MarkerSent = types.BoolValue(!out.NoMarker)
	plan.PendingSince = types.StringNull()
	switch {
	case out.Pipeline != nil:
		plan.ID = types.StringValue(formatID(plan.Project.ValueString(), out.Pipeline.ID))
		plan.PipelineID = types.Int64Value(out.Pipeline.ID)
		plan.pipelineInfo = newPipelineInfo(out.Pipeline)
	case out.Pending != nil:
		// The outcome is unknown: save the record (the error taints the
		// resource), so that the next apply waits it out before looking.
		plan.ID = types.StringValue(plan.Project.ValueString() + ":pending")
		plan.PipelineID = types.Int64Null()
		plan.MarkerSent = types.BoolValue(!out.Pending.NoMarker)
		plan.PendingSince = types.StringValue(out.Pending.Sent.UTC().Format(time.RFC3339Nano))
		plan.pipelineInfo = nullPipelineInfo()
	default:
		return // nothing was created
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// input is the run a plan (or, in Delete, a state) asks for.
func (r *pipelineRunResource) input(ctx context.Context, m pipelineRunModel, project gitlabclient.Project) (pipelineRunInput, diag.Diagnostics) {
	vars, diags := playVariables(ctx, m.Variables)
	inputs, d := jobInputs(m.Inputs)
	diags.Append(d...)
	marker := m.RunID.ValueString()
	if m.RunID.IsUnknown() || marker == "" {
		var keys []string
		for _, v := range vars {
			keys = append(keys, v.Key)
		}
		var trig map[string]string
		diags.Append(m.Triggers.ElementsAs(ctx, &trig, false)...)
		marker = runMarker(m.Ref.ValueString(), keys, trig)
	}
	var limit time.Duration // requestLimit: GitLab's default unless set
	if r.data != nil {
		limit = r.data.requestTimeLimit
	}
	return pipelineRunInput{
		Project: project, Ref: m.Ref.ValueString(), Variables: vars, Inputs: inputs, Marker: gitlabclient.MarkerBase(marker),
		LookFirst: true, WaitFor: m.WaitFor.ValueString(), Resource: true, RequestLimit: limit,
		FailOnFailure: m.FailOnFailure.ValueBool(),
		WaitAdvice: "The resource is saved (tainted) with the pipeline; the next apply goes on with that pipeline, it does " +
			"not create another. Raise timeouts.create, or set wait_for to \"none\".",
	}, diags
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
	if state.PipelineID.IsNull() {
		return // a creation of unknown outcome (pending_request_sent_at): the next create resolves it
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
		state.RunID = types.StringValue(gitlabclient.MarkerBase(gitlabclient.MarkerOf(vars)))
		state.MarkerSent = types.BoolValue(gitlabclient.MarkerOf(vars) != "")
		state.PendingSince = types.StringNull()
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
	updateInPlace(ctx, checkProjectChangeOf(ctx, r.data, pipelineRunWhat, req, sameProjectPlanModifier{pipeline: true}), req, resp)
}

// Delete forgets the resource: GitLab keeps the pipeline. What the state
// records (the pipeline, or a creation of unknown outcome) is kept in
// provider memory for a Create of the same intent that follows in this
// apply: the create half of a tainted resource's replacement, which
// Terraform gives no prior state.
func (r *pipelineRunResource) Delete(ctx context.Context, req resource.DeleteRequest, _ *resource.DeleteResponse) {
	var state pipelineRunModel
	if diags := req.State.Get(ctx, &state); diags.HasError() || r.data == nil {
		return
	}
	project, err := gitlabclient.ParseProject(state.Project.ValueString())
	if err != nil {
		return
	}
	in, diags := r.input(ctx, state, project)
	if diags.HasError() {
		return
	}
	rec := pipelineRecord{PipelineID: state.PipelineID.ValueInt64(), NoMarker: !state.MarkerSent.IsNull() && !state.MarkerSent.ValueBool()}
	if t, err := time.Parse(time.RFC3339Nano, state.PendingSince.ValueString()); err == nil && state.PipelineID.IsNull() {
		rec.Sent = t
	}
	if rec.PipelineID != 0 || !rec.Sent.IsZero() {
		stashPipelineRecord(r.data, pipelineIntentKey(state.Project.ValueString(), in.request()), rec)
	}
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
	// GitLab does not remember triggers: the first plan stores them in place (import_mark.go).
	resp.Diagnostics.Append(markImported(ctx, resp.Private)...)
}

// pipelineRunProjectAttribute is project of gitlabjobs_pipeline_run: a
// respelling (URL encoding, letter case; or a numeric ID for a path, or an
// old path, while a pipeline is recorded: pipeline IDs are unique across an
// instance) is stored in place, checked at apply; a value that names
// another project replaces the resource.
func pipelineRunProjectAttribute() schema.Attribute {
	return schema.StringAttribute{
		Required: true,
		MarkdownDescription: "The project's numeric ID or full path; another project replaces the resource " +
			"([details](../guides/lifecycle.md#writing-the-project-differently)).",
		Validators:    []validator.String{projectValidator{}},
		PlanModifiers: []planmodifier.String{sameProjectPlanModifier{pipeline: true}},
	}
}
