package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
)

// An environment by name: no successful deployment while the deploy waits
// for approval; once approved and played, the deployment is its last.
func TestAccEnvironmentDataSource_lastDeployment(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newGateFixture(t, env)
	const ds = "data.gitlabjobs_environment.test"
	cfg := env.Config(fmt.Sprintf("data \"gitlabjobs_environment\" \"test\" {\n  project = %q\n  name = \"production\"\n}\n", f.project.PathWithNamespace))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg, ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(ds, attr("name"), knownvalue.StringExact("production")),
				statecheck.ExpectKnownValue(ds, attr("state"), knownvalue.StringExact("available")),
				statecheck.ExpectKnownValue(ds, attr("last_deployment"), knownvalue.Null()),
			}},
			{
				PreConfig: func() {
					if _, err := env.Sim.ApproveDeployment(f.project.ID, f.deploymentID, f.managerID, "approved", "", ""); err != nil {
						t.Fatal(err)
					}
					if err := env.Sim.PlayJob(f.deploy, nil); err != nil {
						t.Fatal(err)
					}
					if err := env.Sim.SetJobStatus(f.deploy, "success"); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, attr("last_deployment", "deployment_id"), knownvalue.Int64Exact(f.deploymentID)),
					statecheck.ExpectKnownValue(ds, attr("last_deployment", "job_id"), knownvalue.Int64Exact(f.deploy)),
					statecheck.ExpectKnownValue(ds, attr("last_deployment", "status"), knownvalue.StringExact("success")),
				},
			},
			{Config: env.Config(fmt.Sprintf("data \"gitlabjobs_environment\" \"test\" {\n  project = %q\n  name = \"staging\"\n}\n", f.project.PathWithNamespace)),
				ExpectError: regexp.MustCompile(`GitLab environment not found`)},
		},
	})
}
