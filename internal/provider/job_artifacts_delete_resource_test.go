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

// TestAccJobArtifactsDeleteResource deletes a build's artifacts once (the
// first DELETE answered 502 after GitLab applied it: the job is re-read,
// the DELETE not sent again) and keeps its log; a job with nothing left is
// recorded without a request; a developer's token is refused with the
// role it lacks; import.
func TestAccJobArtifactsDeleteResource(t *testing.T) {
	env := acctest.NewEnv(t)
	env.RequireSim(t, "acts on jobs it sets up")
	dev := env.Sim.CreateUser(gitlabsim.UserSpec{Username: "artifacts-developer"})
	devToken := env.Sim.CreatePersonalAccessToken(dev.ID, gitlabsim.TokenSpec{})
	p := env.Sim.CreateProject(gitlabsim.ProjectSpec{Path: "actions/artifacts-delete",
		Members: map[int64]int{env.AdminID: gitlabsim.MaintainerAccess, dev.ID: gitlabsim.DeveloperAccess}})
	pl := env.Sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{
		{Name: "build", Stage: "build", Status: "success", Log: "built\n", ExpireIn: "1 week",
			ArtifactFiles: []gitlabsim.ArtifactFileSpec{{Path: "version.txt", Content: "1.4.0\n"}}},
	}})
	f := struct{ build int64 }{pl.JobIDs[0]}
	proj := p.PathWithNamespace
	env.Sim.InjectFault(gitlabsim.Fault{Route: gitlabsim.RouteArtifactsDelete, Kind: gitlabsim.FaultStatusAfter, Status: 502, Calls: []int{2}}) // the maintainer's DELETE
	res := "gitlabjobs_job_artifacts_delete.old"
	del := func(names ...string) string {
		var body string
		for _, n := range names {
			body += artifactsResourceConfig("gitlabjobs_job_artifacts_delete", n, proj, f.build)
		}
		return env.Config(body)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: env.ProviderBlock(fmt.Sprintf("  token = %q\n", devToken)) +
					artifactsResourceConfig("gitlabjobs_job_artifacts_delete", "dev", proj, f.build),
				ExpectError: errRe(fmt.Sprintf(`Not allowed to delete the artifacts of job %d.*Maintainer role`, f.build)),
			},
			{
				Config: del("old"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(res, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, attr("artifacts_size"), knownvalue.Null()),
					statecheck.ExpectKnownValue(res, attr("artifacts_expire_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(res, attr("erased_at"), knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					if e := env.Sim.ArchiveEntries(f.build); e != nil {
						return fmt.Errorf("job %d still has an archive: %v", f.build, e)
					}
					if j := simJob(t, env, f.build); j.Log != "built\n" {
						return fmt.Errorf("job %d lost its log: %q", f.build, j.Log)
					}
					return nil
				},
			},
			{
				// Nothing left to delete: recorded without a request (a warning).
				Config: del("old", "again"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("gitlabjobs_job_artifacts_delete.again", attr("artifacts_size"), knownvalue.Null()),
				},
			},
			{
				ResourceName:                         res,
				ImportState:                          true,
				ImportStateId:                        fmt.Sprintf("%s:%d", proj, f.build),
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
			},
		},
	})
	if n := env.Sim.ActionCount(f.build, gitlabsim.ActionDeleteArtifacts); n != 1 {
		t.Errorf("delete applied %d times, want 1", n)
	}
	if n := env.Sim.RequestCount(gitlabsim.RouteArtifactsDelete); n != 2 {
		t.Errorf("DELETE sent %d times, want 2 (the developer's refused one, then one)", n)
	}
	if n := len(env.Sim.FaultEvents()); n != 1 {
		t.Errorf("%d faults acted, want 1 (the lost answer of the delete)", n)
	}
}
