package provider_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
)

// TestAccProvider_configuration covers the provider block: bad values fail
// with the attribute and the fix; early_auth_check can be turned off.
func TestAccProvider_configuration(t *testing.T) {
	env := acctest.NewEnv(t)
	job := env.FinishedJob(t)
	ds := jobDataSourceConfig(job.Project, job.JobID)
	block := func(attrs string) string {
		return `
terraform {
  required_providers {
    gitlabjobs = {
      source = "registry.terraform.io/gitlabjobs/gitlabjobs"
    }
  }
}
provider "gitlabjobs" {
` + attrs + `
}
`
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      block(`base_url = "gitlab.example.com/api/v4"`+"\n"+`token = "x"`) + ds,
				ExpectError: regexp.MustCompile(`(?s)base_url "gitlab.example.com/api/v4" has no scheme: add\s+https://`),
			},
			{
				Config:      block(`token = "x"`+"\n"+`job_token = "y"`) + ds,
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination.*job_token`),
			},
			{
				Config:      block(`token = "x"`+"\n"+`client_cert = "/nonexistent.pem"`) + ds,
				ExpectError: regexp.MustCompile(`(?s)client_key.*must be specified`),
			},
			{
				Config:      block(`token = "x"`+"\n"+`headers = { "PRIVATE-TOKEN" = "y" }`) + ds,
				ExpectError: regexp.MustCompile(`headers: "PRIVATE-TOKEN" may not be set here`),
			},
			{
				// With the check off, a bad token fails where it is used, on the data source.
				Config:      env.ProviderBlock(`  token = "glpat-wrong"`+"\n"+`  early_auth_check = false`) + ds,
				ExpectError: regexp.MustCompile(`(?s)GitLab rejected the provider's credentials.*401\s+Unauthorized`),
			},
			{
				Config: env.ProviderConfig("  retries = 0\n  early_auth_check = false\n  headers = { \"X-Request-Source\" = \"acctest\" }") + ds,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(jobDataSource, attr("job_id"), knownvalue.Int64Exact(job.JobID)),
				},
			},
		},
	})
}
