package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	aschema "github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Playing a trigger job (bridge). GitLab plays a manual bridge like a manual
// build (POST .../play answers the bridge entity; Ci::PlayBridgeService
// enqueues it and the downstream pipeline is created), but its single-job
// read, GET /projects/:id/jobs/:job_id, finds builds only (find_build!) and
// answers 404 for a bridge. The play resource and action read the job
// before and after playing it, so for a bridge they take its pipeline_id:
// the client then reads the bridge from its pipeline's trigger job list
// (gitlabclient.TrackBridge), and everything else (the status checks, the
// "never twice" decisions, the wait) is the same as for a build.

const bridgePipelineDescription = "The pipeline of `job_id`, needed only for a trigger job " +
	"([details](../guides/job-play.md#trigger-jobs))."

// resourceBridgePipelineAttribute is pipeline_id of the play resource. It
// only says where to read the job, so a change is stored in place.
func resourceBridgePipelineAttribute() rschema.Attribute {
	return rschema.Int64Attribute{
		Optional:            true,
		CustomType:          positiveID,
		MarkdownDescription: bridgePipelineDescription,
		Validators:          []validator.Int64{int64validator.AtLeast(1)},
	}
}

// actionBridgePipelineAttribute is pipeline_id of the play action.
func actionBridgePipelineAttribute() aschema.Attribute {
	return aschema.Int64Attribute{
		Optional:            true,
		CustomType:          positiveID,
		MarkdownDescription: bridgePipelineDescription,
		Validators:          []validator.Int64{int64validator.AtLeast(1)},
	}
}

// trackBridge tells the provider's client where to read job jobID should it
// be a trigger job: in pipeline pipelineID's trigger job list. Unknown or
// null values track nothing.
func trackBridge(data *providerData, jobID, pipelineID types.Int64) {
	if data == nil || data.client == nil || jobID.IsNull() || jobID.IsUnknown() || pipelineID.IsNull() || pipelineID.IsUnknown() {
		return
	}
	data.client.TrackBridge(jobID.ValueInt64(), pipelineID.ValueInt64())
}

// attributeReader is a plan, state or configuration.
type attributeReader interface {
	GetAttribute(ctx context.Context, p path.Path, target any) diag.Diagnostics
}

// trackBridgeFrom tracks the bridge named by job_id and pipeline_id of a
// plan, state or configuration that has both set.
func trackBridgeFrom(ctx context.Context, data *providerData, from attributeReader) {
	var jobID, pipelineID types.Int64
	if from.GetAttribute(ctx, path.Root("job_id"), &jobID).HasError() ||
		from.GetAttribute(ctx, path.Root("pipeline_id"), &pipelineID).HasError() {
		return
	}
	trackBridge(data, jobID, pipelineID)
}
