package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	aschema "github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// Playing and retrying a trigger job (bridge). GitLab plays a manual bridge
// like a manual build (POST .../play answers the bridge entity;
// Ci::PlayBridgeService enqueues it and the downstream pipeline is
// created) and retries a finished one like a build (POST .../retry uses
// find_job!; Ci::RetryJobService clones it, and the new bridge triggers a
// new downstream pipeline), but its single-job read, GET
// /projects/:id/jobs/:job_id, finds builds only (find_build!) and answers
// 404 for a bridge. The play and retry resources and actions read the job
// before and after acting, so for a bridge they take its pipeline_id: the
// client then reads the bridge from its pipeline's trigger job list
// (gitlabclient.TrackBridge; a retried bridge among the retried ones),
// the newer runs of a bridge are looked for in that list (latestRun,
// common_operations.go; the client's check of a lost retry answer) and
// tracked in turn, and everything else (the status checks, the "never
// twice" decisions, the wait, which follows the bridge's status, its
// downstream pipeline's under strategy:depend) is the same as for a build.

const bridgePipelineDescription = "The pipeline of `job_id`, needed only for a trigger job " +
	"([details](../guides/job-play.md#trigger-jobs))."

// resourceBridgePipelineAttribute is pipeline_id of the play and retry
// resources. It only says where to read the job, so a change is stored in
// place.
func resourceBridgePipelineAttribute() rschema.Attribute {
	return rschema.Int64Attribute{
		Optional:            true,
		CustomType:          positiveID,
		MarkdownDescription: bridgePipelineDescription,
		Validators:          []validator.Int64{int64validator.AtLeast(1)},
	}
}

// actionBridgePipelineAttribute is pipeline_id of the play and retry actions.
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

// trackBridgeFrom tracks the bridges named by pipeline_id and job_id (or
// the given job attributes, e.g. a retry's new_job_id) of a plan, state or
// configuration that has them set.
func trackBridgeFrom(ctx context.Context, data *providerData, from attributeReader, jobAttrs ...string) {
	var pipelineID types.Int64
	if from.GetAttribute(ctx, path.Root("pipeline_id"), &pipelineID).HasError() {
		return
	}
	if len(jobAttrs) == 0 {
		jobAttrs = []string{"job_id"}
	}
	for _, name := range jobAttrs {
		var jobID types.Int64
		if !from.GetAttribute(ctx, path.Root(name), &jobID).HasError() {
			trackBridge(data, jobID, pipelineID)
		}
	}
}

// parseBridgeImportID reads an import ID that names its jobs (names, e.g.
// job_id and new_job_id) after the project, "<project>:<job_id>...", or,
// for a trigger job, after the project and its pipeline:
// "<project>:<pipeline_id>:<job_id>...", parent before child as the
// official GitLab provider's IDs go. pipeline is 0 in the first form.
func parseBridgeImportID(id string, names ...string) (project gitlabclient.Project, pipeline int64, ids []int64, err error) {
	if strings.Count(id, ":") != len(names)+1 {
		project, ids, err = parseImportID(id, names...)
		if err != nil {
			err = fmt.Errorf("%w, or for a trigger job (bridge) %s", err, bridgeImportFormat(names...))
		}
		return project, 0, ids, err
	}
	project, ids, err = parseImportID(id, append([]string{"pipeline_id"}, names...)...)
	if err != nil {
		return project, 0, nil, err
	}
	return project, ids[0], ids[1:], nil
}

// bridgeImportFormat is the import ID form of a trigger job: the project,
// its pipeline, then names.
func bridgeImportFormat(names ...string) string {
	return "<project>:<pipeline_id>:<" + strings.Join(names, ">:<") + ">"
}

// checkBridgePipeline refuses an import ID whose pipeline_id is not the
// pipeline of job j (a build read directly, whatever pipeline_id says).
func checkBridgePipeline(id, format string, want int64, j *gitlabclient.Job) diag.Diagnostics {
	if want == 0 || j == nil || pipelineID(j) == want {
		return nil
	}
	return importError(id, format, fmt.Sprintf("job %d (%q) is in pipeline %d, not %d.", j.ID, j.Name, pipelineID(j), want),
		"Give the job's pipeline (or, for a job that is no trigger job, leave pipeline_id out).")
}
