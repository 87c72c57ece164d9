package provider_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// The approval resource across the lifecycle paths deployment_approval_
// resource_test.go leaves out: Ctrl-C while the approval POST is under way
// (the held request lost, or landing late, as GitLab finishes a request
// whose client went away), and the project respelled. Each counts the
// approval POSTs the simulator received and the deployment's approvals.

// heldApprovalProxy holds the first approval POST (holdingProxy) and lets
// it land just before the next approval POST is forwarded — the worst
// moment for the next apply, which read the deployment without it — or,
// with whenGone, as soon as its client went away; else after a minute.
func heldApprovalProxy(t *testing.T, env *acctest.Env, whenGone bool) (baseURL string, arrived, landed <-chan struct{}) {
	t.Helper()
	isApproval := func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/approval")
	}
	release := make(chan struct{})
	var releaseOnce sync.Once
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) })
	baseURL, arrived, landed = holdingProxy(t, env, heldRequest{
		match: isApproval,
		wait: func(r *http.Request) {
			gone := make(<-chan struct{})
			if whenGone {
				gone = r.Context().Done()
			}
			select {
			case <-release:
			case <-gone:
			case <-time.After(time.Minute):
			}
		},
		before: func(r *http.Request) {
			if isApproval(r) { // land the held request first
				releaseOnce.Do(func() { close(release) })
				<-landed
			}
		},
	})
	return baseURL, arrived, landed
}

// interruptApproval runs an apply of cfg and presses Ctrl-C once the
// approval POST has arrived (arrived closed); it returns the CLI and the
// interrupted apply's output, after checking that the apply failed without
// a false success.
func interruptApproval(t *testing.T, env *acctest.Env, f gateFixture, cfg string, arrived <-chan struct{}, landsWhenGone bool) (*terraformCLI, string) {
	t.Helper()
	cli := newTerraformCLI(t, os.Getenv(acctest.EnvTerraformPath), tfWorkDir(t, cfg))
	cli.run(t, "init", "-input=false", "-no-color")
	first, err := applyInterrupted(t, cli, arrived)
	if err == nil {
		t.Fatalf("the interrupted apply succeeded:\n%s", first)
	}
	if a := f.approvals(t, env); len(a) != 0 && !landsWhenGone {
		t.Fatalf("approvals %+v before the re-apply: the held POST was applied before the interrupt; the test proves nothing:\n%s", a, first)
	}
	if strings.Contains(first, "Apply complete") || strings.Contains(first, "is safe") {
		t.Errorf("the interrupted apply claims success or that applying again is safe:\n%s", first)
	}
	if !strings.Contains(first, "may or may not have been applied") {
		t.Errorf("the interrupted apply does not say that the approval may have been applied:\n%s", first)
	}
	show := cli.run(t, "state", "show", "-no-color", deploymentApproval)
	if !strings.Contains(show, "tainted") || !regexp.MustCompile(fmt.Sprintf(`deployment_id\s+= %d`, f.deploymentID)).MatchString(show) {
		t.Errorf("the interrupted apply did not save the deployment, tainted:\n%s", show)
	}
	return cli, first
}

// reapplied checks the state and the next plan after the re-apply: the
// approval recorded, nothing left to do.
func reapplied(t *testing.T, env *acctest.Env, f gateFixture, cli *terraformCLI, second string) {
	t.Helper()
	if a := f.approvals(t, env); len(a) != 1 || a[0].UserID != f.managerID || a[0].Status != "approved" {
		t.Fatalf("approvals %+v, want the release manager's one:\n%s", a, second)
	}
	show := cli.run(t, "state", "show", "-no-color", deploymentApproval)
	if strings.Contains(show, "tainted") || !regexp.MustCompile(`approved_at\s+= "`).MatchString(show) ||
		!regexp.MustCompile(`status\s+= "approved"`).MatchString(show) {
		t.Errorf("the state does not record the approval:\n%s", show)
	}
	if plan, err := cli.runErr("plan", "-detailed-exitcode", "-input=false", "-no-color"); err != nil {
		t.Errorf("the plan after the re-apply is not empty (%v):\n%s", err, plan)
	}
}

// reapplyAdopts applies again: the held approval lands, the re-apply
// succeeds saying it recorded the earlier attempt's approval, and GitLab
// received posts approval POSTs in all (refused or not).
func reapplyAdopts(t *testing.T, env *acctest.Env, f gateFixture, cli *terraformCLI, landed <-chan struct{}, posts int) {
	t.Helper()
	second, err := cli.runErr("apply", "-auto-approve", "-input=false", "-no-color")
	awaitLanded(t, landed)
	if err != nil || !strings.Contains(second, "by an earlier attempt: recorded, not sent again") &&
		!strings.Contains(second, "before: recorded, not sent again") {
		t.Errorf("the re-apply failed (%v) or does not say that it recorded the earlier attempt's approval:\n%s", err, second)
	}
	if n := approvalPosts(env); n != posts {
		t.Errorf("%d approval POSTs reached GitLab, want %d:\n%s", n, posts, second)
	}
	reapplied(t, env, f, cli, second)
	if n := approvalPosts(env); n != posts {
		t.Errorf("%d approval POSTs after the plan, want %d", n, posts)
	}
}

// Ctrl-C while GitLab is slow to answer the approval POST, and the request
// lost with its client (the simulator's latency ends when the client goes
// away: nothing applied). The interrupted apply fails and saves the
// deployment tainted; the immediate re-apply finds no approval by the user
// and sends it once: one approval, two POSTs of which GitLab applied one.
func TestAccDeploymentApprovalResource_interruptLost(t *testing.T) {
	acctest.PreCheck(t)
	env := acctest.NewEnv(t)
	f := newGateFixture(t, env)
	removeLatency := env.Sim.InjectFault(gitlabsim.Fault{Route: gitlabsim.RouteDeploymentApproval, Kind: gitlabsim.FaultLatency,
		Latency: time.Minute, Calls: []int{1}})
	defer removeLatency()
	arrived := make(chan struct{})
	go func() {
		for approvalPosts(env) == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		close(arrived)
	}()
	cli, _ := interruptApproval(t, env, f, approvalConfig(env, f.managerToken, f, `  comment = "ship it"`), arrived, false)
	if n := approvalPosts(env); n != 1 {
		t.Fatalf("%d approval POSTs after the interrupted apply, want 1", n)
	}
	second := cli.run(t, "apply", "-auto-approve", "-input=false", "-no-color")
	if strings.Contains(second, "recorded, not sent again") {
		t.Errorf("the re-apply claims an approval it sent itself as an earlier one's:\n%s", second)
	}
	if n := approvalPosts(env); n != 2 {
		t.Errorf("%d approval POSTs, want 2 (the lost one, and the re-apply's once):\n%s", n, second)
	}
	reapplied(t, env, f, cli, second)
	if n := approvalPosts(env); n != 2 {
		t.Errorf("%d approval POSTs after the plan, want 2", n)
	}
}

// Ctrl-C while the approval POST is under way, and GitLab finishing it
// after its client went away — at the worst moment: after the immediate
// re-apply read the deployment (no approval yet), just before its own POST
// arrives. GitLab refuses that POST (the deployment no longer waits for
// approval); the re-apply, whose state recorded the interrupted attempt,
// finds the user's approval and records it: one approval, no error, no
// third POST.
func TestAccDeploymentApprovalResource_interruptLandsLate(t *testing.T) {
	acctest.PreCheck(t)
	env := acctest.NewEnv(t)
	f := newGateFixture(t, env)
	base, arrived, landed := heldApprovalProxy(t, env, false)
	cfg := strings.Replace(approvalConfig(env, f.managerToken, f, `  comment = "ship it"`), env.BaseURL, base, 1)
	if cfg == approvalConfig(env, f.managerToken, f, `  comment = "ship it"`) {
		t.Fatal("the configuration does not go through the proxy")
	}
	cli, _ := interruptApproval(t, env, f, cfg, arrived, false)
	if n := approvalPosts(env); n != 0 {
		t.Fatalf("%d approval POSTs reached GitLab after the interrupted apply, want 0 (held)", n)
	}
	reapplyAdopts(t, env, f, cli, landed, 2) // the held one, and the re-apply's, refused
}

// Ctrl-C while the approval POST is under way, GitLab finishing it once its
// client went away, and the re-apply with the project written as its
// numeric ID instead of its path: the deployment shows the user's approval
// and the tainted state recorded the attempt (under the other spelling):
// recorded, not sent again, not refused as "already approved".
func TestAccDeploymentApprovalResource_interruptRespelled(t *testing.T) {
	acctest.PreCheck(t)
	env := acctest.NewEnv(t)
	f := newGateFixture(t, env)
	base, arrived, landed := heldApprovalProxy(t, env, true)
	path := f.project.PathWithNamespace
	cfg := strings.Replace(approvalConfig(env, f.managerToken, f, `  comment = "ship it"`), env.BaseURL, base, 1)
	cli, _ := interruptApproval(t, env, f, cfg, arrived, true)
	awaitLanded(t, landed)
	if a := f.approvals(t, env); len(a) != 1 {
		t.Fatalf("approvals %+v once the held POST landed, want 1", a)
	}
	respelled := strings.Replace(cfg, fmt.Sprintf("%q", path), fmt.Sprintf("%q", fmt.Sprint(f.project.ID)), 1)
	if err := os.WriteFile(filepath.Join(cli.dir, "main.tf"), []byte(respelled), 0o644); err != nil {
		t.Fatal(err)
	}
	reapplyAdopts(t, env, f, cli, landed, 1)
}

// The project written as its numeric ID, then back as its path: an
// in-place update, no POST, the same id; a refresh without rights on the
// respelled project keeps the approval.
func TestAccDeploymentApprovalResource_projectRespelled(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newGateFixture(t, env)
	path := f.project.PathWithNamespace
	id := fmt.Sprintf("%s:%d", path, f.deploymentID)
	cfg := func(token, project string) string {
		return strings.Replace(approvalConfig(env, token, f, `  comment = "ship it"`), fmt.Sprintf("%q", path), fmt.Sprintf("%q", project), 1)
	}
	outsider := env.Sim.CreateUser(gitlabsim.UserSpec{Username: "outsider"})
	outsiderToken := env.Sim.CreatePersonalAccessToken(outsider.ID, gitlabsim.TokenSpec{})
	respell := func(token, project string) resource.TestStep {
		return resource.TestStep{
			Config:           cfg(token, project),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(deploymentApproval, plancheck.ResourceActionUpdate)}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(deploymentApproval, attr("id"), knownvalue.StringExact(id)),
				statecheck.ExpectKnownValue(deploymentApproval, attr("deployment_id"), knownvalue.Int64Exact(f.deploymentID)),
				statecheck.ExpectKnownValue(deploymentApproval, attr("status"), knownvalue.StringExact("approved")),
			},
			Check: expectApprovalPosts(env, 1),
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg(f.managerToken, path), Check: expectApprovalPosts(env, 1)},
			respell(f.managerToken, fmt.Sprint(f.project.ID)),
			respell(f.managerToken, strings.ToUpper(path)),
			respell(outsiderToken, path), // no rights: the refresh keeps it
			{
				Config:           cfg(f.managerToken, path),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(deploymentApproval, plancheck.ResourceActionNoop)}},
				Check:            expectApprovalPosts(env, 1),
			},
		},
	})
	if a := f.approvals(t, env); len(a) != 1 {
		t.Errorf("approvals %+v, want 1", a)
	}
}

// The approval action (Terraform 1.14 or later) interrupted by Ctrl-C while
// its POST is under way, GitLab finishing it once the client went away:
// the apply does not claim the approval; applying again invokes nothing
// (the triggering resource was created), and invoking the action again is
// refused as already approved without a request: one POST, one approval.
func TestAccDeploymentApprovalAction_interrupt(t *testing.T) {
	acctest.PreCheck(t)
	tf := terraformWithActions(t)
	env := acctest.NewEnv(t)
	f := newGateFixture(t, env)
	base, arrived, landed := heldApprovalProxy(t, env, true)
	cfg := approvalActionConfig(env, f)
	cli := newTerraformCLI(t, tf, tfWorkDir(t, strings.Replace(cfg, env.BaseURL, base, 1)))
	cli.run(t, "init", "-input=false", "-no-color")
	first, err := applyInterrupted(t, cli, arrived)
	// The provider answers "may or may not have been applied", but
	// terraform-plugin-go's server sends no event of an InvokeAction once
	// StopProvider cancelled its context (tf6server: "Context done"), so
	// Terraform never sees that error and reports the apply complete. What
	// the provider controls: it never claims the approval.
	if regexp.MustCompile(`approved by\s+release-manager`).MatchString(first) || strings.Contains(first, "is safe") {
		t.Errorf("the interrupted apply claims the approval, or that applying again is safe:\n%s", first)
	}
	if err == nil {
		t.Logf("Terraform reports the interrupted action's apply as complete (the provider's error is dropped on stop):\n%s", first)
	}
	awaitLanded(t, landed)
	second := cli.run(t, "apply", "-auto-approve", "-input=false", "-no-color")
	if n := approvalPosts(env); n != 1 {
		t.Errorf("%d approval POSTs after applying again, want 1:\n%s", n, second)
	}
	invokeRefused(t, env, cli)
	if a := f.approvals(t, env); len(a) != 1 || a[0].UserID != f.managerID {
		t.Errorf("approvals %+v, want the release manager's one", a)
	}
}

// approvalActionConfig is the approval action as the release manager,
// triggered when terraform_data.release is created or updated.
func approvalActionConfig(env *acctest.Env, f gateFixture) string {
	return env.ProviderBlock(fmt.Sprintf("  token = %q", f.managerToken)) + fmt.Sprintf(`
action "gitlabjobs_deployment_approval" "gate" {
  config {
    project = %q
    job_id  = %d
    comment = "ship it"
  }
}

resource "terraform_data" "release" {
  input = "v1"
  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.gitlabjobs_deployment_approval.gate]
    }
  }
}
`, f.project.PathWithNamespace, f.deploy)
}

// invokeRefused invokes the approval action once more after the release
// manager's approval: refused as already approved, without a request (one
// approval POST in all).
func invokeRefused(t *testing.T, env *acctest.Env, cli *terraformCLI) {
	t.Helper()
	out, err := cli.runErr("apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.gitlabjobs_deployment_approval.gate")
	if err == nil || !regexp.MustCompile(`already approved by\s+release-manager`).MatchString(out) {
		t.Errorf("invoking the approval again: %v\n%s", err, out)
	}
	if n := approvalPosts(env); n != 1 {
		t.Errorf("%d approval POSTs, want 1", n)
	}
}
