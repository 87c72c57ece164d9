package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestAccPipelineJobsDataSource_downstream: GitLab lists a pipeline's own
// jobs only; include_downstream adds those of its child pipelines, their
// children and multi-project downstream pipelines (read in their own
// project), with scope applied to each.
func TestAccPipelineJobsDataSource_downstream(t *testing.T) {
	env := acctest.NewEnv(t)
	env.RequireSim(t, "builds parent, child and multi-project pipelines")
	members := map[int64]int{env.AdminID: gitlabsim.MaintainerAccess}
	app := env.Sim.CreateProject(gitlabsim.ProjectSpec{Path: "down/app", Members: members})
	other := env.Sim.CreateProject(gitlabsim.ProjectSpec{Path: "down/other", Members: members})
	grandchild := env.Sim.CreatePipeline(app.ID, gitlabsim.PipelineSpec{Source: "parent_pipeline", Jobs: []gitlabsim.JobSpec{
		{Name: "gc-job", Status: "success"}, {Name: "gc-fail", Status: "failed"}}})
	child := env.Sim.CreatePipeline(app.ID, gitlabsim.PipelineSpec{Source: "parent_pipeline", Jobs: []gitlabsim.JobSpec{
		{Name: "child-job", Status: "success"},
		{Name: "trigger-grandchild", Status: "success", Bridge: true, DownstreamPipelineID: grandchild.ID}}})
	multi := env.Sim.CreatePipeline(other.ID, gitlabsim.PipelineSpec{Source: "pipeline", Jobs: []gitlabsim.JobSpec{
		{Name: "other-job", Status: "success"}}})
	parent := env.Sim.CreatePipeline(app.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{
		{Name: "build", Status: "success"},
		{Name: "trigger-child", Status: "success", Bridge: true, DownstreamPipelineID: child.ID},
		{Name: "trigger-other", Status: "success", Bridge: true, DownstreamPipelineID: multi.ID},
		{Name: "trigger-later", Status: "manual", Bridge: true}}})

	job := func(name string, pipelineID, projectID int64) knownvalue.Check {
		return knownvalue.ObjectPartial(map[string]knownvalue.Check{
			"name": knownvalue.StringExact(name),
			"pipeline": knownvalue.ObjectPartial(map[string]knownvalue.Check{
				"id": knownvalue.Int64Exact(pipelineID), "project_id": knownvalue.Int64Exact(projectID)}),
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: env.Config(fmt.Sprintf(`
data "gitlabjobs_pipeline_jobs" "own" {
  project     = %[1]q
  pipeline_id = %[2]d
}
data "gitlabjobs_pipeline_jobs" "all" {
  project            = %[1]q
  pipeline_id        = %[2]d
  include_downstream = true
}
data "gitlabjobs_pipeline_jobs" "failed" {
  project            = %[1]q
  pipeline_id        = %[2]d
  scope              = ["failed"]
  include_downstream = true
}
`, app.PathWithNamespace, parent.ID)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.gitlabjobs_pipeline_jobs.own", attr("jobs"), knownvalue.ListExact([]knownvalue.Check{
					job("build", parent.ID, app.ID)})),
				// Newest first across the pipelines; trigger jobs are not jobs.
				statecheck.ExpectKnownValue("data.gitlabjobs_pipeline_jobs.all", attr("jobs"), knownvalue.ListExact([]knownvalue.Check{
					job("build", parent.ID, app.ID), job("other-job", multi.ID, other.ID), job("child-job", child.ID, app.ID),
					job("gc-fail", grandchild.ID, app.ID), job("gc-job", grandchild.ID, app.ID)})),
				statecheck.ExpectKnownValue("data.gitlabjobs_pipeline_jobs.failed", attr("jobs"), knownvalue.ListExact([]knownvalue.Check{
					job("gc-fail", grandchild.ID, app.ID)})),
			},
		}},
	})
}
