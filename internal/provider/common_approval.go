package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The approval of a deployment (approve or reject), once per intent: the
// operation the gitlabjobs_deployment_approval resource and action share.
//
// What is provable. GitLab keeps one approval per user and rule
// (Deployments::ApprovalService#upsert_approval) and no API removes one, so
// the deployment's approvals show whether the token's user approved (or
// rejected) it; they do not show through which request. Hence:
//   - no approval by the user: nothing of this intent was applied; the POST
//     is sent (the client sends it at most once per proof it was not
//     applied: gitlabclient/deployments.go);
//   - an approval by the user with the intended status, and this resource's
//     state recorded an attempt of this very intent (a tainted resource
//     after a timeout, Ctrl-C or a lost answer: its Read at plan and its
//     Delete at apply note it, as for a play): it is this intent's own,
//     adopted without a POST;
//   - the same without such a record (a new resource, a lost state, an
//     approval given by hand): refused as "already approved", naming
//     import. Sending it again would change nothing in GitLab, but
//     claiming it as this resource's would be a false success;
//   - an approval by the user with the other status where this intent was
//     recorded: the user changed it since; not sent again (forgetting is
//     safer than repeating), an error says so. Without a record, the POST
//     is the user's new decision (GitLab replaces the status: a rejection
//     fails the job).

// approvalInput is what to approve and how.
type approvalInput struct {
	Project       gitlabclient.Project
	JobID         int64 // the deploy job, or 0
	DeploymentID  int64 // the deployment, or 0 (then JobID's)
	Status        string
	Comment       string
	RepresentedAs string
	// Recorded: a state of this intent recorded an attempt (see above).
	Recorded bool
	// RecordedDeployment, when set, tells whether a state recorded an
	// attempt on the resolved deployment with Status (named by its ID where
	// the plan names its job): then Recorded.
	RecordedDeployment func(deploymentID int64) bool
}

// resolved is in once its deployment is known: Recorded by the
// deployment's record too.
func (in approvalInput) resolved(dep *gitlabclient.Deployment) approvalInput {
	if !in.Recorded && in.RecordedDeployment != nil && in.RecordedDeployment(dep.ID) {
		in.Recorded = true
	}
	return in
}

// approvalOutput is the deployment as read before the POST (when found),
// the approval (when given or adopted), and the token's user.
type approvalOutput struct {
	Deployment *gitlabclient.Deployment
	Approval   *gitlabclient.DeploymentApproval
	User       *gitlabclient.CurrentUser
	// Unknown: the POST may or may not have been applied; the resource keeps
	// the deployment, tainted, so that the next apply has the record.
	Unknown bool
	Diags   diag.Diagnostics
}

func approvalVerb(status string) string {
	if status == gitlabclient.ApprovalRejected {
		return "reject"
	}
	return "approve"
}

// approveDeployment is the operation (see the top of this file).
func approveDeployment(ctx context.Context, client *gitlabclient.Client, in approvalInput) approvalOutput {
	var out approvalOutput
	dep, diags := resolveDeployment(ctx, client, in.Project, in.JobID, in.DeploymentID)
	out.Diags.Append(diags...)
	if dep == nil {
		return out
	}
	out.Deployment = dep
	in = in.resolved(dep)
	user, err := client.CurrentUser(ctx)
	if err != nil {
		out.Diags.AddError("Could not read the token's user",
			fmt.Sprintf("GET /user failed: %s. The provider needs the token's user to tell its approval of deployment %d "+
				"from others'. Nothing was sent.", err, dep.ID))
		return out
	}
	out.User = user
	d, decided := decideApproval(in, dep, user)
	if decided {
		out.Approval = d.approval
		out.Diags.Append(d.diags...)
		return out
	}
	a, err := client.ApproveDeployment(ctx, in.Project.String(), dep.ID, gitlabclient.ApprovalRequest{
		Status: in.Status, Comment: in.Comment, RepresentedAs: in.RepresentedAs}, user.ID)
	var unknown *gitlabclient.ApprovalUnknownError
	switch {
	case errors.As(err, &unknown):
		out.Unknown = true
		out.Diags.AddError(fmt.Sprintf("The %s of deployment %d may or may not have been applied", approvalNoun(in.Status), dep.ID),
			fmt.Sprintf("%s. Nothing more is sent. The next apply looks at the deployment's approvals: an approval by %s "+
				"with status %q is this apply's and is recorded without sending it again; none, and it is sent once.",
				err, user.Username, in.Status))
		return out
	case err != nil:
		if a, now := landedLate(ctx, client, in, dep.ID, user); a != nil {
			out.Approval, out.Deployment = a, now
			out.Diags.AddWarning(fmt.Sprintf("Deployment %d was %s by an earlier attempt: recorded, not sent again", dep.ID, a.Status),
				fmt.Sprintf("GitLab refused this apply's %s (%s), but the deployment now shows %s's %s approval: the "+
					"request of the earlier, interrupted apply of this resource was still under way in GitLab and was "+
					"applied after this apply read the deployment. It is recorded.", approvalNoun(in.Status), err,
					user.Username, a.Status))
			return out
		}
		out.Diags.Append(approvalRefusal(in, dep, user, err)...)
		return out
	}
	tflog.Info(ctx, fmt.Sprintf("deployment %d: %s by %s", dep.ID, a.Status, user.Username),
		map[string]any{"deployment_id": dep.ID, "status": a.Status})
	out.Approval = a
	// The deployment as GitLab shows it now (its pending count); the one
	// read before stands in when it cannot be read.
	if now, err := client.GetDeployment(ctx, in.Project.String(), dep.ID); err == nil {
		out.Deployment = now
	}
	return out
}

// landedLate is the user's approval with the intended status on the
// deployment re-read after GitLab refused the POST, when this intent's
// state recorded an earlier attempt: that attempt's request, still under
// way in GitLab when this apply read the deployment (a Ctrl-C or a
// timeout), was applied since (and GitLab refused the repeat as "not
// waiting for approvals"); with the deployment as re-read. Otherwise, or
// when the re-read fails, nil.
func landedLate(ctx context.Context, client *gitlabclient.Client, in approvalInput, id int64,
	user *gitlabclient.CurrentUser) (*gitlabclient.DeploymentApproval, *gitlabclient.Deployment) {
	if !in.Recorded {
		return nil, nil
	}
	now, err := client.GetDeployment(ctx, in.Project.String(), id)
	if err != nil {
		return nil, nil
	}
	if a := now.ApprovalBy(user.ID); a != nil && a.Status == in.Status {
		return a, now
	}
	return nil, nil
}

type approvalDecision struct {
	approval *gitlabclient.DeploymentApproval
	diags    diag.Diagnostics
}

// decideApproval settles the intent without a POST when the deployment
// already shows the user's approval (see the top of this file); decided is
// false when the POST is to be sent.
func decideApproval(in approvalInput, dep *gitlabclient.Deployment, user *gitlabclient.CurrentUser) (approvalDecision, bool) {
	var d approvalDecision
	mine := dep.ApprovalBy(user.ID)
	switch {
	case mine == nil:
		return d, false
	case mine.Status == in.Status && in.Recorded:
		d.approval = mine
		d.diags.AddWarning(fmt.Sprintf("Deployment %d was %s before: recorded, not sent again", dep.ID, mine.Status),
			fmt.Sprintf("An earlier apply of this resource sent the %s of deployment %d and did not learn the outcome; "+
				"the deployment shows %s's %s approval, so it was applied. It is recorded without sending it again.",
				approvalNoun(in.Status), dep.ID, user.Username, mine.Status))
		return d, true
	case mine.Status == in.Status:
		d.diags.AddAttributeError(path.Root("status"), fmt.Sprintf("Deployment %d is already %s by %s", dep.ID, mine.Status, user.Username),
			fmt.Sprintf("%s %s deployment %d (%s) %s. GitLab keeps one approval per user, so there is nothing to send, "+
				"and this configuration did not record that approval: it may have been given by hand. Nothing was sent. "+
				"To manage it with Terraform, import it (terraform import or tofu import with %q); otherwise remove "+
				"this resource.", user.Username, mine.Status, dep.ID, environmentName(dep), approvedAt(mine),
				formatID(in.Project.String(), dep.ID)))
		return d, true
	case in.Recorded:
		d.diags.AddAttributeError(path.Root("status"), fmt.Sprintf("Deployment %d was %s by %s since", dep.ID, mine.Status, user.Username),
			fmt.Sprintf("An earlier apply of this resource sent the %s of deployment %d and did not learn the outcome; the "+
				"deployment now shows %s's approval with status %q: the user changed it since (or the earlier request "+
				"was not applied and the user decided otherwise). Nothing was sent: forgetting is safer than repeating. "+
				"Check the deployment in GitLab; set status = %q to record it, or remove this resource.",
				approvalNoun(in.Status), dep.ID, user.Username, mine.Status, mine.Status))
		return d, true
	}
	return d, false // the user's new decision replaces the earlier one
}

func approvedAt(a *gitlabclient.DeploymentApproval) string {
	if a.CreatedAt == nil {
		return ""
	}
	return "at " + a.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")
}

func approvalNoun(status string) string {
	if status == gitlabclient.ApprovalRejected {
		return "rejection"
	}
	return "approval"
}

// approvalRefusal explains GitLab's refusal of the approval POST
// (Deployments::ApprovalService's messages, ee/lib/ee/api/deployments.rb):
// the guard, and the fix. Nothing was applied.
func approvalRefusal(in approvalInput, dep *gitlabclient.Deployment, user *gitlabclient.CurrentUser, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	msg := err.Error()
	env := environmentName(dep)
	summary := fmt.Sprintf("GitLab refused to %s deployment %d", approvalVerb(in.Status), dep.ID)
	lead := fmt.Sprintf("GitLab refused the %s of deployment %d (environment %q) by %s: %s. Nothing was applied.",
		approvalNoun(in.Status), dep.ID, env, user.Username, err)
	approvers := "the approval rules name no one still needed"
	if w := waitingFor(dep); len(w) > 0 {
		approvers = "still needed: " + strings.Join(w, ", ")
	}
	switch {
	case strings.Contains(msg, "You cannot approve your own deployment"):
		who := "the token's user"
		if dep.User != nil {
			who = dep.User.Username
		}
		diags.AddAttributeError(path.Root("status"), summary+": own deployment",
			fmt.Sprintf("%s %s triggered this deployment (its pipeline, or the retry of its job), and GitLab does not let "+
				"the deployer approve their own deployment unless the project allows it "+
				"(allow_pipeline_trigger_approve_deployment: Settings > CI/CD > Protected environments > \"Allow pipeline "+
				"triggerer to approve deployment\"). Separation of duties: approve with another approver's token (a second, "+
				"aliased provider configured with it; %s), or ask a Maintainer to allow it.", lead, who, approvers))
	case strings.Contains(msg, "You don't have permission to approve"):
		diags.AddAttributeError(path.Root("status"), summary+": not an approver",
			fmt.Sprintf("%s No approval rule of %q lets %s approve (%s), or the user may not deploy to it. Use the token "+
				"of a user a rule names (a second, aliased provider), or ask a Maintainer to add the user to the "+
				"environment's approval rules (Settings > CI/CD > Protected environments).", lead, env, user.Username, approvers))
	case strings.Contains(msg, "not waiting for approvals"):
		diags.AddAttributeError(path.Root("status"), summary+": not waiting for approval",
			fmt.Sprintf("%s The deployment is %s with no approval pending: it was approved by enough approvers (or "+
				"rejected) already, or it ran. Nothing is left to %s; remove this resource or point it at a deployment that "+
				"waits for approval.", lead, dep.Status, approvalVerb(in.Status)))
	case strings.Contains(msg, "This environment is not protected") || strings.Contains(msg, "Deployment approvals is not configured"):
		diags.AddAttributeError(path.Root("status"), summary+": not blocked",
			fmt.Sprintf("%s Environment %q requires no approval (it is not protected, or its protection has no approval "+
				"rules and no required approval count), so its deployments are never blocked for approval: play the "+
				"deploy job instead (gitlabjobs_job_play), or ask a Maintainer to require approvals.", lead, env))
	case strings.Contains(msg, "represent_as"):
		diags.AddAttributeError(path.Root("represented_as"), summary+": unknown represented_as",
			fmt.Sprintf("%s represented_as %q names none of the environment's approval rules that %s may approve for. Set "+
				"it to a rule's approver as GitLab names it (a user's or group's name, or a role such as "+
				"\"Maintainers\"), or remove it. The rules: %s.", lead, in.RepresentedAs, user.Username, ruleNames(dep)))
	case strings.Contains(msg, "Comment is too long"):
		diags.AddAttributeError(path.Root("comment"), summary+": comment too long",
			lead+" GitLab takes comments of at most 255 characters: shorten comment.")
	case gitlabclient.Forbidden(err) || gitlabclient.IsNotFound(err):
		diags.AddError(summary, fmt.Sprintf("%s Approving needs at least the Reporter role in the project and a token "+
			"with the api scope; approvals are a GitLab Premium and Ultimate feature.", lead))
	default:
		diags.AddError(summary, lead)
	}
	return diags
}

func ruleNames(dep *gitlabclient.Deployment) string {
	if dep.Summary == nil || len(dep.Summary.Rules) == 0 {
		return "none"
	}
	var names []string
	for _, r := range dep.Summary.Rules {
		names = append(names, fmt.Sprintf("%q", r.AccessLevelDescription))
	}
	return strings.Join(names, ", ")
}

// checkApprovalAtPlan is the plan-time check of an approval: the
// deployment must wait for approval, and the token's user must not have
// given this approval already (unless this intent recorded it).
func checkApprovalAtPlan(ctx context.Context, client *gitlabclient.Client, in approvalInput) diag.Diagnostics {
	var diags diag.Diagnostics
	dep, d := resolveDeployment(ctx, client, in.Project, in.JobID, in.DeploymentID)
	if d.HasError() {
		return d
	}
	in = in.resolved(dep)
	user, err := client.CurrentUser(ctx)
	if err != nil {
		tflog.Warn(ctx, "could not read the token's user at plan time; the apply checks again", map[string]any{"error": err.Error()})
		return diags
	}
	if dd, decided := decideApproval(in, dep, user); decided {
		return dd.diags
	}
	if !dep.WaitingForApproval() && dep.ApprovalBy(user.ID) == nil {
		diags.AddAttributeError(path.Root("status"), fmt.Sprintf("Deployment %d does not wait for approval", dep.ID),
			fmt.Sprintf("Deployment %d (environment %q, job %s) is %s with %d approvals pending: GitLab would refuse the %s "+
				"(\"This deployment is not waiting for approvals.\", or the environment requires none). Point the "+
				"resource at a deployment that waits for approval.", dep.ID, environmentName(dep), deployableName(dep),
				dep.Status, dep.PendingApprovalCount(), approvalNoun(in.Status)))
	}
	return diags
}

func deployableName(dep *gitlabclient.Deployment) string {
	if dep.Deployable == nil {
		return "unknown"
	}
	return fmt.Sprintf("%d %q", dep.Deployable.ID, dep.Deployable.Name)
}
