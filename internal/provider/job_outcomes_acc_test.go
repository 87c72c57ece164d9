package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Truthful outcomes through the CLI (issue 11, cases 5 and 6): an action
// GitLab refused, or did not apply, is never reported as done.

// Case 5: an erase refused for lack of permission (a read_api token; a
// Developer erasing another user's job) fails the apply with the right that
// is missing, erases nothing and saves nothing; only a job that provably has
// nothing left to erase passes, with a warning.
func TestAccEraseRefusedForLackOfRights(t *testing.T) {
	env := acctest.NewEnv(t)
	env.RequireSim(t, "sets up users, roles and token scopes")
	sim := env.Sim
	dev := sim.CreateUser(gitlabsim.UserSpec{Username: "developer"})
	p := sim.CreateProject(gitlabsim.ProjectSpec{Path: "outcomes/erase", Members: map[int64]int{
		env.AdminID: gitlabsim.MaintainerAccess, dev.ID: gitlabsim.DeveloperAccess,
	}})
	pl := sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Ref: "main", UserID: env.AdminID, Jobs: []gitlabsim.JobSpec{
		{Name: "build", Stage: "build", Status: "success", Log: "built\n",
			Artifacts: []gitlabsim.ArtifactSpec{{FileType: "archive", Filename: "artifacts.zip", FileFormat: "zip", Size: 10}}},
		{Name: "lint", Stage: "build", Status: "success"}, // no log, no artifacts: nothing to erase
	}})
	build, empty := pl.JobIDs[0], pl.JobIDs[1]
	readAPI := sim.CreatePersonalAccessToken(env.AdminID, gitlabsim.TokenSpec{Name: "read", Scopes: []string{"read_api"}})
	devTok := sim.CreatePersonalAccessToken(dev.ID, gitlabsim.TokenSpec{Name: "dev"})
	erase := func(name string, id int64) string {
		return fmt.Sprintf("resource \"gitlabjobs_job_erase\" %q {\n  project = %q\n  job_id  = %d\n}\n", name, p.PathWithNamespace, id)
	}
	as := func(token, body string) string { return env.ProviderBlock(fmt.Sprintf("  token = %q\n", token)) + body }
	notErased := func(*terraform.State) error {
		if j := simJob(t, env, build); j.ErasedAt != nil || j.Log == "" || j.Artifacts == 0 {
			return fmt.Errorf("job %d was erased: %+v", build, j)
		}
		return nil
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      as(readAPI, erase("build", build)),
				ExpectError: regexp.MustCompile(`(?s)token\s+may\s+not\s+erase\s+jobs.*insufficient_scope.*lacks\s+the\s+api\s+scope`),
				Check:       notErased,
			},
			{
				Config:      as(devTok, erase("build", build)),
				ExpectError: regexp.MustCompile(`(?s)Not\s+allowed\s+to\s+erase\s+job.*403\s+Forbidden.*Maintainer\s+role.*erase_build`),
				Check:       notErased,
			},
			{
				// Nothing was saved: the resource is still to be created, and
				// the right token erases the job once. The job with nothing
				// left passes (with a warning), erased_at null.
				Config: env.Config(erase("build", build) + erase("empty", empty)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("gitlabjobs_job_erase.build", plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("gitlabjobs_job_erase.build", attr("erased_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("gitlabjobs_job_erase.empty", attr("erased_at"), knownvalue.Null()),
				},
			},
		},
	})
	if n := sim.ActionCount(build, gitlabsim.ActionErase); n != 1 {
		t.Errorf("job %d erased %d times, want once (by the maintainer's api token)", build, n)
	}
	if n := sim.ActionCount(empty, gitlabsim.ActionErase); n != 0 {
		t.Errorf("job %d erased %d times, want 0", empty, n)
	}
}

// Case 6: a cancel of a manual job whose answer was a 502 before GitLab
// applied it is sent again and really cancels the job, once; after a 502
// once GitLab applied it, it is not sent again.
func TestAccCancelOfAManualJobAfterA502(t *testing.T) {
	env := acctest.NewEnv(t)
	env.RequireSim(t, "injects faults")
	sim := env.Sim
	p, pl := newPipeline(t, env,
		gitlabsim.JobSpec{Name: "deploy", Stage: "deploy", Status: "manual"},
		gitlabsim.JobSpec{Name: "release", Stage: "deploy", Status: "manual"})
	before, after := pl.JobIDs[0], pl.JobIDs[1]
	const route = "POST /api/v4/projects/{id}/jobs/{job_id}/cancel"
	cancel := func(name string, id int64) string {
		// A short timeout: a cancel taken as done while the job stays manual
		// would wait for it to stop until then.
		return fmt.Sprintf("resource \"gitlabjobs_job_cancel\" %q {\n  project  = %q\n  job_id   = %d\n  timeouts = { create = \"20s\" }\n}\n", name, p.PathWithNamespace, id)
	}
	var postsBefore int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					sim.InjectFault(gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultStatus, Status: 502, Calls: []int{1}})
				},
				Config: env.Config(cancel("before", before)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("gitlabjobs_job_cancel.before", attr("status"), knownvalue.StringExact("canceled")),
				},
				Check: func(*terraform.State) error {
					postsBefore = sim.RequestCount(route)
					if j := simJob(t, env, before); j.Status != "canceled" {
						return fmt.Errorf("job %d is %s in GitLab, but the apply succeeded", before, j.Status)
					}
					if postsBefore != 2 {
						return fmt.Errorf("%d cancel POSTs, want 2 (the 502, then the cancel)", postsBefore)
					}
					return nil
				},
			},
			{
				PreConfig: func() {
					sim.InjectFault(gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultStatusAfter, Status: 502, Calls: []int{1}})
				},
				Config: env.Config(cancel("before", before) + cancel("after", after)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("gitlabjobs_job_cancel.after", attr("status"), knownvalue.StringExact("canceled")),
				},
				Check: func(*terraform.State) error {
					if j := simJob(t, env, after); j.Status != "canceled" {
						return fmt.Errorf("job %d is %s in GitLab", after, j.Status)
					}
					if n := sim.RequestCount(route) - postsBefore; n != 1 {
						return fmt.Errorf("%d cancel POSTs after a 502 once applied, want 1", n)
					}
					return nil
				},
			},
		},
	})
	for _, id := range []int64{before, after} {
		if n := sim.ActionCount(id, gitlabsim.ActionCancel); n != 1 {
			t.Errorf("job %d canceled %d times, want once", id, n)
		}
	}
}
