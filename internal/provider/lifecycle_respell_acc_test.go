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

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestAccLifecycle_playTimeoutRespelled (case 4 across a taint): a play
// whose wait timed out leaves the resource tainted; the next apply writes
// the project differently (its numeric ID for its path, or the reverse).
// The tainted state's record of its own play is still recognized (the
// intent is the job, whose ID GitLab gives once per instance): the apply
// adopts the play and its outcome, and the simulator receives one play
// request in all.
func TestAccLifecycle_playTimeoutRespelled(t *testing.T) {
	for _, tc := range []struct {
		name         string
		numericFirst bool // the first apply writes the numeric ID, the next the path
	}{
		{"pathThenID", false},
		{"idThenPath", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := acctest.NewEnv(t)
			p, pl := newPipeline(t, env, gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual", RunDuration: 5 * time.Second})
			deploy := pl.JobIDs[0]
			first, next := p.PathWithNamespace, fmt.Sprint(p.ID)
			if tc.numericFirst {
				first, next = next, first
			}
			timeout := `  timeouts = { create = "2s" }`
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
				Steps: []resource.TestStep{
					{
						Config:      playConfig(env, first, deploy, timeout),
						ExpectError: regexp.MustCompile(fmt.Sprintf(`Timed out waiting for job %d`, deploy)),
					},
					{
						PreConfig: func() {
							requirePosts(t, env, "play", 1)
							waitFinished(t, env, deploy)
						},
						Config: playConfig(env, next, deploy, timeout),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionReplace), // tainted
						}},
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(jobPlay, attr("project"), knownvalue.StringExact(next)),
							statecheck.ExpectKnownValue(jobPlay, attr("played_job_id"), knownvalue.Int64Exact(deploy)),
							statecheck.ExpectKnownValue(jobPlay, attr("status"), knownvalue.StringExact("success")),
						},
						Check: expectPosts(env, "play", 1),
					},
					{
						Config: playConfig(env, next, deploy, timeout),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(jobPlay, plancheck.ResourceActionNoop),
						}},
						Check: expectPosts(env, "play", 1),
					},
				},
			})
			if n := env.Sim.ActionCount(deploy, gitlabsim.ActionPlay); n != 1 {
				t.Errorf("job %d played %d times, want 1", deploy, n)
			}
			if n := len(env.Sim.PipelineJobIDs(pl.ID)); n != 1 {
				t.Errorf("the pipeline has %d jobs, want 1: the deploy must not run again", n)
			}
		})
	}
}
