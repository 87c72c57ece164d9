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

const deploymentDataSource = "data.gitlabjobs_deployment.test"

// The deployment of a job waiting for approval, found by its job and by
// its ID: blocked, one approval pending, the release manager's rule unmet;
// after the manager's approval, read again: approved, nothing pending.
func TestAccDeploymentDataSource_blocked(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newGateFixture(t, env)
	byJob := fmt.Sprintf("data \"gitlabjobs_deployment\" \"test\" {\n  project = %q\n  job_id = %d\n}\n", f.project.PathWithNamespace, f.deploy)
	byID := fmt.Sprintf("data \"gitlabjobs_deployment\" \"test\" {\n  project = %q\n  deployment_id = %d\n}\n", f.project.PathWithNamespace, f.deploymentID)
	blocked := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(deploymentDataSource, attr("deployment_id"), knownvalue.Int64Exact(f.deploymentID)),
		statecheck.ExpectKnownValue(deploymentDataSource, attr("job_id"), knownvalue.Int64Exact(f.deploy)),
		statecheck.ExpectKnownValue(deploymentDataSource, attr("id"), knownvalue.StringExact(fmt.Sprintf("%s:%d", f.project.PathWithNamespace, f.deploymentID))),
		statecheck.ExpectKnownValue(deploymentDataSource, attr("status"), knownvalue.StringExact("blocked")),
		statecheck.ExpectKnownValue(deploymentDataSource, attr("environment"), knownvalue.StringExact("production")),
		statecheck.ExpectKnownValue(deploymentDataSource, attr("username"), knownvalue.StringExact("release-bot")),
		statecheck.ExpectKnownValue(deploymentDataSource, attr("pending_approval_count"), knownvalue.Int64Exact(1)),
		statecheck.ExpectKnownValue(deploymentDataSource, attr("waiting_for_approval"), knownvalue.Bool(true)),
		statecheck.ExpectKnownValue(deploymentDataSource, attr("waiting_for"), knownvalue.ListExact([]knownvalue.Check{
			knownvalue.StringExact("Release Manager (1 more)")})),
		statecheck.ExpectKnownValue(deploymentDataSource, attr("approvals"), knownvalue.ListSizeExact(0)),
		statecheck.ExpectKnownValue(deploymentDataSource, attr("approval_rules", 0, "user_id"), knownvalue.Int64Exact(f.managerID)),
		statecheck.ExpectKnownValue(deploymentDataSource, attr("approval_rules", 0, "required_approvals"), knownvalue.Int64Exact(1)),
		statecheck.ExpectKnownValue(deploymentDataSource, attr("approval_rules", 0, "approved"), knownvalue.Int64Exact(0)),
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: env.Config(byJob), ConfigStateChecks: blocked},
			{Config: env.Config(byID), ConfigStateChecks: blocked},
			{
				PreConfig: func() {
					if _, err := env.Sim.ApproveDeployment(f.project.ID, f.deploymentID, f.managerID, "approved", "ship it", ""); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.Config(byID),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentDataSource, attr("pending_approval_count"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(deploymentDataSource, attr("waiting_for_approval"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(deploymentDataSource, attr("waiting_for"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue(deploymentDataSource, attr("approvals", 0, "username"), knownvalue.StringExact("release-manager")),
					statecheck.ExpectKnownValue(deploymentDataSource, attr("approvals", 0, "status"), knownvalue.StringExact("approved")),
					statecheck.ExpectKnownValue(deploymentDataSource, attr("approvals", 0, "comment"), knownvalue.StringExact("ship it")),
					statecheck.ExpectKnownValue(deploymentDataSource, attr("approval_rules", 0, "approved"), knownvalue.Int64Exact(1)),
				},
			},
		},
	})
}

// A job without a deployment, and both or neither of job_id and
// deployment_id, are errors that name the attribute.
func TestAccDeploymentDataSource_errors(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newGateFixture(t, env)
	cfg := func(body string) string {
		return env.Config(fmt.Sprintf("data \"gitlabjobs_deployment\" \"test\" {\n  project = %q\n%s\n}\n", f.project.PathWithNamespace, body))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg(fmt.Sprintf("job_id = %d", f.build)), ExpectError: regexp.MustCompile(`Job \d+ has no deployment`)},
			{Config: cfg(""), ExpectError: regexp.MustCompile(`Exactly one of these attributes must be configured`)},
			{Config: cfg(fmt.Sprintf("job_id = %d\ndeployment_id = %d", f.deploy, f.deploymentID)), ExpectError: regexp.MustCompile(`Invalid Attribute Combination`)},
			{Config: cfg("deployment_id = 999999"), ExpectError: regexp.MustCompile(`GitLab deployment not found`)},
		},
	})
}
