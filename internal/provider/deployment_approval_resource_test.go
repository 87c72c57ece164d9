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
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// The approval resource through the CLI, against a deploy job waiting for
// the release manager's approval (gateFixture). Every test counts the
// approval POSTs the simulator received (refused or not): never two for
// one intent.

const deploymentApproval = "gitlabjobs_deployment_approval.gate"

func approvalPosts(env *acctest.Env) int {
	return env.Sim.RequestCount(gitlabsim.RouteDeploymentApproval)
}

func expectApprovalPosts(env *acctest.Env, n int) func(*terraform.State) error {
	return func(*terraform.State) error {
		if got := approvalPosts(env); got != n {
			return fmt.Errorf("the simulator received %d approval POSTs, want %d", got, n)
		}
		return nil
	}
}

// approvalConfig is the approval resource with the provider authenticated
// as token; body is added to the resource.
func approvalConfig(env *acctest.Env, token string, f gateFixture, body string) string {
	return env.ProviderBlock(fmt.Sprintf("  token = %q", token)) + fmt.Sprintf(`
resource "gitlabjobs_deployment_approval" "gate" {
  project = %q
  job_id  = %d
%s
}
`, f.project.PathWithNamespace, f.deploy, body)
}

// Approve once; applying again, and refreshing with a token that may not
// see the project, send nothing and keep the resource.
func TestAccDeploymentApprovalResource_approve(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newGateFixture(t, env)
	cfg := approvalConfig(env, f.managerToken, f, `  comment = "ship it"`)
	outsider := env.Sim.CreateUser(gitlabsim.UserSpec{Username: "outsider"})
	outsiderToken := env.Sim.CreatePersonalAccessToken(outsider.ID, gitlabsim.TokenSpec{})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentApproval, attr("deployment_id"), knownvalue.Int64Exact(f.deploymentID)),
					statecheck.ExpectKnownValue(deploymentApproval, attr("id"), knownvalue.StringExact(fmt.Sprintf("%s:%d", f.project.PathWithNamespace, f.deploymentID))),
					statecheck.ExpectKnownValue(deploymentApproval, attr("status"), knownvalue.StringExact("approved")),
					statecheck.ExpectKnownValue(deploymentApproval, attr("approver"), knownvalue.StringExact("release-manager")),
					statecheck.ExpectKnownValue(deploymentApproval, attr("approved_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(deploymentApproval, attr("environment"), knownvalue.StringExact("production")),
					statecheck.ExpectKnownValue(deploymentApproval, attr("pending_approval_count"), knownvalue.Int64Exact(0)),
				},
				Check: func(s *terraform.State) error {
					a := f.approvals(t, env)
					if len(a) != 1 || a[0].UserID != f.managerID || a[0].Status != "approved" || a[0].Comment != "ship it" {
						return fmt.Errorf("approvals %+v", a)
					}
					return expectApprovalPosts(env, 1)(s)
				},
			},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(deploymentApproval, plancheck.ResourceActionNoop)}},
				Check:            expectApprovalPosts(env, 1),
			},
			{
				// A refresh without rights (GitLab answers 404) keeps the approval.
				Config:           approvalConfig(env, outsiderToken, f, `  comment = "ship it"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(deploymentApproval, plancheck.ResourceActionNoop)}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentApproval, attr("deployment_id"), knownvalue.Int64Exact(f.deploymentID)),
				},
				Check: expectApprovalPosts(env, 1),
			},
			{
				// GitLab keeps the first comment: a new one is refused at plan time.
				Config:      approvalConfig(env, f.managerToken, f, `  comment = "on second thought"`),
				ExpectError: regexp.MustCompile(`The comment of a given approval cannot change`),
			},
		},
	})
	if n := approvalPosts(env); n != 1 {
		t.Errorf("%d approval POSTs, want 1", n)
	}
}

// A rejection fails the deploy job.
func TestAccDeploymentApprovalResource_reject(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newGateFixture(t, env)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: approvalConfig(env, f.managerToken, f, `  status = "rejected"
  comment = "not on a Friday"`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(deploymentApproval, attr("status"), knownvalue.StringExact("rejected")),
				statecheck.ExpectKnownValue(deploymentApproval, attr("deployment_status"), knownvalue.StringExact("failed")),
			},
			Check: func(s *terraform.State) error {
				j := simJob(t, env, f.deploy)
				if j.Status != "failed" || j.FailureReason != "deployment_rejected" {
					return fmt.Errorf("the rejected job is %s (%s)", j.Status, j.FailureReason)
				}
				return expectApprovalPosts(env, 1)(s)
			},
		}},
	})
}

// GitLab's refusals are errors that name the rule; nothing is saved, and
// the refused request is sent once per apply.
func TestAccDeploymentApprovalResource_refused(t *testing.T) {
	env := acctest.NewEnv(t)
	env.RequireSim(t, "sets up a protected environment with approval rules")
	dev := env.Sim.CreateUser(gitlabsim.UserSpec{Username: "developer"})
	devToken := env.Sim.CreatePersonalAccessToken(dev.ID, gitlabsim.TokenSpec{})
	f := newGateFixture(t, env, dev.ID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				// The release bot ran the pipeline: it may not approve its own deployment.
				Config:      approvalConfig(env, f.botToken, f, ""),
				ExpectError: regexp.MustCompile(`(?s)own deployment.*allow_pipeline_trigger_approve_deployment`),
			},
			{
				Config:      approvalConfig(env, devToken, f, ""),
				ExpectError: regexp.MustCompile(`(?s)not an approver.*Release\s+Manager\s+\(1\s+more\)`),
				Check:       expectApprovalPosts(env, 2),
			},
			{
				// Approved by the release manager meanwhile: nothing waits for
				// approval any more; refused at plan time, nothing sent.
				PreConfig: func() {
					if a := f.approvals(t, env); len(a) != 0 {
						t.Fatalf("approvals %+v after refusals", a)
					}
					if _, err := env.Sim.ApproveDeployment(f.project.ID, f.deploymentID, f.managerID, "approved", "", ""); err != nil {
						t.Fatal(err)
					}
				},
				Config:      approvalConfig(env, devToken, f, ""),
				ExpectError: regexp.MustCompile(fmt.Sprintf(`Deployment %d does not wait for approval`, f.deploymentID)),
			},
		},
	})
	if n := approvalPosts(env); n != 2 {
		t.Errorf("%d approval POSTs, want 2 (one per refused apply)", n)
	}
}

// Approved by hand before: refused as "already approved" at plan time,
// nothing sent; import records it.
func TestAccDeploymentApprovalResource_alreadyApprovedThenImport(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newGateFixture(t, env)
	if _, err := env.Sim.ApproveDeployment(f.project.ID, f.deploymentID, f.managerID, "approved", "by hand", ""); err != nil {
		t.Fatal(err)
	}
	cfg := approvalConfig(env, f.managerToken, f, `  comment = "by hand"`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg, ExpectError: regexp.MustCompile(`(?s)already approved by release-manager.*import`)},
			{
				Config:             cfg,
				ResourceName:       deploymentApproval,
				ImportState:        true,
				ImportStateId:      fmt.Sprintf("%s:%d", f.project.PathWithNamespace, f.deploymentID),
				ImportStatePersist: true,
			},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(deploymentApproval, plancheck.ResourceActionNoop)}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentApproval, attr("status"), knownvalue.StringExact("approved")),
					statecheck.ExpectKnownValue(deploymentApproval, attr("job_id"), knownvalue.Int64Exact(f.deploy)),
				},
				Check: expectApprovalPosts(env, 0),
			},
		},
	})
}

// A lost answer that re-reading cannot settle (GitLab applied the
// approval, answered 502, and the deployment could not be read): the apply
// fails and the resource is saved tainted; the next apply finds the
// manager's approval and records it without sending it again.
func TestAccDeploymentApprovalResource_lostAnswer(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newGateFixture(t, env)
	cfg := approvalConfig(env, f.managerToken, f, "")
	var removeGet func()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					env.Sim.InjectFault(gitlabsim.Fault{Route: gitlabsim.RouteDeploymentApproval, Kind: gitlabsim.FaultStatusAfter,
						Status: 502, Calls: []int{1}, Latency: time.Second})
					// While the POST is held, the deployment becomes unreadable.
					go func() {
						for approvalPosts(env) == 0 {
							time.Sleep(10 * time.Millisecond)
						}
						removeGet = env.Sim.InjectFault(gitlabsim.Fault{Route: gitlabsim.RouteDeployment, Kind: gitlabsim.FaultStatus, Status: 403})
					}()
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`may or may not have been applied`),
			},
			{
				PreConfig: func() {
					removeGet()
					if a := f.approvals(t, env); len(a) != 1 {
						t.Fatalf("approvals %+v: the first POST was to be applied", a)
					}
				},
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(deploymentApproval, plancheck.ResourceActionReplace)}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentApproval, attr("status"), knownvalue.StringExact("approved")),
					statecheck.ExpectKnownValue(deploymentApproval, attr("approved_at"), knownvalue.NotNull()),
				},
				Check: expectApprovalPosts(env, 1),
			},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(deploymentApproval, plancheck.ResourceActionNoop)}},
				Check:            expectApprovalPosts(env, 1),
			},
		},
	})
	if a := f.approvals(t, env); len(a) != 1 {
		t.Errorf("approvals %+v", a)
	}
}

// The approval action through the CLI (Terraform 1.14 or later), as the
// release manager: an action_trigger approves once; applying again
// invokes nothing; invoking it on demand again is refused (already
// approved) without a request.
func TestAccDeploymentApprovalAction_cli(t *testing.T) {
	acctest.PreCheck(t)
	tf := terraformWithActions(t)
	env := acctest.NewEnv(t)
	f := newGateFixture(t, env)
	cfg := approvalActionConfig(env, f)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg, Check: expectApprovalPosts(env, 1)},
			{Config: cfg, Check: expectApprovalPosts(env, 1)},
		},
	})
	if t.Skipped() {
		return
	}
	if a := f.approvals(t, env); len(a) != 1 || a[0].UserID != f.managerID || a[0].Comment != "ship it" {
		t.Fatalf("approvals %+v", a)
	}
	cli := newTerraformCLI(t, tf, tfWorkDir(t, cfg))
	cli.run(t, "init", "-input=false", "-no-color")
	invokeRefused(t, env, cli)
}

// A create that times out while its approval POST is held (the answer
// never comes): the apply fails and the resource is saved tainted; the
// next apply finds no approval by the user (the held request was not
// applied) and sends it once: one approval in GitLab.
func TestAccDeploymentApprovalResource_timeout(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newGateFixture(t, env)
	var removeLatency func()
	cfg := approvalConfig(env, f.managerToken, f, `  timeouts = { create = "1s" }`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					removeLatency = env.Sim.InjectFault(gitlabsim.Fault{Route: gitlabsim.RouteDeploymentApproval, Kind: gitlabsim.FaultLatency,
						Latency: 5 * time.Second, Calls: []int{1}})
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`may or may not have been applied`),
			},
			{
				PreConfig: func() {
					removeLatency()
					if a := f.approvals(t, env); len(a) != 0 {
						t.Fatalf("approvals %+v: the held POST was not to be applied", a)
					}
				},
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(deploymentApproval, plancheck.ResourceActionReplace)}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentApproval, attr("approved_at"), knownvalue.NotNull()),
				},
				Check: expectApprovalPosts(env, 2),
			},
			{
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(deploymentApproval, plancheck.ResourceActionNoop)}},
				Check:            expectApprovalPosts(env, 2),
			},
		},
	})
	if a := f.approvals(t, env); len(a) != 1 {
		t.Errorf("approvals %+v, want 1", a)
	}
}
