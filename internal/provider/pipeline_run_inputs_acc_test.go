package provider_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Issue 18 case 8: a project where no one may set pipeline variables
// (GitLab.com's default), with typed inputs.

// lockedProject is a project that forbids pipeline variables to everyone
// (restrict_user_defined_variables, no_one_allowed) and whose CI
// configuration declares inputs; the workflow name shows the version the
// pipeline ran with. members are added to the admin (Maintainer).
func lockedProject(t *testing.T, env *acctest.Env, members map[int64]int, buildDuration string) gitlabsim.Project {
	t.Helper()
	env.RequireSim(t, "sets up the pipeline variables setting and inputs")
	all := map[int64]int{env.AdminID: gitlabsim.MaintainerAccess}
	for id, level := range members {
		all[id] = level
	}
	p := env.Sim.CreateProject(gitlabsim.ProjectSpec{
		Path:                         "locked/" + strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())),
		Members:                      all,
		RestrictUserDefinedVariables: true, PipelineVariablesMinimumOverrideRole: "no_one_allowed",
	})
	if err := env.Sim.SetCIConfig(p.ID, gitlabsim.CIConfig{
		Branches:     map[string]string{"main": ""},
		Spec:         &gitlabsim.CISpec{Inputs: map[string]gitlabsim.CIInput{"version": {}, "replicas": {Type: "number", Default: 1}, "dry_run": {Type: "boolean", Default: false}}},
		WorkflowName: "release $[[ inputs.version ]]",
		Jobs:         []gitlabsim.CIJob{{Name: "build", Stage: "build", RunDuration: buildDuration}},
	}); err != nil {
		t.Fatal(err)
	}
	return p
}

func pipelineName(t *testing.T, env *acctest.Env, p gitlabsim.Project, id string) string {
	var out struct {
		Name string `json:"name"`
	}
	env.GetJSON(t, fmt.Sprintf("/projects/%d/pipelines/%s", p.ID, id), &out)
	return out.Name
}

// wantRecorded checks the pipeline the resource recorded: its name (the
// inputs it ran with) and that it carries no variable at all.
func wantRecorded(t *testing.T, env *acctest.Env, p gitlabsim.Project, name string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		id := s.RootModule().Resources[pipelineRun].Primary.Attributes["pipeline_id"]
		if got := pipelineName(t, env, p, id); got != name {
			return fmt.Errorf("pipeline %s is named %q, want %q", id, got, name)
		}
		var vars []map[string]any
		env.GetJSON(t, fmt.Sprintf("/projects/%d/pipelines/%s/variables", p.ID, id), &vars)
		if len(vars) != 0 {
			return fmt.Errorf("pipeline %s has variables %v, want none", id, vars)
		}
		return nil
	}
}

// Without a marker: the pipeline runs with its inputs and no variable; a
// re-apply makes none; a wait that times out leaves the pipeline recorded,
// and the next apply goes on with it; changed inputs run a new pipeline.
func TestAccPipelineRunNoVariables_inputs(t *testing.T) {
	env := acctest.NewEnv(t)
	p := lockedProject(t, env, nil, "4s")
	cfg := func(version, extra string) string {
		return runConfig(env, p.PathWithNamespace, "main", fmt.Sprintf("  inputs = { version = %q, replicas = 3, dry_run = true }\n%s", version, extra))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      cfg("1.4.0", "  wait_for = \"success\"\n  timeouts = { create = \"1s\" }"),
				ExpectError: regexp.MustCompile(`Timed out waiting for pipeline`),
			},
			{
				Config: cfg("1.4.0", "  wait_for = \"success\"\n  timeouts = { create = \"2m\" }"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pipelineRun, attr("marker_sent"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(pipelineRun, attr("status"), knownvalue.StringExact("success")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(wantRuns(env, p, 1), wantRecorded(t, env, p, "release 1.4.0")),
			},
			{
				Config: cfg("1.4.0", "  wait_for = \"success\"\n  timeouts = { create = \"2m\" }"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pipelineRun, plancheck.ResourceActionNoop),
				}},
				Check: wantRuns(env, p, 1),
			},
			{
				Config: cfg("1.5.0", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pipelineRun, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(wantRuns(env, p, 2), wantRecorded(t, env, p, "release 1.5.0")),
			},
		},
	})
}

// Without a marker, an answer lost after GitLab created the pipeline
// cannot be proved to be this run's: the apply adopts nothing and creates
// nothing more; it names the candidate and the import command, which then
// records it.
func TestAccPipelineRunNoVariables_lostAnswer(t *testing.T) {
	env := acctest.NewEnv(t)
	p := lockedProject(t, env, nil, "")
	cfg := runConfig(env, p.PathWithNamespace, "main", `  inputs = { version = "1.4.0" }`)
	var id int64
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					env.Sim.InjectFault(gitlabsim.Fault{Route: routeCreatePipeline, Kind: gitlabsim.FaultResetAfter, Calls: []int{1}})
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)may or may not have been created.*carried no marker.*import it: terraform state rm.*terraform import`),
			},
			{
				PreConfig: func() {
					created := env.Sim.CreatedPipelines(p.ID)
					if len(created) != 1 {
						t.Fatalf("%d pipelines, want 1", len(created))
					}
					id = created[0]
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)may or may not have been created.*carried no marker`),
			},
			// terraform state rm (here: the resource out of the configuration, which forgets it)
			{Config: env.ProviderConfig(fastSettle)},
			{
				Config:             cfg,
				ResourceName:       pipelineRun,
				ImportState:        true,
				ImportStateIdFunc:  func(*terraform.State) (string, error) { return fmt.Sprintf("%s:%d", p.PathWithNamespace, id), nil },
				ImportStatePersist: true,
			},
			{
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(wantRuns(env, p, 1), resource.TestCheckResourceAttrWith(pipelineRun, "pipeline_id", func(v string) error {
					if v != fmt.Sprint(id) {
						return fmt.Errorf("pipeline_id %s, want %d", v, id)
					}
					return nil
				})),
			},
		},
	})
	if posts := env.Sim.RequestCount(routeCreatePipeline); posts != 1 {
		t.Errorf("%d POSTs, want 1", posts)
	}
}

// A Developer cannot see the setting: the marker is refused (400, nothing
// created), and the creation is sent again without it. Variables are
// refused naming the setting and the fix, not ref or .gitlab-ci.yml;
// unknown inputs name inputs.
func TestAccPipelineRunNoVariables_developer(t *testing.T) {
	env := acctest.NewEnv(t)
	env.RequireSim(t, "sets up a Developer")
	dev := env.Sim.CreateUser(gitlabsim.UserSpec{Username: "dev"})
	tok := env.Sim.CreatePersonalAccessToken(dev.ID, gitlabsim.TokenSpec{})
	p := lockedProject(t, env, map[int64]int{dev.ID: gitlabsim.DeveloperAccess}, "")
	provider := env.ProviderBlock(fmt.Sprintf("  token = %q\n%s", tok, fastSettle))
	body := func(extra string) string {
		return provider + fmt.Sprintf("resource \"gitlabjobs_pipeline_run\" \"release\" {\n  project = %q\n  ref     = \"main\"\n%s\n}\n", p.PathWithNamespace, extra)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      body(`  variables = { ENV = "production" }` + "\n" + `  inputs = { version = "1.4.0" }`),
				ExpectError: regexp.MustCompile(`(?s)GitLab forbids pipeline variables in this project.*Insufficient permissions to set pipeline variables.*Minimum role to use pipeline variables.*inputs`),
			},
			{
				Config:      body(`  inputs = { version = "1.4.0", colour = "red" }`),
				ExpectError: regexp.MustCompile(`(?s)GitLab refused the pipeline's inputs.*unknown input arguments: colour`),
			},
			{
				Config: body(`  inputs = { version = "1.4.0" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pipelineRun, attr("marker_sent"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(pipelineRun, attr("username"), knownvalue.StringExact("dev")),
				},
				Check: wantRuns(env, p, 1),
			},
		},
	})
	// Refused: the variables, the unknown input (its marker refused first,
	// then the input), the marker of the last; then the one that ran.
	if posts := env.Sim.RequestCount(routeCreatePipeline); posts != 5 {
		t.Errorf("%d POSTs, want 5 (4 refused, 1 created)", posts)
	}
}

// Case 7 without a marker: two identical resources in one apply make one
// pipeline (the first hands it to the second in provider memory).
func TestAccPipelineRunNoVariables_twoIdenticalResources(t *testing.T) {
	env := acctest.NewEnv(t)
	testTwoIdentical(t, env, lockedProject(t, env, nil, ""), `inputs = { version = "1.4.0" }`, "false")
}
