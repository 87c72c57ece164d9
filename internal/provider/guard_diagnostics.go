package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// Diagnostics for production GitLab's guards: a protected branch or tag
// (Ci::BuildPolicy's protected_ref, Chain::Validate::Abilities), a protected
// environment (EE::Ci::DeployablePolicy) and a resource group a job waits
// for. After GitLab refused an action, the provider reads (never acts
// again) the project's protected refs and environments to name the guard,
// who may pass it and the fix; a token that may not read them (they need
// the Maintainer role) gets the guards that may apply and where to look.

// guardedActionError is actionError for a refused play, retry, cancel or
// erase of job, with the guard that refused it named when GitLab's 403
// came from one.
func guardedActionError(ctx context.Context, client *gitlabclient.Client, action string, project gitlabclient.Project,
	job *gitlabclient.Job, err error) diag.Diagnostics {
	diags := actionError(action, project, job.ID, err)
	if client == nil || !gitlabclient.Forbidden(err) || len(diags) == 0 {
		return diags // nothing to read the guards with (a unit test's nil client), or not a refusal of theirs
	}
	guard := explainJobGuards(ctx, client, project, job, action)
	if guard == "" {
		return diags
	}
	return diag.Diagnostics{diag.NewAttributeErrorDiagnostic(path.Root("job_id"), diags[0].Summary(),
		diags[0].Detail()+"\n\n"+guard)}
}

// refKind is "branch" or "tag".
func refKind(tag bool) string {
	if tag {
		return "tag"
	}
	return "branch"
}

// explainJobGuards names the guards that keep the token's user from acting
// on job: the protected branch or tag of its ref, else the project's
// protected environments. "" when it can tell nothing.
func explainJobGuards(ctx context.Context, client *gitlabclient.Client, project gitlabclient.Project,
	job *gitlabclient.Job, action string) string {
	refDetail, readable := explainProtectedRef(ctx, client, project, job.Ref, job.Tag,
		fmt.Sprintf("GitLab lets only those who may update the %s %q %s its jobs", refKind(job.Tag), job.Ref, action))
	if refDetail != "" && readable {
		return refDetail
	}
	envs, err := client.ProtectedEnvironments(ctx, project.String())
	switch {
	case err != nil && gitlabclient.StatusCode(err) == 403:
		return fmt.Sprintf("Job %d runs on the %s %q. GitLab refuses the %s of a job of a protected branch or tag to "+
			"whoever may not push or merge to it (or create the tag), and of a job that deploys to a protected environment "+
			"to whoever may not deploy to it. The token's user may not read the project's protected branches, tags and "+
			"environments (that needs the Maintainer role), so the provider cannot tell which guard applies. Fix: ask a "+
			"Maintainer of project %q to check Settings > Repository > Protected branches (or tags) for %q and Settings > "+
			"CI/CD > Protected environments, and to allow the token's user (or use a token of a user who is allowed).",
			job.ID, refKind(job.Tag), job.Ref, action, project.String(), job.Ref)
	case err != nil:
		tflog.Warn(ctx, "could not read the protected environments to explain a refusal", map[string]any{"error": err.Error()})
		return refDetail
	case len(envs) == 0:
		return refDetail
	}
	var names []string
	var levels [][]gitlabclient.AccessLevel
	for _, e := range envs {
		names = append(names, fmt.Sprintf("%q (deployers: %s)", e.Name, describeAccess(e.DeployAccessLevels)))
		levels = append(levels, e.DeployAccessLevels)
	}
	viaGroup := ""
	if groups := accessGroups(levels...); groups != "" {
		// ProtectedEnvironments::Authorizable#check_access: a group's direct
		// members, its inherited members too with group_inheritance_type 1.
		viaGroup = fmt.Sprintf(", make the user a member of a deployer group (%s; a direct member, unless the "+
			"access level's group_inheritance_type is 1, which counts the members of its parent groups too)", groups)
	}
	return fmt.Sprintf("The %s %q of job %d is not protected, but the project protects the environments %s: if job %d "+
		"deploys to one of them, only its deployers may %s it. Fix: add the token's user to the environment's deployers "+
		"(Settings > CI/CD > Protected environments, or the Protected environments API's deploy_access_levels)%s, or use "+
		"the token of a deployer.", refKind(job.Tag), job.Ref, job.ID, strings.Join(names, ", "), job.ID, action, viaGroup)
}

// accessGroups names the groups among access levels ("" without any).
func accessGroups(levels ...[]gitlabclient.AccessLevel) string {
	var names []string
	for _, list := range levels {
		for _, a := range list {
			switch {
			case a.GroupID != nil && a.AccessLevelDescription != "":
				names = append(names, fmt.Sprintf("%s, ID %d", a.AccessLevelDescription, *a.GroupID))
			case a.GroupID != nil:
				names = append(names, fmt.Sprintf("ID %d", *a.GroupID))
			}
		}
	}
	return strings.Join(names, "; ")
}

// explainProtectedRef describes the protected branch or tag rules matching
// ref, opening with lead; readable is false when the token may not read
// them (the detail then says so).
func explainProtectedRef(ctx context.Context, client *gitlabclient.Client, project gitlabclient.Project, ref string, tag bool,
	lead string) (detail string, readable bool) {
	var rules []gitlabclient.ProtectedRef
	var err error
	if tag {
		rules, err = client.ProtectedTags(ctx, project.String())
	} else {
		rules, err = client.ProtectedBranches(ctx, project.String())
	}
	if err != nil {
		if gitlabclient.StatusCode(err) != 403 {
			tflog.Warn(ctx, "could not read the protected refs to explain a refusal", map[string]any{"error": err.Error()})
		}
		return "", false
	}
	var parts []string
	var levels [][]gitlabclient.AccessLevel
	for _, r := range rules {
		if !r.Matches(ref) {
			continue
		}
		levels = append(levels, r.PushAccessLevels, r.MergeAccessLevels, r.CreateAccessLevels)
		if tag {
			parts = append(parts, fmt.Sprintf("protected tag %q (allowed to create: %s)", r.Name, describeAccess(r.CreateAccessLevels)))
		} else {
			parts = append(parts, fmt.Sprintf("protected branch %q (allowed to push: %s; allowed to merge: %s)", r.Name,
				describeAccess(r.PushAccessLevels), describeAccess(r.MergeAccessLevels)))
		}
	}
	if len(parts) == 0 {
		return "", true
	}
	where := "Settings > Repository > Protected branches, or the Protected branches API's allowed_to_push and allowed_to_merge"
	if tag {
		where = "Settings > Repository > Protected tags, or the Protected tags API's allowed_to_create"
	}
	viaGroup := ""
	if groups := accessGroups(levels...); groups != "" {
		// EE::ProtectedRefAccess#check_access: group.users, the group's direct members.
		viaGroup = fmt.Sprintf(", make the user a direct member of an allowed group (%s)", groups)
	}
	return fmt.Sprintf("%s: it is guarded by the %s. Fix: give the token's user a role these allow in the project "+
		"(Maintainers pass the default rule), allow the user in the rule (%s)%s, or run from a %s that is not protected.",
		lead, strings.Join(parts, " and the "), where, viaGroup, refKind(tag)), true
}

// describeAccess lists access levels as GitLab describes them.
func describeAccess(levels []gitlabclient.AccessLevel) string {
	var out []string
	for _, a := range levels {
		switch {
		case a.AccessLevelDescription != "" && a.UserID != nil:
			out = append(out, fmt.Sprintf("user %s (ID %d)", a.AccessLevelDescription, *a.UserID))
		case a.AccessLevelDescription != "" && a.GroupID != nil:
			out = append(out, fmt.Sprintf("group %s (ID %d)", a.AccessLevelDescription, *a.GroupID))
		case a.AccessLevelDescription != "":
			out = append(out, a.AccessLevelDescription)
		case a.AccessLevel != nil:
			out = append(out, roleOfLevel(*a.AccessLevel))
		case a.UserID != nil:
			out = append(out, fmt.Sprintf("user ID %d", *a.UserID))
		case a.GroupID != nil:
			out = append(out, fmt.Sprintf("group ID %d", *a.GroupID))
		}
	}
	if len(out) == 0 {
		return "no one"
	}
	return strings.Join(out, ", ")
}

// roleOfLevel names an access level without a description.
func roleOfLevel(level int) string {
	switch level {
	case 0:
		return "No one"
	case 20:
		return "Reporters and above"
	case 30:
		return "Developers + Maintainers"
	case 40:
		return "Maintainers"
	case 60:
		return "Administrators"
	}
	return fmt.Sprintf("access level %d", level)
}

// pipelineRefRefusal is the start of Chain::Validate::Abilities' refusal of
// a pipeline on a protected ref the user may not update.
const pipelineRefRefusal = "You do not have sufficient permission to run a pipeline on"

// pipelineGuardDetail explains GitLab's refusal of a pipeline for ref by
// a protected branch or tag ("" when the refusal is another one).
func pipelineGuardDetail(ctx context.Context, client *gitlabclient.Client, project gitlabclient.Project, ref string, err error) string {
	if err == nil || !strings.Contains(err.Error(), pipelineRefRefusal) {
		return ""
	}
	name := strings.TrimPrefix(strings.TrimPrefix(ref, "refs/heads/"), "refs/tags/")
	lead := fmt.Sprintf("GitLab runs a pipeline on a protected branch or tag only for those who may update it, and %q is protected", name)
	for _, tag := range []bool{false, true} {
		if detail, _ := explainProtectedRef(ctx, client, project, name, tag, lead); detail != "" {
			return detail
		}
	}
	return fmt.Sprintf("%s. The token's user may not read the project's protected branches and tags (that needs the "+
		"Maintainer role). Fix: ask a Maintainer of project %q to allow the token's user to push or merge to %q "+
		"(Settings > Repository > Protected branches or tags), use the token of a user who may, or run the pipeline "+
		"on a ref that is not protected.", lead, project.String(), name)
}

// resourceWait describes what a job in waiting_for_resource waits for: the
// resource group whose upcoming jobs hold it and the job holding the group
// (GET /projects/:id/resource_groups, .../upcoming_jobs, .../current_job).
// "" when it cannot tell (the reads need the Developer role).
func resourceWait(ctx context.Context, client *gitlabclient.Client, project gitlabclient.Project, job *gitlabclient.Job) string {
	groups, err := client.ResourceGroups(ctx, project.String())
	if err != nil {
		tflog.Debug(ctx, "could not read the resource groups", map[string]any{"error": err.Error()})
		return ""
	}
	for _, g := range groups {
		upcoming, err := client.ResourceGroupUpcomingJobs(ctx, project.String(), g.Key)
		if err != nil {
			continue
		}
		place := -1
		for i, u := range upcoming {
			if u.ID == job.ID {
				place = i
				break
			}
		}
		if place < 0 {
			continue
		}
		holder, err := client.ResourceGroupCurrentJob(ctx, project.String(), g.Key)
		msg := fmt.Sprintf("job %d waits for the resource group %q (process mode %s; %d of %d upcoming jobs)",
			job.ID, g.Key, g.ProcessMode, place+1, len(upcoming))
		if err == nil && holder != nil {
			msg += fmt.Sprintf(", held by job %d (%s, %s, pipeline %s)", holder.ID, holder.Name, holder.Status, pipelineIDOf(holder))
		}
		return msg
	}
	return ""
}

func pipelineIDOf(j *gitlabclient.Job) string {
	if j.Pipeline == nil {
		return "unknown"
	}
	return fmt.Sprint(j.Pipeline.ID)
}
