package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The same project can be written in several ways: a numeric ID ("42"), a
// full path ("group/sub/app"), the path URL-encoded ("group%2Fsub%2Fapp"),
// or in another letter case ("Group/Sub/App"): GitLab resolves all of them
// to one project (Project.find_by_full_path is case-insensitive, and old
// paths of a renamed or moved project redirect to it). A job action
// resource must not be replaced (and so act again) because its project was
// respelled: the job it recorded is the same job.

// projectRelation is what two spellings of a project say about each other.
type projectRelation int

const (
	// projectsSame: the same project, whatever GitLab holds (same ID, or
	// paths equal but for URL encoding and letter case).
	projectsSame projectRelation = iota
	// projectsDifferent: certainly two projects (two different IDs), or a
	// spelling that is not a project at all.
	projectsDifferent
	// projectsUndecided: only GitLab can tell (an ID and a path, or two
	// paths, one of which may be a renamed or moved project's old path).
	projectsUndecided
)

func (r projectRelation) String() string {
	switch r {
	case projectsSame:
		return "same"
	case projectsDifferent:
		return "different"
	default:
		return "undecided"
	}
}

// canonicalProject is the canonical text of a project as GitLab compares
// it: "id:42", or "path:" and the decoded path in lower case. ok is false
// when s is not a valid project.
func canonicalProject(s string) (key string, ok bool) {
	p, err := gitlabclient.ParseProject(strings.TrimSpace(s))
	if err != nil {
		return "", false
	}
	if p.Path != "" {
		return "path:" + strings.ToLower(p.Path), true
	}
	return "id:" + p.String(), true
}

// compareProjects tells, from their text alone, whether a and b name the
// same GitLab project.
func compareProjects(a, b string) projectRelation {
	ka, okA := canonicalProject(a)
	kb, okB := canonicalProject(b)
	switch {
	case !okA || !okB:
		if a == b {
			return projectsSame
		}
		return projectsDifferent
	case ka == kb:
		return projectsSame
	case strings.HasPrefix(ka, "id:") && strings.HasPrefix(kb, "id:"):
		return projectsDifferent
	default:
		return projectsUndecided
	}
}

// sameProjectPlanModifier is the plan modifier of a job action resource's
// project: a change requires replacing the resource (acting again) only
// when it names another project.
//
// An attribute plan modifier gets no provider client (the schema is built
// once, on a resource that is never configured), so it decides from the
// text, and from job_id: GitLab job IDs are unique across an instance, so
// when job_id is unchanged, a project that holds the recorded job is the
// recorded project, and a project that does not can never be acted on with
// that job_id anyway. When the text cannot decide (an ID and a path, two
// paths, or a value known only at apply) and job_id is unchanged, the
// resource is kept (an in-place update that only stores the new spelling)
// with a warning, and the apply checks with GitLab that the new spelling
// holds the recorded job (checkProjectChange): never acting again is the
// safer way when unsure.
//
// With noJobID (gitlabjobs_pipeline_run, which names no job of its own) only
// a textual respelling is kept in place; any other change replaces the
// resource, whose create then finds the pipeline it ran before by its
// marker variable instead of running another one.
type sameProjectPlanModifier struct{ noJobID bool }

var _ planmodifier.String = sameProjectPlanModifier{}

func (m sameProjectPlanModifier) Description(context.Context) string {
	return "Requires replacement only when the new value names another project than the old one."
}

func (m sameProjectPlanModifier) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (m sameProjectPlanModifier) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || req.PlanValue.Equal(req.StateValue) {
		return // created, destroyed, or unchanged
	}
	if m.noJobID {
		if req.PlanValue.IsUnknown() || req.PlanValue.IsNull() ||
			compareProjects(req.StateValue.ValueString(), req.PlanValue.ValueString()) != projectsSame {
			resp.RequiresReplace = true
		}
		return
	}
	var stateJob, planJob types.Int64
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("job_id"), &stateJob)...)
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("job_id"), &planJob)...)
	if resp.Diagnostics.HasError() {
		return
	}
	sameJob := !planJob.IsUnknown() && planJob.Equal(stateJob)

	relation := projectsUndecided
	if !req.PlanValue.IsUnknown() && !req.PlanValue.IsNull() {
		relation = compareProjects(req.StateValue.ValueString(), req.PlanValue.ValueString())
	}
	switch {
	case relation == projectsSame:
		// A respelling: the in-place update stores the new spelling.
	case relation == projectsDifferent || !sameJob:
		// Another project, or another job (job_id's own modifier replaces
		// the resource anyway).
		resp.RequiresReplace = true
	default:
		resp.Diagnostics.AddAttributeWarning(req.Path, "Project written differently: the resource is kept",
			projectRespelledDetail(req.StateValue.ValueString(), req.PlanValue, stateJob.ValueInt64()))
	}
}

func projectRespelledDetail(old string, planned types.String, jobID int64) string {
	newValue := "a value known only at apply"
	if !planned.IsUnknown() {
		newValue = fmt.Sprintf("%q", planned.ValueString())
	}
	return fmt.Sprintf("project changes from %q to %s while job_id stays %d. GitLab job IDs are unique across a "+
		"GitLab instance, so this is the same job written with another spelling of its project (a numeric ID "+
		"for a path, or a renamed or moved project's path): this change alone does not replace the resource or "+
		"act on the job again; it is stored by an in-place update. The apply checks with GitLab that job %d is "+
		"in the new project, and fails without changing anything if it is not. To act on a job of another "+
		"project, change job_id too.",
		old, newValue, jobID, jobID)
}

// checkProjectChange runs at apply, before an in-place update stores a
// new spelling of project that the plan could not compare by its text: the
// recorded job must be in the project the new spelling names. It returns
// an error (and the update must keep the old state) when it is not, or when
// GitLab cannot tell.
func checkProjectChange(ctx context.Context, data *providerData, what string, req resource.UpdateRequest) diag.Diagnostics {
	var diags diag.Diagnostics
	var oldProject, newProject types.String
	var jobID types.Int64
	diags.Append(req.State.GetAttribute(ctx, path.Root("project"), &oldProject)...)
	diags.Append(req.Plan.GetAttribute(ctx, path.Root("project"), &newProject)...)
	diags.Append(req.State.GetAttribute(ctx, path.Root("job_id"), &jobID)...)
	if diags.HasError() || oldProject.Equal(newProject) ||
		compareProjects(oldProject.ValueString(), newProject.ValueString()) == projectsSame {
		return diags
	}
	client, project, d := data.clientForProject(what, newProject)
	diags.Append(d...)
	if diags.HasError() {
		return diags
	}
	job, err := client.GetJob(ctx, project.String(), jobID.ValueInt64())
	switch {
	case gitlabclient.IsNotFound(err):
		diags.AddAttributeError(path.Root("project"), "The new project does not hold the recorded job",
			fmt.Sprintf("project changes from %q to %q, but GitLab does not show job %d in project %q (%s): it is "+
				"another project (or one the token may not see). The state keeps %q. To act on a job of another "+
				"project, change job_id too (the resource is then replaced); to keep this resource, set project "+
				"back to %q.", oldProject.ValueString(), newProject.ValueString(), jobID.ValueInt64(), project.String(), err,
				oldProject.ValueString(), oldProject.ValueString()))
	case err != nil:
		diags.Append(jobReadError(project, jobID.ValueInt64(), err)...)
		diags.AddAttributeError(path.Root("project"), "Could not check the new project",
			fmt.Sprintf("project changes from %q to %q; the provider could not check with GitLab that job %d is in "+
				"the new project, so the state keeps %q. Apply again when GitLab answers.",
				oldProject.ValueString(), newProject.ValueString(), jobID.ValueInt64(), oldProject.ValueString()))
	case job.ID != jobID.ValueInt64():
		diags.AddAttributeError(path.Root("project"), "GitLab answered with another job",
			fmt.Sprintf("Asked for job %d of project %q, GitLab answered with job %d. The state keeps %q.",
				jobID.ValueInt64(), project.String(), job.ID, oldProject.ValueString()))
	}
	return diags
}
