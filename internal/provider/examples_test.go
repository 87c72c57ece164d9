package provider_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	fwdatasource "github.com/hashicorp/terraform-plugin-framework/datasource"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/provider"
)

// examplesRoot is examples/, seen from this package's directory.
var examplesRoot = filepath.Join("..", "..", "examples")

// exampleVariables are the values of example variables that have no
// default (the user would give them), by example directory.
func exampleVariables(env *acctest.Env) map[string]config.Variables {
	return map[string]config.Variables{
		"provider": {"gitlab_token": config.StringVariable(env.Token)},
		"demo":     {"release_manager_token": config.StringVariable(seedToken(env, "release-manager"))},
	}
}

// aliasedProvider is a provider block with an alias, up to its closing brace
// at the start of a line.
var aliasedProvider = regexp.MustCompile(`(?ms)^provider "gitlabjobs" \{\n[^}]*?^[ \t]*alias[ \t]*=[ \t]*"\w+"[^}]*?^\}`)

// aliasLine is the alias line of a provider block.
var aliasLine = regexp.MustCompile(`(?m)^[ \t]*alias[ \t]*=[ \t]*"\w+"`)

// withSimulatorURL gives every aliased provider block without a base_url of
// its own (the demo's approver, which takes GITLAB_BASE_URL in real use) the
// simulator's URL; a block that names its GitLab keeps it.
func withSimulatorURL(body, baseURL string) string {
	return aliasedProvider.ReplaceAllStringFunc(body, func(block string) string {
		if regexp.MustCompile(`(?m)^[ \t]*base_url[ \t]*=`).MatchString(block) {
			return block
		}
		return aliasLine.ReplaceAllString(block, fmt.Sprintf("$0\n  base_url = %q", baseURL))
	})
}

// seedToken is the token of a seeded user.
func seedToken(env *acctest.Env, username string) string {
	if env.Sim == nil {
		return ""
	}
	for _, tok := range env.Sim.UserTokens() {
		if tok.Username == username {
			return tok.Token
		}
	}
	return ""
}

// exampleSetup prepares the seeded simulator for an example that approves
// a deployment: production requires one approval from the release managers'
// group, whose member release-manager approves (the demo's run.sh sets it
// so). The approval
// resource's example approves the deploy job of the tag's pipeline, which
// the release bot ran: the pipeline 905 is run here, its deploy job 1018
// waits for approval (deployment 1). The demo runs the pipeline itself.
func exampleSetup(t *testing.T, env *acctest.Env, body string) {
	t.Helper()
	if !strings.Contains(body, "resource \"gitlabjobs_deployment_approval\"") {
		return
	}
	var project, managers, pipeline struct {
		ID int64 `json:"id"`
	}
	env.GetJSON(t, "/projects/"+acctest.PathEscape(acctest.SeedProject), &project)
	simRequest(t, env, http.MethodGet, "/groups/"+acctest.PathEscape("demo-group/release-managers"), seedToken(env, "release-manager"), "", &managers)
	if !env.Sim.SetEnvironmentApprovals(project.ID, "production", 0, []gitlabsim.ApprovalRuleSpec{{GroupID: managers.ID, RequiredApprovals: 1}}) {
		t.Fatal("could not set production's approval rule for the release managers' group")
	}
	if strings.Contains(body, "resource \"gitlabjobs_pipeline_run\"") {
		// The test's in-process provider serves every provider configuration
		// of a run from one server, whose last configuration wins: the
		// default provider and the approver's alias then send the same
		// token, so the approver is the deployer here. The project allows
		// it, as GitLab can; make demo (one provider process per
		// configuration) keeps the two users apart.
		env.Sim.SetAllowPipelineTriggerApproveDeployment(project.ID, true)
		return
	}
	simRequest(t, env, http.MethodPost, fmt.Sprintf("/projects/%d/pipeline", project.ID), seedToken(env, "release-bot"), `{"ref":"v1.4.0"}`, &pipeline)
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, ok := env.Sim.JobDeployment(1018)
		if ok && d.ID == 1 && d.Status == "blocked" && d.PendingApprovalCount == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pipeline %d: job 1018 does not wait for approval as deployment 1 (%+v, %v)", pipeline.ID, d, ok)
		}
		time.Sleep(100 * time.Millisecond)
		var user struct{}
		env.GetJSON(t, "/user", &user) // drives the simulator's runner
	}
}

// TestAccExamples applies every example under examples/ (the provider's,
// every data source's and resource's, the demo and the guides) and every
// HCL snippet of the docs (docs/ and templates/) that is not one of those
// examples, each in its own subtest against its own simulator seeded with the
// demo data that the examples name (demo-group/platform/deploy-service and
// its job IDs). The examples carry no credentials: the test puts a provider
// configuration for the simulator in front of them, in place of an empty
// provider block. A resource example's import.sh commands are run against the
// applied state too.
//
// Each must converge: after the apply, once the simulated runner has finished
// every job the apply started or changed, a second plan with nothing else
// changed shows no changes and no errors (as `plan -detailed-exitcode` exits
// 0), and applying again sends GitLab no POST (no job is played, retried,
// canceled or erased twice). Action examples (examples/actions, Terraform >=
// 1.14) are left to TestAccJobActions_examples.
func TestAccExamples(t *testing.T) {
	dirs := exampleDirs(t)
	if len(dirs) == 0 {
		t.Fatalf("no example directories (with .tf files) under %s", examplesRoot)
	}
	checkExampleCoverage(t, dirs)

	for _, dir := range dirs {
		name := filepath.ToSlash(dir)
		t.Run(name, func(t *testing.T) {
			body := readExample(t, filepath.Join(examplesRoot, dir))
			testConvergence(t, name, body, importCommands(t, filepath.Join(examplesRoot, dir, "import.sh")),
				filepath.Join(examplesRoot, dir, importBlockFile))
		})
	}
	for _, snip := range docSnippets(t, dirs) {
		t.Run(snip.name, func(t *testing.T) {
			testConvergence(t, snip.name, emptyProviderBlock.ReplaceAllString(snip.body, ""), nil, "")
		})
	}
}

// actionRoutes are the simulator's routes that act: every POST of the Jobs
// API, the artifact keep and delete, and the pipeline creations.
var actionRoutes = []string{
	"POST /api/v4/projects/{id}/jobs/{job_id}/play",
	"POST /api/v4/projects/{id}/jobs/{job_id}/retry",
	"POST /api/v4/projects/{id}/jobs/{job_id}/cancel",
	"POST /api/v4/projects/{id}/jobs/{job_id}/erase",
	gitlabsim.RouteArtifactsKeep,
	gitlabsim.RouteArtifactsDelete,
	"POST /api/v4/projects/{id}/pipeline",
	"POST /api/v4/projects/{id}/trigger/pipeline",
}

func countPOSTs(env *acctest.Env) int {
	n := 0
	for _, route := range actionRoutes {
		n += env.Sim.RequestCount(route)
	}
	return n
}

// testConvergence applies body (an example or a docs snippet) against a
// freshly seeded simulator, runs imports against the result, waits for the
// simulated runner, then checks that a second plan is empty and a second
// apply sends no POST.
func testConvergence(t *testing.T, name, body string, imports []importCommand, importBlockPath string) {
	env := acctest.NewSeededEnv(t)
	if name == "demo" {
		// As examples/demo/run.sh does: the project forbids pipeline
		// variables (GitLab.com's default), and the demo passes inputs.
		var proj struct {
			ID int64 `json:"id"`
		}
		env.GetJSON(t, "/projects/demo-group%2Fplatform%2Fdeploy-service", &proj)
		if err := env.Sim.SetPipelineVariablesSettings(proj.ID, gitlabsim.PipelineVariablesSettings{
			RestrictUserDefinedVariables: true, MinimumOverrideRole: "no_one_allowed"}); err != nil {
			t.Fatal(err)
		}
	}
	exampleSetup(t, env, body)
	body = withSimulatorURL(body, env.BaseURL)
	cfg := exampleProviderConfig(t, env, body) + "\n" + body
	vars := exampleVariables(env)[name]
	seeded := projectJobStatuses(t, env)
	postsBefore := 0

	steps := []resource.TestStep{
		{Config: cfg, ConfigVariables: vars},
		{
			// Converged: after the runner has done its part, the plan is
			// empty (no resource or output change) and the apply sends no
			// POST.
			PreConfig: func() {
				waitForRunner(t, env, seeded)
				postsBefore = countPOSTs(env)
			},
			Config:          cfg,
			ConfigVariables: vars,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{stateCheckFunc(func() error {
				if n := countPOSTs(env) - postsBefore; n != 0 {
					return fmt.Errorf("applying %s again sent %d acting request(s) (POST, DELETE) to GitLab, want none", name, n)
				}
				return nil
			})},
		},
	}
	for _, imp := range imports {
		steps = append(steps, resource.TestStep{
			Config:            cfg,
			ConfigVariables:   vars,
			ResourceName:      imp.address,
			ImportState:       true,
			ImportStateId:     imp.id,
			ImportStateVerify: true,
			// What GitLab does not remember: the request's settings.
			ImportStateVerifyIgnore: []string{"variables", "inputs", "triggers", "timeouts"},
		})
	}
	// The import block of the docs (import-by-string-id.tf, Terraform and
	// OpenTofu >= 1.5): planned with the example, from a state without the
	// resource. The plan imports the job and at most stores the
	// configuration's settings: it never acts on the job again (a
	// replacement would play or retry it once more).
	if block, ok := importBlock(t, importBlockPath); ok {
		steps = append(steps, resource.TestStep{
			Config:                 cfg + "\n" + block.src,
			ConfigVariables:        vars,
			ResourceName:           block.address,
			ImportState:            true,
			ImportStateKind:        resource.ImportBlockWithID,
			ImportStateConfigExact: true,
			ExpectNonEmptyPlan:     true,
			ImportPlanChecks: resource.ImportPlanChecks{
				PreApply: []plancheck.PlanCheck{importedInPlace{address: block.address}},
			},
		})
	}
	// Destroy in a step of its own: it forgets the job actions (a no-op in
	// GitLab), and leaves an empty state for the framework's final read,
	// which cannot read for_each instances (the demo's).
	steps = append(steps, resource.TestStep{Config: cfg, ConfigVariables: vars, Destroy: true})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps:                    steps,
	})
}

// stateCheckFunc is a state check that looks elsewhere than the state (the
// legacy Check functions cannot read a state with for_each instances).
type stateCheckFunc func() error

func (f stateCheckFunc) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f()
}

// projectJobStatuses is the status of every job of the seeded project
// (retried ones included), by job ID.
func projectJobStatuses(t *testing.T, env *acctest.Env) map[int64]string {
	t.Helper()
	var jobs []struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	env.GetJSON(t, "/projects/"+acctest.PathEscape(acctest.SeedProject)+"/jobs?per_page=100", &jobs)
	out := make(map[int64]string, len(jobs))
	for _, j := range jobs {
		out[j.ID] = j.Status
	}
	return out
}

// settledStatuses are those the simulated runner does not move a job out of.
var settledStatuses = map[string]bool{"success": true, "failed": true, "canceled": true, "skipped": true, "manual": true, "scheduled": true}

// waitForRunner waits until every job the apply created or changed (not as
// seeded) has settled: the simulated runner has finished it.
func waitForRunner(t *testing.T, env *acctest.Env, seeded map[int64]string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var moving []string
		for id, status := range projectJobStatuses(t, env) {
			if was, ok := seeded[id]; (!ok || was != status) && !settledStatuses[status] {
				moving = append(moving, fmt.Sprintf("%d %s", id, status))
			}
		}
		if len(moving) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the simulated runner has not finished the jobs the apply started: %v", moving)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// docsRoots hold the docs' Markdown (generated, and its templates).
var docsRoots = []string{filepath.Join("..", "..", "docs"), filepath.Join("..", "..", "templates")}

// fencedHCL is a fenced code block of Terraform configuration.
var fencedHCL = regexp.MustCompile("(?ms)^```(?:terraform|hcl|tf)[ \t]*\n(.*?)^```")

// actionBlock finds a Terraform action in a snippet.
var actionBlock = regexp.MustCompile(`(?m)^\s*action\s+"|action_trigger`)

type docSnippet struct{ name, body string }

// docSnippets are the HCL snippets of the docs that are meant to apply and
// are not an example (TestAccExamples applies those as examples): the ones
// that name the seeded project. Snippets of Terraform actions (tested by
// TestAccJobActions_examples), and ones that name no real project (a
// placeholder such as group/sub/project, provider settings), are not
// applied. The test fails when no docs snippet is an example: the docs would
// not have been read.
func docSnippets(t *testing.T, dirs []string) []docSnippet {
	t.Helper()
	examples := map[string]bool{}
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(examplesRoot, dir, "*.tf"))
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			examples[strings.TrimSpace(string(src))] = true
		}
	}
	actions, _ := filepath.Glob(filepath.Join(examplesRoot, "actions", "*", "*.tf"))
	for _, f := range actions {
		if src, err := os.ReadFile(f); err == nil {
			examples[strings.TrimSpace(string(src))] = true
		}
	}
	var out []docSnippet
	fromExamples := 0
	for _, root := range docsRoots {
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".md") || strings.HasSuffix(path, ".md.tmpl")) {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(filepath.Join("..", ".."), path)
			for i, m := range fencedHCL.FindAllStringSubmatch(string(src), -1) {
				body := strings.TrimSpace(m[1])
				switch {
				case examples[body]:
					fromExamples++
				case actionBlock.MatchString(body):
					t.Logf("%s, snippet %d: a Terraform action, left to TestAccJobActions_examples", rel, i+1)
				case !strings.Contains(body, acctest.SeedProject):
					t.Logf("%s, snippet %d: names no seeded project, not applied", rel, i+1)
				default:
					out = append(out, docSnippet{name: fmt.Sprintf("%s#%d", filepath.ToSlash(rel), i+1), body: body + "\n"})
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("reading the docs: %v", err)
		}
	}
	if fromExamples == 0 {
		t.Errorf("no HCL snippet of %v is one of the examples: are the docs generated (make generate)?", docsRoots)
	}
	return out
}

// exampleDirs lists the directories under examples/ that hold .tf files,
// relative to examples/; hidden directories (the demo's work directory,
// .terraform) are skipped.
func exampleDirs(t *testing.T) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(examplesRoot, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != examplesRoot && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			// Action examples need Terraform >= 1.14: TestAccJobActions_examples
			// applies them when such a CLI is at hand.
			if path == filepath.Join(examplesRoot, "actions") {
				return filepath.SkipDir
			}
			return nil
		}
		if filepath.Ext(path) != ".tf" {
			return nil
		}
		rel, err := filepath.Rel(examplesRoot, filepath.Dir(path))
		if err != nil {
			return err
		}
		if !slices.Contains(dirs, rel) {
			dirs = append(dirs, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("listing the examples: %v", err)
	}
	sort.Strings(dirs)
	return dirs
}

// checkExampleCoverage fails when a resource or data source of the provider
// has no example (the docs take their examples from there), or a resource
// has no import.sh.
func checkExampleCoverage(t *testing.T, dirs []string) {
	t.Helper()
	ctx := context.Background()
	p := provider.New("test")()
	for _, newResource := range p.Resources(ctx) {
		var resp fwresource.MetadataResponse
		newResource().Metadata(ctx, fwresource.MetadataRequest{ProviderTypeName: "gitlabjobs"}, &resp)
		dir := filepath.Join("resources", resp.TypeName)
		for _, f := range []string{"resource.tf", "import.sh", importBlockFile} {
			if _, err := os.Stat(filepath.Join(examplesRoot, dir, f)); err != nil {
				t.Errorf("resource %s has no example %s: %v", resp.TypeName, filepath.Join("examples", dir, f), err)
			}
		}
	}
	for _, newDataSource := range p.DataSources(ctx) {
		var resp fwdatasource.MetadataResponse
		newDataSource().Metadata(ctx, fwdatasource.MetadataRequest{ProviderTypeName: "gitlabjobs"}, &resp)
		dir := filepath.Join("data-sources", resp.TypeName)
		if _, err := os.Stat(filepath.Join(examplesRoot, dir, "data-source.tf")); err != nil {
			t.Errorf("data source %s has no example: %v", resp.TypeName, err)
		}
	}
	for _, want := range []string{"provider", "demo"} {
		if !slices.Contains(dirs, want) {
			t.Errorf("examples/%s is missing", want)
		}
	}
}

// readExample is the example directory's .tf files, in name order, without
// an empty provider "gitlabjobs" {} block (the test configures the provider).
func readExample(t *testing.T, dir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf files in %s (%v)", dir, err)
	}
	sort.Strings(files)
	var b strings.Builder
	for _, f := range files {
		if filepath.Base(f) == importBlockFile {
			continue // an import step of its own (TestAccExamples)
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("# " + filepath.ToSlash(f) + "\n")
		b.WriteString(emptyProviderBlock.ReplaceAllString(string(src), ""))
		b.WriteString("\n")
	}
	return b.String()
}

var emptyProviderBlock = regexp.MustCompile(`(?m)^[ \t]*provider[ \t]+"gitlabjobs"[ \t]*\{\s*\}[ \t]*$`)

// exampleProviderConfig is what goes in front of an example: the terraform
// block naming the provider (unless the example has its own) and the
// default provider configuration for the seeded simulator. Examples of the
// job token data sources authenticate as GitLab CI would, with the CI job
// token of the seed's running job; every other example with the seed's
// admin token (api scope).
func exampleProviderConfig(t *testing.T, env *acctest.Env, body string) string {
	t.Helper()
	var b strings.Builder
	if !strings.Contains(body, "required_providers") {
		fmt.Fprintf(&b, "terraform {\n  required_providers {\n    gitlabjobs = {\n      source = %q\n    }\n  }\n}\n\n", provider.Address)
	}
	credentials := fmt.Sprintf("  token    = %q\n", env.Token)
	if strings.Contains(body, "gitlabjobs_job_token_") {
		job, ok := env.Sim.Job(acctest.SeedRunningJobID)
		if !ok || job.Status != "running" {
			t.Fatalf("the seed's job %d is not running (%q): its CI job token would be refused", acctest.SeedRunningJobID, job.Status)
		}
		credentials = fmt.Sprintf("  job_token = %q\n", env.Sim.JobToken(acctest.SeedRunningJobID))
	}
	fmt.Fprintf(&b, "provider \"gitlabjobs\" {\n  base_url = %q\n%s}\n", env.BaseURL, credentials)
	return b.String()
}

type importCommand struct{ address, id string }

// importLine is `terraform import ADDRESS "ID"`, the address possibly in
// single quotes (an instance key holds double quotes).
var importLine = regexp.MustCompile(`^terraform import ('[^']+'|\S+) ("[^"]+"|\S+)$`)

// importCommands are the terraform import commands of an import.sh (none
// when there is no such file). Anything but comments, blank lines and such
// commands fails the test: the docs show the file as it is.
func importCommands(t *testing.T, path string) []importCommand {
	t.Helper()
	src, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var cmds []importCommand
	for i, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := importLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("%s:%d: not a terraform import command: %s", path, i+1, line)
		}
		cmds = append(cmds, importCommand{address: strings.Trim(m[1], "'"), id: strings.Trim(m[2], `"`)})
	}
	if len(cmds) == 0 {
		t.Fatalf("%s has no terraform import command", path)
	}
	return cmds
}

// importBlockFile is a resource example's import block, which tfplugindocs
// shows on the resource's page next to import.sh.
const importBlockFile = "import-by-string-id.tf"

type importBlockExample struct{ src, address string }

var importBlockRE = regexp.MustCompile(`(?s)^\s*(?:#[^\n]*\n\s*)*import\s*\{\s*to\s*=\s*(\S+)\s+id\s*=\s*"[^"]+"\s*\}\s*$`)

// importBlock reads an import-by-string-id.tf (false when there is none):
// one import block of the resource's address and an ID, as the docs show it.
func importBlock(t *testing.T, path string) (importBlockExample, bool) {
	t.Helper()
	if path == "" {
		return importBlockExample{}, false
	}
	src, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return importBlockExample{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	m := importBlockRE.FindStringSubmatch(string(src))
	if m == nil {
		t.Fatalf("%s: want comments and one import { to = ..., id = \"...\" } block, got:\n%s", path, src)
	}
	return importBlockExample{src: string(src), address: m[1]}, true
}

// importedInPlace fails unless the plan imports the resource and then
// leaves it as it is or updates it in place.
type importedInPlace struct{ address string }

func (c importedInPlace) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.address {
			continue
		}
		if rc.Change.Importing == nil {
			resp.Error = fmt.Errorf("%s: the plan does not import it", c.address)
		} else if a := rc.Change.Actions; !a.NoOp() && !a.Update() {
			resp.Error = fmt.Errorf("%s: the plan after the import is %v; want no-op or update in place, never acting on the job again", c.address, a)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", c.address)
}

func TestWithSimulatorURL(t *testing.T) {
	body := "provider \"gitlabjobs\" {}\n\nprovider \"gitlabjobs\" {\n  alias = \"approver\"\n  token = var.t\n}\n\n" +
		"provider \"gitlabjobs\" {\n  alias    = \"other\"\n  base_url = \"https://gitlab.example.com/api/v4/\"\n}\n"
	got := withSimulatorURL(body, "http://127.0.0.1:1/api/v4/")
	want := "provider \"gitlabjobs\" {}\n\nprovider \"gitlabjobs\" {\n  alias = \"approver\"\n  base_url = \"http://127.0.0.1:1/api/v4/\"\n  token = var.t\n}\n\n" +
		"provider \"gitlabjobs\" {\n  alias    = \"other\"\n  base_url = \"https://gitlab.example.com/api/v4/\"\n}\n"
	if got != want {
		t.Errorf("withSimulatorURL:\n%s\nwant\n%s", got, want)
	}
}
