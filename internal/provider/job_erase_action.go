package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

var (
	_ action.ActionWithConfigure  = (*jobEraseAction)(nil)
	_ action.ActionWithModifyPlan = (*jobEraseAction)(nil)
)

// NewJobEraseAction returns the gitlabjobs_job_erase action.
func NewJobEraseAction() action.Action {
	return &jobEraseAction{newJobAction("gitlabjobs_job_erase")}
}

type jobEraseAction struct{ jobAction }

type jobEraseActionModel struct {
	jobActionTarget
}

func (a *jobEraseAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_job_erase"
}

func (a *jobEraseAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Erases a finished job's log and artifacts (the job itself stays, with `erased_at` set). " +
			"A job that is already erased is left alone without a request; a job that has not finished fails the " +
			"plan when its status is known then. GitLab cannot erase archived jobs. A finished job with nothing left " +
			"to erase (no log, no artifacts) is left alone with a warning. An erase GitLab refuses for lack of rights " +
			"(a token without the `api` scope, a role that may not erase the job) fails the apply and names the " +
			"missing right. Requires Terraform 1.14 or " +
			"later; with older Terraform or OpenTofu use the `gitlabjobs_job_erase` resource.\n\n" +
			"Upstream API: [Erase a job](https://docs.gitlab.com/api/jobs/#erase-a-job).",
		Attributes: map[string]schema.Attribute{
			"project": actionProjectAttribute(),
			"job_id":  actionJobIDAttribute("The finished job to erase."),
		},
	}
}

func (a *jobEraseAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	a.checkAtPlan(ctx, req, resp, checkErasable)
}

func (a *jobEraseAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg jobEraseActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in, diags := cfg.input()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	erase := func(ctx context.Context, client *gitlabclient.Client, _ poller, in jobActionInput) jobActionOutput {
		return eraseJob(ctx, client, in)
	}
	a.invoke(ctx, resp, in, 0, erase, func(_ jobActionInput, j *gitlabclient.Job) string {
		if j.ErasedAt == nil {
			return "" // nothing to erase: the warning says so
		}
		return fmt.Sprintf("job %d: erased at %s, %s", j.ID, j.ErasedAt.UTC().Format(time.RFC3339), j.WebURL)
	})
}
