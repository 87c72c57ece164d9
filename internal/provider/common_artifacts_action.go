package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The Terraform 1.14+ actions gitlabjobs_job_artifacts_keep and
// gitlabjobs_job_artifacts_delete: the artifacts resources' second front
// door, running the same operations (keepArtifacts, deleteArtifacts,
// common_artifacts.go). Both are artifactsAction; each file gives its own
// schema text, plan check, operation and summary.

var (
	_ action.ActionWithConfigure  = (*artifactsAction)(nil)
	_ action.ActionWithModifyPlan = (*artifactsAction)(nil)
)

// artifactsAction is one artifacts action.
type artifactsAction struct {
	jobAction
	name        string // "job_artifacts_keep": the type name after the provider's
	description string // the action's MarkdownDescription
	jobIDDesc   string // job_id's MarkdownDescription
	// check is the job's check at plan time; nil checks only the token.
	check   func(*gitlabclient.Job) diag.Diagnostics
	op      func(context.Context, *gitlabclient.Client, jobActionInput) jobActionOutput
	summary func(*gitlabclient.Job) string // the progress message after op
}

// newArtifactsAction returns the action a describes, named gitlabjobs_<name>
// (name e.g. "job_artifacts_keep").
func newArtifactsAction(name string, a artifactsAction) action.Action {
	a.jobAction = newJobAction("gitlabjobs_" + name)
	a.name = name
	return &a
}

func (a *artifactsAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + a.name
}

func (a *artifactsAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: a.description,
		Attributes: map[string]schema.Attribute{
			"project": actionProjectAttribute(),
			"job_id":  actionJobIDAttribute(a.jobIDDesc),
		},
	}
}

// ModifyPlan refuses a CI job token at plan (GitLab takes none for keep or
// delete), and runs the action's check of the job when it has one.
func (a *artifactsAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	if a.check == nil {
		refuseJobTokenAction(&a.jobAction, resp)
		return
	}
	a.checkAtPlan(ctx, req, resp, a.check)
}

func (a *artifactsAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg jobActionTarget
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in, diags := cfg.input()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	a.invoke(ctx, resp, in, 0, func(ctx context.Context, client *gitlabclient.Client, _ poller, in jobActionInput) jobActionOutput {
		return a.op(ctx, client, in)
	}, func(_ jobActionInput, j *gitlabclient.Job) string { return a.summary(j) })
}
