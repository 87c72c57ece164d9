package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var (
	_ resource.ResourceWithConfigure        = (*deploymentApprovalResource)(nil)
	_ resource.ResourceWithImportState      = (*deploymentApprovalResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*deploymentApprovalResource)(nil)
	_ resource.ResourceWithConfigValidators = (*deploymentApprovalResource)(nil)
)

// NewDeploymentApprovalResource returns the gitlabjobs_deployment_approval resource.
func NewDeploymentApprovalResource() resource.Resource {
	return &deploymentApprovalResource{what: "resource gitlabjobs_deployment_approval"}
}

type deploymentApprovalResource struct {
	data *providerData
	what string
}

type deploymentApprovalModel struct {
	ID                   types.String   `tfsdk:"id"`
	Project              types.String   `tfsdk:"project"`
	JobID                types.Int64    `tfsdk:"job_id"`
	DeploymentID         types.Int64    `tfsdk:"deployment_id"`
	Status               types.String   `tfsdk:"status"`
	Comment              types.String   `tfsdk:"comment"`
	RepresentedAs        types.String   `tfsdk:"represented_as"`
	Timeouts             timeouts.Value `tfsdk:"timeouts"`
	Approver             types.String   `tfsdk:"approver"`
	ApprovedAt           types.String   `tfsdk:"approved_at"`
	Environment          types.String   `tfsdk:"environment"`
	DeploymentStatus     types.String   `tfsdk:"deployment_status"`
	PendingApprovalCount types.Int64    `tfsdk:"pending_approval_count"`
}

func (r *deploymentApprovalResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_deployment_approval"
}

// approvalDoc is what the resource's and the action's descriptions share;
// the long story is the release gate guide (templates/guides/release-gate.md.tmpl).
const approvalDoc = "A deploy job to a protected environment that requires approvals is blocked until enough approvers " +
	"approve its deployment; a rejection fails the job. Who may approve, separation of duties (a second, aliased " +
	"provider with the approver's token) and the refusals: [The release gate](../guides/release-gate.md)."

func (r *deploymentApprovalResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keepStr := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	computedStr := func(desc string) schema.Attribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc, PlanModifiers: keepStr}
	}
	target := func(desc string) schema.Attribute {
		return schema.Int64Attribute{Optional: true, Computed: true, MarkdownDescription: desc,
			Validators:    []validator.Int64{int64validator.AtLeast(1)},
			PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown(), int64planmodifier.RequiresReplaceIfConfigured()}}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Approves (or rejects) the deployment of a deploy job as the provider's token's user, once " +
			"per intent: the release gate of a protected environment, passed from Terraform. " + approvalDoc + " Applying " +
			"again sends nothing; a new `status`, `job_id` or `deployment_id` replaces the resource (see Across re-runs). " +
			"Destroying it only forgets it: an approval cannot be withdrawn.\n\n" +
			"Upstream API: [Approve or reject a blocked deployment](https://docs.gitlab.com/api/deployments/#approve-or-reject-a-blocked-deployment).",
		Attributes: map[string]schema.Attribute{
			"id":      idAttribute("`<project>:<deployment_id>`."),
			"project": resourceProjectAttribute(),
			"job_id": target("The deploy job whose deployment to approve (exactly one of `job_id` and `deployment_id`; " +
				"computed otherwise). Changing it replaces the resource."),
			"deployment_id": target("The deployment to approve (exactly one of `job_id` and `deployment_id`; computed " +
				"otherwise). Changing it replaces the resource."),
			"status": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(gitlabclient.ApprovalApproved),
				MarkdownDescription: "`approved` (the default) or `rejected` (which fails the deploy job). Changing it " +
					"sends the other decision (replaced).",
				Validators:    []validator.String{stringvalidator.OneOf(gitlabclient.ApprovalApproved, gitlabclient.ApprovalRejected)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
			"comment": schema.StringAttribute{Optional: true, MarkdownDescription: "A comment with the approval (at most " +
				"255 characters). GitLab keeps the first: a change after the approval is refused at plan time.",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 255)}},
			"represented_as": schema.StringAttribute{Optional: true, MarkdownDescription: "The approval rule to approve " +
				"for: a user's or group's name, or a role as GitLab describes it (`Maintainers`); by default the first that lets the user approve.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"timeouts": positiveTimeouts(timeouts.Attributes(ctx, timeouts.Opts{Create: true,
				CreateDescription: "How long the approval may take (default 5m)."})),
			"approver":               computedStr("The token's user, who gave the approval."),
			"approved_at":            computedStr("When GitLab recorded the approval (RFC 3339)."),
			"environment":            computedStr("The deployment's environment."),
			"deployment_status":      schema.StringAttribute{Computed: true, MarkdownDescription: "The deployment's status when last read (`blocked`, `running`, `success`, `failed`, ...)."},
			"pending_approval_count": schema.Int64Attribute{Computed: true, MarkdownDescription: "How many approvals the deployment still needed when last read."},
		},
	}
}

func (r *deploymentApprovalResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("job_id"), path.MatchRoot("deployment_id")),
	}
}

func (r *deploymentApprovalResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data, diags := configuredData(req.ProviderData, r.what)
	resp.Diagnostics.Append(diags...)
	if data != nil {
		r.data = data
	}
}

// approvalIntents are the intents a state or plan names: the approval of a
// deployment with a status, by its job and by its ID (either may be
// unknown, and the configuration names one). Like a job action's
// (intentKey), they leave the project out: job and deployment IDs are
// GitLab's global ones (ci_builds.id, deployments.id), and the operation
// resolves them within the plan's project, so a plan that writes the
// project as its numeric ID where the recorded state wrote its path (or the
// reverse) is the same intent.
func approvalIntents(what string, jobID, deploymentID types.Int64, status types.String) []string {
	var out []string
	for kind, id := range map[string]types.Int64{"job": jobID, "deployment": deploymentID} {
		if k := approvalIntent(what, kind, status, id); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// approvalIntent is the intent of approving with status the deployment
// whose kind ("job" or "deployment") has id, or "" when not known.
func approvalIntent(what, kind string, status types.String, id types.Int64) string {
	if status.IsUnknown() || status.IsNull() {
		return ""
	}
	return intentKey(what+"\x00"+kind+"\x00"+status.ValueString(), id)
}

func (r *deploymentApprovalResource) recorded(m deploymentApprovalModel) bool {
	for _, k := range approvalIntents(r.what, m.JobID, m.DeploymentID, m.Status) {
		if hasRecorded(r.data, k) {
			return true
		}
	}
	return false
}

func (r *deploymentApprovalResource) noteRecorded(ctx context.Context, state tfsdk.State) {
	if state.Raw.IsNull() {
		return
	}
	var m deploymentApprovalModel
	if state.Get(ctx, &m).HasError() {
		return
	}
	for _, k := range approvalIntents(r.what, m.JobID, m.DeploymentID, m.Status) {
		noteRecorded(r.data, k)
	}
}

func (m deploymentApprovalModel) input(project gitlabclient.Project) approvalInput {
	in := approvalInput{Project: project, Status: m.Status.ValueString(), Comment: m.Comment.ValueString(),
		RepresentedAs: m.RepresentedAs.ValueString()}
	if !m.JobID.IsUnknown() {
		in.JobID = m.JobID.ValueInt64()
	}
	if !m.DeploymentID.IsUnknown() {
		in.DeploymentID = m.DeploymentID.ValueInt64()
	}
	return in
}

// withRecord sets the input's records: this intent's as the plan names it
// (Recorded), and the resolved deployment's (RecordedDeployment: a plan
// that names the job where the state recorded only the deployment).
func (r *deploymentApprovalResource) withRecord(in approvalInput, m deploymentApprovalModel) approvalInput {
	in.Recorded = r.recorded(m)
	in.RecordedDeployment = func(id int64) bool {
		return hasRecorded(r.data, approvalIntent(r.what, "deployment", m.Status, types.Int64Value(id)))
	}
	return in
}

// ModifyPlan refuses a changed comment or represented_as of an approval
// given (GitLab keeps the first), and checks a create at plan time: the
// deployment must wait for approval, and the user must not have given it.
func (r *deploymentApprovalResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan deploymentApprovalModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !req.State.Raw.IsNull() {
		var state deploymentApprovalModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		imported := false
		if req.Private != nil {
			mark, _ := req.Private.GetKey(ctx, importedKey)
			imported = string(mark) == "true"
		}
		replaced := !plan.Status.Equal(state.Status) || plan.JobID.IsUnknown() || plan.DeploymentID.IsUnknown() ||
			!plan.JobID.Equal(state.JobID) || !plan.DeploymentID.Equal(state.DeploymentID)
		for name, pair := range map[string][2]types.String{"comment": {plan.Comment, state.Comment}, "represented_as": {plan.RepresentedAs, state.RepresentedAs}} {
			if !replaced && !imported && !pair[0].IsUnknown() && !pair[0].Equal(pair[1]) {
				resp.Diagnostics.AddAttributeError(path.Root(name), fmt.Sprintf("The %s of a given approval cannot change", name),
					fmt.Sprintf("Deployment %d was %s already, with the %s in the state. GitLab keeps one approval per user "+
						"and its first comment and rule: a new value would not be applied. Revert %s, or change status "+
						"to send the other decision.", state.DeploymentID.ValueInt64(), state.Status.ValueString(), name, name))
			}
		}
		return
	}
	if plan.Project.IsUnknown() || plan.Status.IsUnknown() || (plan.JobID.IsUnknown() && plan.DeploymentID.IsUnknown()) {
		return
	}
	if r.data == nil || r.data.client == nil || len(r.data.unknownConfig) > 0 {
		return
	}
	project, err := gitlabclient.ParseProject(plan.Project.ValueString())
	if err != nil {
		return
	}
	in := r.withRecord(plan.input(project), plan)
	resp.Diagnostics.Append(checkApprovalAtPlan(ctx, r.data.client, in)...)
}

func (r *deploymentApprovalResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan deploymentApprovalModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := r.data.clientForProject(r.what, plan.Project)
	resp.Diagnostics.Append(diags...)
	timeout, diags := plan.Timeouts.Create(ctx, defaultApprovalTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	in := r.withRecord(plan.input(project), plan)
	tflog.Debug(ctx, "deployment approval: create", map[string]any{"recorded": in.Recorded})
	out := approveDeployment(ctx, client, in)
	resp.Diagnostics.Append(out.Diags...)
	if out.Approval == nil && !out.Unknown {
		return // nothing was applied
	}
	// Given, adopted, or unknown (saved tainted with the deployment: the
	// next apply's refresh notes the record).
	plan.setDeployment(out.Deployment)
	plan.Approver = types.StringValue(out.User.Username)
	plan.ApprovedAt = types.StringNull()
	if out.Approval != nil {
		plan.ApprovedAt = timeValue(out.Approval.CreatedAt)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// defaultApprovalTimeout bounds the approval's create.
const defaultApprovalTimeout = 5 * time.Minute

func (m *deploymentApprovalModel) setDeployment(dep *gitlabclient.Deployment) {
	m.ID = types.StringValue(formatID(m.Project.ValueString(), dep.ID))
	m.DeploymentID = types.Int64Value(dep.ID)
	m.JobID = types.Int64Null()
	if dep.Deployable != nil {
		m.JobID = types.Int64Value(dep.Deployable.ID)
	}
	m.Environment = types.StringValue(environmentName(dep))
	m.DeploymentStatus = types.StringValue(dep.Status)
	m.PendingApprovalCount = types.Int64Value(dep.PendingApprovalCount())
}

// Read refreshes the deployment's status and pending count, and notes the
// record for a tainted resource's replacement. A deployment GitLab does not
// show (404, 403: gone, or a token without rights) never removes the
// resource: it keeps its last known attributes, with a warning.
func (r *deploymentApprovalResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r.noteRecorded(ctx, req.State)
	var state deploymentApprovalModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client, project, diags := r.data.clientForProject(r.what, state.Project)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	dep, err := client.GetDeployment(ctx, project.String(), state.DeploymentID.ValueInt64())
	if gitlabclient.IsNotFound(err) || gitlabclient.Forbidden(err) {
		resp.Diagnostics.AddWarning(fmt.Sprintf("GitLab deployment %d not readable: %s kept in the state", state.DeploymentID.ValueInt64(), r.what),
			fmt.Sprintf("Reading deployment %d of project %q failed: %s. GitLab answers so both when the deployment or "+
				"its project is gone and when the token may not see it; forgetting the approval could let a later apply "+
				"send it again, so the resource keeps its last known attributes. `terraform state rm` (or `tofu state "+
				"rm`) forgets it.", state.DeploymentID.ValueInt64(), project.String(), err))
		return
	}
	if err != nil {
		resp.Diagnostics.Append(deploymentReadError(path.Root("deployment_id"), project, state.DeploymentID.ValueInt64(), err)...)
		return
	}
	state.DeploymentStatus = types.StringValue(dep.Status)
	state.PendingApprovalCount = types.Int64Value(dep.PendingApprovalCount())
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update stores what does not send anything again: a respelled project,
// timeouts, and (right after an import) the configuration's comment and
// represented_as.
func (r *deploymentApprovalResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	// As the job action resources' (common_resource.go): a respelled project
	// must still hold the recorded job (job_id); the rest is stored.
	(&jobActionResource{data: r.data, what: r.what}).Update(ctx, req, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	// The deployment's status and pending count are unknown in the plan (they
	// change without Terraform): the state's, as last read, stand.
	var state deploymentApprovalModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("deployment_status"), state.DeploymentStatus)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("pending_approval_count"), state.PendingApprovalCount)...)
}

// Delete forgets the approval (it cannot be withdrawn), noting the record
// for a tainted resource's replacement.
func (r *deploymentApprovalResource) Delete(ctx context.Context, req resource.DeleteRequest, _ *resource.DeleteResponse) {
	r.noteRecorded(ctx, req.State)
}

// ImportState takes "<project>:<deployment_id>" of a deployment the token's
// user approved or rejected: that approval is recorded.
func (r *deploymentApprovalResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	const format = "<project>:<deployment_id>"
	project, ids, err := parseImportID(req.ID, "deployment_id")
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	client, diags := r.data.clientFor(r.what)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	dep, err := client.GetDeployment(ctx, project.String(), ids[0])
	if err != nil {
		resp.Diagnostics.Append(importError(req.ID, format, fmt.Sprintf("reading deployment %d failed: %s", ids[0], err),
			"check the project and the deployment ID, and that the token may read the project's deployments")...)
		return
	}
	user, err := client.CurrentUser(ctx)
	if err != nil {
		resp.Diagnostics.Append(importError(req.ID, format, fmt.Sprintf("reading the token's user failed: %s", err), "check the token")...)
		return
	}
	mine := dep.ApprovalBy(user.ID)
	if mine == nil {
		resp.Diagnostics.Append(importError(req.ID, format, fmt.Sprintf("deployment %d has no approval by %s, the token's user", dep.ID, user.Username),
			"import with the token of the user who approved it, or create the resource to approve it")...)
		return
	}
	m := deploymentApprovalModel{Project: types.StringValue(req.ID[:strings.Index(req.ID, ":")]),
		Status: types.StringValue(mine.Status), Comment: optionalString(mine.Comment), RepresentedAs: types.StringNull(),
		Approver: types.StringValue(user.Username), ApprovedAt: timeValue(mine.CreatedAt)}
	m.setDeployment(dep)
	m.Timeouts = timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{"create": types.StringType})}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	resp.Diagnostics.Append(markImported(ctx, resp.Private)...)
}
