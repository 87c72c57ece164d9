package provider_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/provider"
)

// The local-development guide's CLI configuration and example, and the
// placeholder of the clone's path in it.
var (
	devGuideDir         = filepath.Join(examplesRoot, "guides", "local-development")
	devCLIConfigExample = filepath.Join(devGuideDir, "dev.tfrc")
)

const devOverridesPlaceholder = "/path/to/terraform-provider-gitlabjobs/bin"

// TestAccDevOverrides_bothCLIs does what the local-development guide (and
// the README) tell a user: build the provider, point TF_CLI_CONFIG_FILE at
// the guide's dev.tfrc (dev_overrides for registry.terraform.io and
// registry.opentofu.org), skip init, and apply the guide's example against
// the simulator with GITLAB_BASE_URL and GITLAB_TOKEN, once with the short
// source "gitlabjobs/gitlabjobs" (which OpenTofu expands to
// registry.opentofu.org/..., Terraform to registry.terraform.io/...) and
// once with the full registry.terraform.io address. It runs under the CLI
// of TF_ACC_TERRAFORM_PATH; `make test` runs it under OpenTofu and
// Terraform. The CLI runs the built binary, not the test's in-process
// provider.
func TestAccDevOverrides_bothCLIs(t *testing.T) {
	env := acctest.NewSeededEnv(t)
	cli := os.Getenv(acctest.EnvTerraformPath)

	tfrc, err := os.ReadFile(devCLIConfigExample)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(tfrc, []byte(devOverridesPlaceholder)) {
		t.Fatalf("%s does not name the placeholder %s", devCLIConfigExample, devOverridesPlaceholder)
	}
	checkREADMEDevOverrides(t, tfrc)

	work := t.TempDir()
	bin := filepath.Join(work, "bin")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(bin, "terraform-provider-gitlabjobs"), ".")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cliConfig := filepath.Join(work, "dev.tfrc")
	if err := os.WriteFile(cliConfig, bytes.ReplaceAll(tfrc, []byte(devOverridesPlaceholder), []byte(bin)), 0o644); err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(filepath.Join(devGuideDir, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}

	for _, source := range []string{"gitlabjobs/gitlabjobs", provider.Address} {
		t.Run(source, func(t *testing.T) {
			dir := t.TempDir()
			config := "terraform {\n  required_providers {\n    gitlabjobs = {\n      source = \"" + source + "\"\n    }\n  }\n}\n\n" + string(example)
			if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.CommandContext(ctx, cli, "apply", "-auto-approve", "-input=false", "-no-color")
			cmd.Dir = dir
			cmd.Env = append(cleanCLIEnv(),
				"TF_CLI_CONFIG_FILE="+cliConfig,
				"CHECKPOINT_DISABLE=1",
				provider.EnvBaseURL+"="+env.BaseURL,
				provider.EnvToken+"="+env.Token,
			)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s apply with source %q: %v\n%s", filepath.Base(cli), source, err, out)
			}
			for _, want := range []*regexp.Regexp{
				regexp.MustCompile(`(?i)development overrides`), // the guide says both CLIs warn
				regexp.MustCompile(`Apply complete!`),
				regexp.MustCompile(`"e2e-test"\s*=\s*"failed"`),
				regexp.MustCompile(`"deploy"\s*=\s*"manual"`),
			} {
				if !want.Match(out) {
					t.Errorf("%s apply with source %q: output lacks %s:\n%s", filepath.Base(cli), source, want, out)
				}
			}
		})
	}
}

// cleanCLIEnv is the test's environment without what would change the
// CLI's choice of provider or credentials.
func cleanCLIEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case name == "TF_CLI_CONFIG_FILE", name == "TOFU_CLI_CONFIG_FILE", name == "TF_REATTACH_PROVIDERS",
			name == "TF_PLUGIN_CACHE_DIR", name == provider.EnvJobToken, name == provider.EnvCIAPIURL,
			strings.HasPrefix(name, "GITLAB_"), strings.HasPrefix(name, "TF_ACC"), strings.HasPrefix(name, "TF_VAR_"):
			continue
		}
		env = append(env, kv)
	}
	return env
}

// checkREADMEDevOverrides fails when the README's dev_overrides block,
// which a reader copies, says other than the guide's tested one.
func checkREADMEDevOverrides(t *testing.T, tfrc []byte) {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(tfrc), "\n") {
		if strings.Contains(line, devOverridesPlaceholder) && !strings.Contains(string(readme), strings.TrimSpace(line)) {
			t.Errorf("README.md lacks the dev_overrides line of %s: %s", devCLIConfigExample, strings.TrimSpace(line))
		}
	}
}
