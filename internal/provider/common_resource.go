package provider

import (
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/float64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// What the job action resources (play, retry, cancel, erase, and the
// artifacts keep and delete resources) share: their common attributes and
// result model, and the default timeouts. Their shared methods
// (jobActionResource) are in job_action_resource.go, their plan-time checks
// in plan_checks.go, their import checks in import_checks.go and their IDs
// in resource_id.go. The action logic itself lives in one function per
// action (playJob, retryJob, cancelJob, eraseJob: common_operations.go) that
// any front door (a resource, a Terraform action: common_action.go) calls;
// the diagnostics are in common_diagnostics.go.

// lifecycleGuide points a job action resource's description to the guide
// (templates/guides/lifecycle.md.tmpl) that tells the shared rules: acting
// once, refresh after a 404, respelled projects, destroy, import.
const lifecycleGuide = " Destroying the resource only forgets it; see [Lifecycle guarantees](../guides/lifecycle.md)."

// jobResultModel is the state of the job an action acted on or created, as
// last read from GitLab.
type jobResultModel struct {
	Status        types.String  `tfsdk:"status"`
	WebURL        types.String  `tfsdk:"web_url"`
	StartedAt     types.String  `tfsdk:"started_at"`
	FinishedAt    types.String  `tfsdk:"finished_at"`
	Duration      types.Float64 `tfsdk:"duration"`
	FailureReason types.String  `tfsdk:"failure_reason"`
	ErasedAt      types.String  `tfsdk:"erased_at"`
}

func newJobResult(j *gitlabclient.Job) jobResultModel {
	return jobResultModel{
		Status:        types.StringValue(j.Status),
		WebURL:        types.StringValue(j.WebURL),
		StartedAt:     timeValue(j.StartedAt),
		FinishedAt:    timeValue(j.FinishedAt),
		Duration:      types.Float64PointerValue(j.Duration),
		FailureReason: optionalString(j.FailureReason),
		ErasedAt:      timeValue(j.ErasedAt),
	}
}

// jobResultAttributes are the computed attributes of jobResultModel; which
// describes the job they are about ("The played job's", ...).
func jobResultAttributes(which string) map[string]schema.Attribute {
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	str := func(desc string) schema.Attribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc, PlanModifiers: keep}
	}
	return map[string]schema.Attribute{
		"status":      str(which + " status when last read, e.g. `running` or `failed`."),
		"web_url":     str(which + " page in GitLab."),
		"started_at":  str("Run started (RFC 3339), or null."),
		"finished_at": str("Run finished (RFC 3339), or null."),
		"duration": schema.Float64Attribute{Computed: true, MarkdownDescription: "Run time in seconds, or null.",
			PlanModifiers: []planmodifier.Float64{float64planmodifier.UseStateForUnknown()}},
		"failure_reason": str("Why the run failed, e.g. `script_failure`, or null."),
		"erased_at":      str("Log and artifacts erased (RFC 3339), or null."),
	}
}

func resourceProjectAttribute() schema.Attribute {
	return schema.StringAttribute{
		Required: true,
		MarkdownDescription: "The project's numeric ID or full path; another project replaces the resource " +
			"([details](../guides/lifecycle.md#writing-the-project-differently)).",
		Validators:    []validator.String{projectValidator{}},
		PlanModifiers: []planmodifier.String{sameProjectPlanModifier{}},
	}
}

func resourceJobIDAttribute(desc string) schema.Attribute {
	return schema.Int64Attribute{
		Required:            true,
		CustomType:          positiveID,
		MarkdownDescription: desc + " Changing it replaces the resource.",
		Validators:          []validator.Int64{int64validator.AtLeast(1)},
		PlanModifiers:       []planmodifier.Int64{int64planmodifier.RequiresReplace()},
	}
}

func idAttribute(desc string) schema.Attribute {
	return schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: desc,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

func triggersAttribute(what string) schema.Attribute {
	return schema.MapAttribute{
		ElementType: types.StringType,
		Optional:    true,
		MarkdownDescription: "Values that, when changed, " + what + " again (replaced) " +
			"([details](../guides/lifecycle.md#triggers)).",
		PlanModifiers: []planmodifier.Map{requiresReplaceUnlessImported()}, // import_mark.go
	}
}

func waitForAttribute() schema.Attribute {
	return schema.StringAttribute{
		Optional: true,
		Computed: true,
		Default:  stringdefault.StaticString(waitFinished),
		MarkdownDescription: "What to wait for after the action: `none`, `started` (running or finished) or " +
			"`finished` (success, failed, canceled or skipped; the default). " + waitPolling("job") + " until `timeouts.create`.",
		Validators: []validator.String{stringvalidator.OneOf(waitNone, waitStarted, waitFinished)},
	}
}

func failOnJobFailureAttribute() schema.Attribute {
	return schema.BoolAttribute{
		Optional: true,
		Computed: true,
		Default:  booldefault.StaticBool(true),
		MarkdownDescription: "With `wait_for = \"finished\"`: fail the apply (tainted) when the job fails or is " +
			"canceled ([details](../guides/lifecycle.md#never-applied-twice)); `false` records it in `status`. " +
			"Defaults to `true`.",
	}
}

// The default timeouts of the job action resources' create and of the
// actions' invoke: how long to wait for a job to be played, retried (60m) or
// canceled (10m).
const (
	defaultWaitTimeout   = 60 * time.Minute
	defaultCancelTimeout = 10 * time.Minute
)
