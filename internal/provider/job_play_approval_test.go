package provider_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// The play of a deploy job that waits for its deployment's approval, as
// the release bot (who ran the pipeline, and may deploy to production).

func gatePlayConfig(env *acctest.Env, f gateFixture, extra string) string {
	return env.ProviderBlock(fmt.Sprintf("  token = %q", f.botToken)) + fmt.Sprintf(`
resource "gitlabjobs_job_play" "deploy" {
  project = %q
  job_id  = %d
%s
}
`, f.project.PathWithNamespace, f.deploy, extra)
}

// Without wait_for_approval: an error naming the deployment and who may
// approve; nothing is played (no play request at all).
func TestAccJobPlayApproval_notApproved(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newGateFixture(t, env)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: gatePlayConfig(env, f, ""),
			ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)Job %d waits for approval of deployment %d.*0 of 1\s+approvals;\s+waiting\s+for:\s+Release\s+Manager\s+\(1\s+more\)`,
				f.deploy, f.deploymentID)),
		}},
	})
	if n := posts(env, "play"); n != 0 {
		t.Errorf("%d play requests, want none", n)
	}
	if st := simJob(t, env, f.deploy).Status; st != "manual" {
		t.Errorf("job %s", st)
	}
}

// With wait_for_approval: the apply waits; the release manager approves
// in the middle (out of band); the job is then played once and waited for.
// Applying again changes nothing.
func TestAccJobPlayApproval_waitsForApproval(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newGateFixture(t, env)
	cfg := gatePlayConfig(env, f, `  wait_for_approval = "2m"`)
	approved := make(chan error, 1)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					go func() {
						// Approve once the create polls the deployment: the
						// plans read it once each, the create once before it waits.
						deadline := time.Now().Add(90 * time.Second)
						for env.Sim.RequestCount(gitlabsim.RouteDeployment) < 4 && time.Now().Before(deadline) {
							time.Sleep(20 * time.Millisecond)
						}
						if d, _ := env.Sim.JobDeployment(f.deploy); d.PendingApprovalCount != 1 {
							approved <- fmt.Errorf("the play did not wait for the approval: %+v", d)
							return
						}
						_, err := env.Sim.ApproveDeployment(f.project.ID, f.deploymentID, f.managerID, "approved", "go", "")
						approved <- err
					}()
				},
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobPlay, attr("played_job_id"), knownvalue.Int64Exact(f.deploy)),
					statecheck.ExpectKnownValue(jobPlay, attr("status"), knownvalue.StringExact("success")),
				},
				Check: func(s *terraform.State) error {
					if err := <-approved; err != nil {
						return err
					}
					return expectPosts(env, "play", 1)(s)
				},
			},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionNoop)}},
				Check:            expectPosts(env, "play", 1),
			},
		},
	})
	if d, _ := env.Sim.JobDeployment(f.deploy); d.Status != "success" {
		t.Errorf("deployment %+v", d)
	}
}

// A rejection while the apply waits fails it, naming who rejected.
func TestAccJobPlayApproval_rejected(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newGateFixture(t, env)
	if _, err := env.Sim.ApproveDeployment(f.project.ID, f.deploymentID, f.managerID, "rejected", "not today", ""); err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config:      gatePlayConfig(env, f, `  wait_for_approval = "1m"`),
			ExpectError: regexp.MustCompile(`(?s)Deployment \d+ was rejected.*release-manager rejected.*"not today"`),
		}},
	})
	if n := posts(env, "play"); n != 0 {
		t.Errorf("%d play requests", n)
	}
}
