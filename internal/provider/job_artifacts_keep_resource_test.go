package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

func artifactsResourceConfig(typ, name, project string, jobID int64) string {
	return fmt.Sprintf("resource %q %q {\n  project = %q\n  job_id  = %d\n}\n", typ, name, project, jobID)
}

// TestAccJobArtifactsKeepResource keeps a build's artifacts once (its
// answer lost on the way back: the job is re-read, the keep not sent
// again), records a second keep of the same job without a request, shows
// drift, keeps the resource when the job is gone, and imports; jobs
// without artifacts fail the plan.
func TestAccJobArtifactsKeepResource(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newArtifactFixture(t, env)
	proj := f.project.PathWithNamespace
	keep := func(names ...string) string {
		var body string
		for _, n := range names {
			body += artifactsResourceConfig("gitlabjobs_job_artifacts_keep", n, proj, f.build)
		}
		return env.Config(body)
	}
	// The first keep's answer is lost after GitLab applied it.
	env.Sim.InjectFault(gitlabsim.Fault{Route: gitlabsim.RouteArtifactsKeep, Kind: gitlabsim.FaultResetAfter, Calls: []int{1}})
	res := "gitlabjobs_job_artifacts_keep.release"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      env.Config(artifactsResourceConfig("gitlabjobs_job_artifacts_keep", "x", proj, f.running)),
				PlanOnly:    true,
				ExpectError: errRe(fmt.Sprintf(`Job has no artifacts to keep.*Job %d \("e2e"\) is running and has not uploaded artifacts yet`, f.running)),
			},
			{
				// GitLab does not take a CI job token for keep: refused at plan, nothing sent.
				Config: env.ProviderBlock(fmt.Sprintf("  job_token = %q\n", env.Sim.JobToken(f.running))) +
					artifactsResourceConfig("gitlabjobs_job_artifacts_keep", "x", proj, f.build),
				PlanOnly:    true,
				ExpectError: errRe(`A CI job token cannot act on jobs`),
			},
			{
				Config:      env.Config(artifactsResourceConfig("gitlabjobs_job_artifacts_keep", "x", proj, f.expired)),
				PlanOnly:    true,
				ExpectError: errRe(`Job has no artifacts to keep.*\("old"\) is success and its artifacts expired at`),
			},
			{
				Config:      env.Config(artifactsResourceConfig("gitlabjobs_job_artifacts_keep", "x", proj, f.erased)),
				PlanOnly:    true,
				ExpectError: errRe(`Job has no artifacts to keep.*\("erased"\) was erased at`),
			},
			{
				Config: keep("release"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(res, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, attr("artifacts_expire_at"), knownvalue.Null()),
					statecheck.ExpectKnownValue(res, attr("artifacts_size"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(res, attr("status"), knownvalue.StringExact("success")),
					statecheck.ExpectKnownValue(res, attr("id"), knownvalue.StringExact(fmt.Sprintf("%s:%d", proj, f.build))),
				},
				Check: func(*terraform.State) error {
					if at := env.Sim.ArtifactsExpireAt(f.build); at != nil {
						return fmt.Errorf("job %d: artifacts still expire at %s", f.build, at)
					}
					return nil
				},
			},
			{
				// Keeping kept artifacts again: no request.
				Config: keep("release", "again"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("gitlabjobs_job_artifacts_keep.again", attr("artifacts_expire_at"), knownvalue.Null()),
				},
			},
			{
				// Drift: the artifacts were deleted outside Terraform; the
				// refresh shows it, and nothing is planned.
				PreConfig: func() {
					if err := env.Sim.DeleteJobArtifacts(f.build); err != nil {
						t.Fatal(err)
					}
				},
				Config:           keep("release", "again"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, attr("artifacts_size"), knownvalue.Null()),
				},
			},
			{
				ResourceName:                         res,
				ImportState:                          true,
				ImportStateId:                        fmt.Sprintf("%s:%d", proj, f.build),
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
			},
			{
				// The job is gone: the resource stays (a warning), nothing is planned.
				PreConfig: func() {
					if err := env.Sim.DeleteJob(f.build); err != nil {
						t.Fatal(err)
					}
				},
				Config:             keep("release", "again"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: false,
			},
		},
	})
	if n := env.Sim.ActionCount(f.build, gitlabsim.ActionKeepArtifacts); n != 1 {
		t.Errorf("keep applied %d times, want 1", n)
	}
	if n := env.Sim.RequestCount(gitlabsim.RouteArtifactsKeep); n != 1 {
		t.Errorf("keep sent %d times, want 1", n)
	}
	if n := len(env.Sim.FaultEvents()); n != 1 {
		t.Errorf("%d faults acted, want 1 (the lost answer of the keep)", n)
	}
}
