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
// With pipeline set (gitlabjobs_pipeline_run, which names no job) the
// recorded object is the state's pipeline_id, computed, not configured:
// pipeline IDs are unique across an instance too (Ci::Pipeline#id; iid is
// the per-project number), so the same reasoning holds, and an imported
// "1:951" whose configuration names the project by its path is kept
// (issue 18 case 5); the apply checks that the new spelling holds
// pipeline 951.
type sameProjectPlanModifier struct{ pipeline bool }

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
	var stateJob, planJob types.Int64
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root(m.idAttr()), &stateJob)...)
	if !m.pipeline {
		resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root(m.idAttr()), &planJob)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	sameJob := !planJob.IsUnknown() && planJob.Equal(stateJob)
	if m.pipeline { // computed: the recorded pipeline stays unless something else replaces the resource
		sameJob = !stateJob.IsNull() && !stateJob.IsUnknown()
	}

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
			m.respelledDetail(req.StateValue.ValueString(), req.PlanValue, stateJob.ValueInt64()))
	}
}

// idAttr is the attribute naming the recorded object; noun names it.
func (m sameProjectPlanModifier) idAttr() string {
	if m.pipeline {
		return "pipeline_id"
	}
	return "job_id"
}

func (m sameProjectPlanModifier) respelledDetail(old string, planned types.String, id int64) string {
	newValue := "a value known only at apply"
	if !planned.IsUnknown() {
		newValue = fmt.Sprintf("%q", planned.ValueString())
	}
	noun, stays, again, other := "job", "job_id stays", "act on the job again",
		"To act on a job of another project, change job_id too."
	if m.pipeline {
		noun, stays, again, other = "pipeline", "the recorded pipeline_id is", "run the pipeline again",
			"To run a pipeline in another project, replace the resource (terraform apply -replace=...) or change triggers."
	}
	return fmt.Sprintf("project changes from %q to %s while %s %d. GitLab %s IDs are unique across a GitLab instance, "+
		"so this is the same %s written with another spelling of its project (a numeric ID for a path, or a renamed "+
		"or moved project's path): this change alone does not replace the resource or %s; it is stored by an "+
		"in-place update. The apply checks with GitLab that %s %d is in the new project, and fails without changing "+
		"anything if it is not. %s", old, newValue, stays, id, noun, noun, again, noun, id, other)
}

// checkProjectChange runs at apply, before an in-place update stores a
// new spelling of project that the plan could not compare by its text: the
// recorded job must be in the project the new spelling names. It returns
// an error (and the update must keep the old state) when it is not, or when
// GitLab cannot tell.
func checkProjectChange(ctx context.Context, data *providerData, what string, req resource.UpdateRequest) diag.Diagnostics {
	return checkProjectChangeOf(ctx, data, what, req, sameProjectPlanModifier{})
}

// checkProjectChangeOf is checkProjectChange for the object m records: a
// job (job_id) or, for gitlabjobs_pipeline_run, a pipeline (pipeline_id).
func checkProjectChangeOf(ctx context.Context, data *providerData, what string, req resource.UpdateRequest, m sameProjectPlanModifier) diag.Diagnostics {
	var diags diag.Diagnostics
	var oldProject, newProject types.String
	var jobID types.Int64
	noun := "job"
	if m.pipeline {
		noun = "pipeline"
	}
	diags.Append(req.State.GetAttribute(ctx, path.Root("project"), &oldProject)...)
	diags.Append(req.Plan.GetAttribute(ctx, path.Root("project"), &newProject)...)
	diags.Append(req.State.GetAttribute(ctx, path.Root(m.idAttr()), &jobID)...)
	if diags.HasError() || oldProject.Equal(newProject) ||
		compareProjects(oldProject.ValueString(), newProject.ValueString()) == projectsSame {
		return diags
	}
	client, project, d := data.clientForProject(what, newProject)
	diags.Append(d...)
	if diags.HasError() {
		return diags
	}
	var gotID int64
	var err error
	if m.pipeline {
		var p *gitlabclient.Pipeline
		if p, err = client.GetPipeline(ctx, project.String(), jobID.ValueInt64()); err == nil {
			gotID = p.ID
		}
	} else {
		var job *gitlabclient.Job
		if job, err = client.GetJob(ctx, project.String(), jobID.ValueInt64()); err == nil {
			gotID = job.ID
		}
	}
	fix := "To act on a job of another project, change job_id too (the resource is then replaced)"
	if m.pipeline {
		fix = "To run a pipeline in another project, replace the resource (terraform apply -replace=...)"
	}
	switch {
	case gitlabclient.IsNotFound(err):
		diags.AddAttributeError(path.Root("project"), "The new project does not hold the recorded "+noun,
			fmt.Sprintf("project changes from %q to %q, but GitLab does not show %s %d in project %q (%s): it is "+
				"another project (or one the token may not see). The state keeps %q. %s; to keep this resource, set "+
				"project back to %q.", oldProject.ValueString(), newProject.ValueString(), noun, jobID.ValueInt64(),
				project.String(), err, oldProject.ValueString(), fix, oldProject.ValueString()))
	case err != nil:
		if m.pipeline {
			diags.Append(pipelineReadError(project, jobID.ValueInt64(), err)...)
		} else {
			diags.Append(jobReadError(project, jobID.ValueInt64(), err)...)
		}
		diags.AddAttributeError(path.Root("project"), "Could not check the new project",
			fmt.Sprintf("project changes from %q to %q; the provider could not check with GitLab that %s %d is in "+
				"the new project, so the state keeps %q. Apply again when GitLab answers.",
				oldProject.ValueString(), newProject.ValueString(), noun, jobID.ValueInt64(), oldProject.ValueString()))
	case gotID != jobID.ValueInt64():
		diags.AddAttributeError(path.Root("project"), "GitLab answered with another "+noun,
			fmt.Sprintf("Asked for %s %d of project %q, GitLab answered with %s %d. The state keeps %q.",
				noun, jobID.ValueInt64(), project.String(), noun, gotID, oldProject.ValueString()))
	}
	return diags
}
