package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// What the deployment data source, the deployment approval resource and
// action, and the play of a job waiting for approval share: finding a
// deployment (by ID, or a job's), describing its approvals and who still
// must approve, and the diagnostics of failed reads.

// resolveDeployment reads the deployment with deploymentID, or (when it is
// 0) the deployment of job jobID. Diagnostics name the attribute to fix.
func resolveDeployment(ctx context.Context, client *gitlabclient.Client, project gitlabclient.Project, jobID, deploymentID int64) (*gitlabclient.Deployment, diag.Diagnostics) {
	var diags diag.Diagnostics
	if deploymentID > 0 {
		d, err := client.GetDeployment(ctx, project.String(), deploymentID)
		if err != nil {
			return nil, deploymentReadError(path.Root("deployment_id"), project, deploymentID, err)
		}
		if jobID > 0 && (d.Deployable == nil || d.Deployable.ID != jobID) {
			diags.AddAttributeError(path.Root("job_id"), "The deployment is not the job's",
				fmt.Sprintf("Deployment %d of project %q is not the deployment of job %d. Set job_id or deployment_id, not both.",
					deploymentID, project.String(), jobID))
			return nil, diags
		}
		return d, diags
	}
	job, err := client.GetJob(ctx, project.String(), jobID)
	if err != nil {
		return nil, jobReadError(project, jobID, err)
	}
	return jobDeployment(ctx, client, project, job)
}

// jobDeployment is the deployment of job, with a diagnostic on job_id when
// it has none.
func jobDeployment(ctx context.Context, client *gitlabclient.Client, project gitlabclient.Project, job *gitlabclient.Job) (*gitlabclient.Deployment, diag.Diagnostics) {
	var diags diag.Diagnostics
	d, err := client.JobDeployment(ctx, project.String(), job)
	switch {
	case errors.Is(err, gitlabclient.ErrNoDeployment):
		diags.AddAttributeError(path.Root("job_id"), fmt.Sprintf("Job %d has no deployment", job.ID),
			fmt.Sprintf("Job %d (%q) of project %q has no deployment: GitLab creates one only for a job with "+
				"environment: whose action is start (the default). Point job_id at the deploy job, or set deployment_id.",
				job.ID, job.Name, project.String()))
		return nil, diags
	case err != nil:
		return nil, deploymentsListError(project, job.ID, err)
	}
	return d, diags
}

// deploymentReadError is a failed read of deployment id; at is the
// attribute that named it (deployment_id, or job_id for a job's deployment).
func deploymentReadError(at path.Path, project gitlabclient.Project, id int64, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	switch {
	case gitlabclient.IsNotFound(err):
		diags.AddAttributeError(at, "GitLab deployment not found",
			fmt.Sprintf("Deployment %d was not found in project %q (%s). Check %s and project: the token "+
				"must be able to see the project (GitLab answers 404 for projects the token cannot access).", id, project.String(), err, at))
	case gitlabclient.StatusCode(err) == 403:
		diags.AddAttributeError(path.Root("project"), "Not allowed to read the deployment",
			fmt.Sprintf("GitLab refused to show deployment %d of project %q (%s). Reading deployments needs at least "+
				"the Reporter role and a token with the api or read_api scope.", id, project.String(), err))
	default:
		diags.AddError("Could not read the GitLab deployment",
			fmt.Sprintf("Reading deployment %d of project %q failed: %s", id, project.String(), err))
	}
	return diags
}

func deploymentsListError(project gitlabclient.Project, jobID int64, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	detail := fmt.Sprintf("Finding the deployment of job %d in project %q failed: %s.", jobID, project.String(), err)
	if gitlabclient.StatusCode(err) == 403 {
		detail += " Reading deployments needs at least the Reporter role and a token with the api or read_api scope."
	}
	diags.AddError("Could not read the job's deployment", detail)
	return diags
}

// approvalModel is an approval of a deployment.
type approvalModel struct {
	UserID    types.Int64  `tfsdk:"user_id"`
	Username  types.String `tfsdk:"username"`
	Status    types.String `tfsdk:"status"`
	Comment   types.String `tfsdk:"comment"`
	CreatedAt types.String `tfsdk:"created_at"`
}

func newApprovalModels(list []gitlabclient.DeploymentApproval) []approvalModel {
	out := []approvalModel{}
	for _, a := range list {
		m := approvalModel{Status: types.StringValue(a.Status), Comment: optionalString(a.Comment), CreatedAt: timeValue(a.CreatedAt),
			UserID: types.Int64Null(), Username: types.StringNull()}
		if a.User != nil {
			m.UserID, m.Username = types.Int64Value(a.User.ID), types.StringValue(a.User.Username)
		}
		out = append(out, m)
	}
	return out
}

// approvalRuleModel is a rule of the deployment's approval summary.
type approvalRuleModel struct {
	ID                types.Int64  `tfsdk:"id"`
	Approver          types.String `tfsdk:"approver"`
	UserID            types.Int64  `tfsdk:"user_id"`
	GroupID           types.Int64  `tfsdk:"group_id"`
	AccessLevel       types.Int64  `tfsdk:"access_level"`
	RequiredApprovals types.Int64  `tfsdk:"required_approvals"`
	Approved          types.Int64  `tfsdk:"approved"`
}

func newApprovalRuleModels(s *gitlabclient.ApprovalSummary) []approvalRuleModel {
	out := []approvalRuleModel{}
	if s == nil {
		return out
	}
	for _, r := range s.Rules {
		m := approvalRuleModel{ID: types.Int64Value(r.ID), Approver: types.StringValue(r.AccessLevelDescription),
			UserID: types.Int64PointerValue(r.UserID), GroupID: types.Int64PointerValue(r.GroupID), AccessLevel: types.Int64Null(),
			RequiredApprovals: types.Int64Value(r.RequiredApprovals), Approved: types.Int64Value(r.Approved())}
		if r.AccessLevel != nil {
			m.AccessLevel = types.Int64Value(int64(*r.AccessLevel))
		}
		out = append(out, m)
	}
	return out
}

// waitingFor names who must still approve the deployment: each approval
// rule that still needs approvals ("Release Manager (1 more)"), or, for the
// unified required_approval_count, the users who may deploy to the
// environment. Empty when no approval is pending.
func waitingFor(d *gitlabclient.Deployment) []string {
	out := []string{}
	if d.PendingApprovalCount() <= 0 {
		return out
	}
	for _, r := range d.Summary.Unmet() {
		out = append(out, fmt.Sprintf("%s (%d more)", r.AccessLevelDescription, r.RequiredApprovals-r.Approved()))
	}
	if len(out) == 0 {
		env := "the environment"
		if d.Environment != nil {
			env = fmt.Sprintf("%q", d.Environment.Name)
		}
		out = append(out, fmt.Sprintf("%d more from users allowed to deploy to %s", d.PendingApprovalCount(), env))
	}
	return out
}

// approvalProgress is a deployment's approvals in a few words: "1 of 2
// approvals; waiting for: Release Managers (1 more)".
func approvalProgress(d *gitlabclient.Deployment) string {
	var approved int64
	for _, a := range d.Approvals {
		if a.Status == gitlabclient.ApprovalApproved {
			approved++
		}
	}
	s := fmt.Sprintf("%d of %d approvals", approved, approved+d.PendingApprovalCount())
	if w := waitingFor(d); len(w) > 0 {
		s += "; waiting for: " + strings.Join(w, ", ")
	}
	return s
}

// environmentName is the deployment's environment's name, or "".
func environmentName(d *gitlabclient.Deployment) string {
	if d.Environment == nil {
		return ""
	}
	return d.Environment.Name
}
