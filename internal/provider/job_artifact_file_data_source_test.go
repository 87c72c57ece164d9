package provider_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// artifactFixture is a project whose main branch has a successful pipeline
// with a build carrying text, binary and large files, a job whose artifacts
// expired, an erased one, one without artifacts, and a running job (whose
// CI job token reads the others' artifacts).
type artifactFixture struct {
	project                       gitlabsim.Project
	build, expired, erased, plain int64
	running                       int64
}

func newArtifactFixture(t *testing.T, env *acctest.Env) artifactFixture {
	t.Helper()
	past := time.Now().Add(-time.Hour)
	p, pl := newPipeline(t, env,
		gitlabsim.JobSpec{Name: "build", Stage: "build", Status: "success", ExpireIn: "1 week", ArtifactFiles: []gitlabsim.ArtifactFileSpec{
			{Path: "version.txt", Content: "1.4.0\n"},
			{Path: "dist/image-digest.txt", Content: "sha256:0123abcd\n"},
			{Path: "dist/logo.bin", ContentBase64: "AAH/"},
			{Path: "big.log", Size: 3 << 20},
		}},
		gitlabsim.JobSpec{Name: "old", Stage: "build", Status: "success", ArtifactsExpireAt: &past,
			ArtifactFiles: []gitlabsim.ArtifactFileSpec{{Path: "version.txt", Content: "0.9.0\n"}}},
		gitlabsim.JobSpec{Name: "erased", Stage: "build", Status: "success",
			ArtifactFiles: []gitlabsim.ArtifactFileSpec{{Path: "version.txt", Content: "0.8.0\n"}}},
		gitlabsim.JobSpec{Name: "plain", Stage: "test", Status: "success"},
	)
	// A newer pipeline of main, still running: not the latest successful one.
	running := env.Sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{
		{Name: "build", Stage: "build", Status: "success", ArtifactFiles: []gitlabsim.ArtifactFileSpec{{Path: "version.txt", Content: "2.0.0-dev\n"}}},
		{Name: "e2e", Stage: "test", Status: "running", Stuck: true},
	}})
	f := artifactFixture{project: p, build: pl.JobIDs[0], expired: pl.JobIDs[1], erased: pl.JobIDs[2], plain: pl.JobIDs[3], running: running.JobIDs[1]}
	if err := env.Sim.EraseJob(f.erased); err != nil {
		t.Fatal(err)
	}
	return f
}

func artifactFileConfig(project string, attrs string) string {
	return fmt.Sprintf("data \"gitlabjobs_job_artifact_file\" \"f\" {\n  project = %q\n%s}\n", project, attrs)
}

// errRe matches a diagnostic however the CLI wraps it: spaces match any whitespace.
func errRe(pattern string) *regexp.Regexp {
	return regexp.MustCompile("(?s)" + strings.ReplaceAll(pattern, " ", `\s+`))
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestAccJobArtifactFileDataSource(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newArtifactFixture(t, env)
	proj := f.project.PathWithNamespace
	byID := func(jobID int64, path string, extra string) string {
		return env.Config(artifactFileConfig(proj, fmt.Sprintf("  job_id = %d\n  path = %q\n%s", jobID, path, extra)))
	}
	ds := "data.gitlabjobs_job_artifact_file.f"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: byID(f.build, "dist/image-digest.txt", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, attr("content"), knownvalue.StringExact("sha256:0123abcd\n")),
					statecheck.ExpectKnownValue(ds, attr("content_base64"), knownvalue.Null()),
					statecheck.ExpectKnownValue(ds, attr("binary"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(ds, attr("size"), knownvalue.Int64Exact(16)),
					statecheck.ExpectKnownValue(ds, attr("sha256"), knownvalue.StringExact(sha("sha256:0123abcd\n"))),
					statecheck.ExpectKnownValue(ds, attr("content_type"), knownvalue.StringRegexp(regexp.MustCompile(`^text/plain`))),
					statecheck.ExpectKnownValue(ds, attr("id"), knownvalue.StringExact(fmt.Sprintf("%s:%d:dist/image-digest.txt", proj, f.build))),
				},
			},
			{
				// By ref and job name: the build of main's latest successful pipeline.
				Config: env.Config(artifactFileConfig(proj, "  ref = \"main\"\n  job = \"build\"\n  path = \"version.txt\"\n")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, attr("content"), knownvalue.StringExact("1.4.0\n")),
					statecheck.ExpectKnownValue(ds, attr("id"), knownvalue.StringExact(proj+":main:build:version.txt")),
					// The job GitLab served it from: not the newer pipeline's build (still running).
					statecheck.ExpectKnownValue(ds, attr("job_id"), knownvalue.Int64Exact(f.build)),
				},
			},
			{
				// Binary content comes base64-encoded.
				Config: byID(f.build, "dist/logo.bin", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, attr("content"), knownvalue.Null()),
					statecheck.ExpectKnownValue(ds, attr("content_base64"), knownvalue.StringExact("AAH/")),
					statecheck.ExpectKnownValue(ds, attr("binary"), knownvalue.Bool(true)),
				},
			},
			{
				// sensitive = true moves the content to the sensitive attributes.
				Config: byID(f.build, "version.txt", "  sensitive = true\n"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, attr("content"), knownvalue.Null()),
					statecheck.ExpectKnownValue(ds, attr("sensitive_content"), knownvalue.StringExact("1.4.0\n")),
					statecheck.ExpectSensitiveValue(ds, attr("sensitive_content")),
				},
			},
			{
				// A 3 MiB file under a raised cap.
				Config: byID(f.build, "big.log", "  max_size = 4194304\n"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, attr("size"), knownvalue.Int64Exact(3<<20)),
				},
			},
			{
				// Over the (default 1 MiB) cap.
				Config:      byID(f.build, "big.log", ""),
				ExpectError: errRe(`Artifact file larger than max_size.*"big.log" of job \d+ is larger than\s+the\s+limit of 1048576 bytes`),
			},
			{
				Config:      byID(f.build, "nope.txt", ""),
				ExpectError: errRe(`Artifact file not found.*"nope.txt".*job \d+.*the archive has no\s+file\s+"nope.txt"`),
			},
			{
				Config:      byID(f.expired, "version.txt", ""),
				ExpectError: errRe(`Artifact file not found.*artifacts of job \d+ \("old", success\)\s+expired\s+at`),
			},
			{
				Config:      byID(f.erased, "version.txt", ""),
				ExpectError: errRe(`Artifact file not found.*\("erased", success\) was erased at`),
			},
			{
				Config:      byID(f.plain, "version.txt", ""),
				ExpectError: errRe(`Artifact file not found.*\("plain", success\) has no artifacts\s+archive`),
			},
			{
				Config:      byID(f.running, "version.txt", ""),
				ExpectError: errRe(`Artifact file not found.*\("e2e", running\) has not finished`),
			},
			{
				Config:      env.Config(artifactFileConfig(proj, "  ref = \"main\"\n  job = \"nope\"\n  path = \"version.txt\"\n")),
				ExpectError: errRe(`Artifact file not found.*GitLab found no job named "nope" with\s+artifacts\s+in\s+the\s+latest\s+successful\s+pipeline\s+of\s+ref\s+"main"`),
			},
			{
				Config:      env.Config(artifactFileConfig(proj, "  ref = \"main\"\n  job = \"build\"\n  path = \"missing.txt\"\n")),
				ExpectError: errRe(`Artifact file not found.*the archive has no\s+file\s+"missing.txt"`),
			},
		},
	})
}

// Wrong inputs fail the plan, naming the attribute.
func TestAccJobArtifactFileDataSource_badInput(t *testing.T) {
	env := acctest.NewEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      env.Config(artifactFileConfig("g/p", "  job_id = 1\n  ref = \"main\"\n  job = \"build\"\n  path = \"a.txt\"\n")),
				PlanOnly:    true,
				ExpectError: errRe(`Invalid Attribute Combination.*job_id.*ref`),
			},
			{
				Config:      env.Config(artifactFileConfig("g/p", "  ref = \"main\"\n  path = \"a.txt\"\n")),
				PlanOnly:    true,
				ExpectError: errRe(`Invalid Attribute Combination.*job`),
			},
			{
				Config:      env.Config(artifactFileConfig("g/p", "  job_id = 1\n  path = \"dist/../a.txt\"\n")),
				PlanOnly:    true,
				ExpectError: errRe(`Invalid artifact path.*"\.\." segment`),
			},
			{
				Config:      env.Config(artifactFileConfig("g/p", "  job_id = 1\n  path = \"/a.txt\"\n")),
				PlanOnly:    true,
				ExpectError: errRe(`Invalid artifact path.*starts with "/"`),
			},
			{
				Config:      env.Config(artifactFileConfig("g/p", "  job_id = 1\n  path = \"a.txt\"\n  max_size = 0\n")),
				PlanOnly:    true,
				ExpectError: errRe(`max_size.*between 1 and 268435456`),
			},
		},
	})
}

// A running job's CI job token reads the artifacts of its project's jobs,
// and downloads go through faults (5xx, resets, 429s are retried).
func TestAccJobArtifactFileDataSource_jobTokenAndFaults(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newArtifactFixture(t, env)
	for _, fault := range []gitlabsim.Fault{
		{Route: gitlabsim.RouteArtifactsFile, Kind: gitlabsim.FaultStatus, Status: 502, Calls: []int{1}},
		{Route: gitlabsim.RouteArtifactsFile, Kind: gitlabsim.FaultReset, Calls: []int{2}},
		{Route: gitlabsim.RouteArtifactsRefFile, Kind: gitlabsim.FaultRateLimited, Calls: []int{1}},
		{Route: gitlabsim.RouteArtifactsRefFile, Kind: gitlabsim.FaultStatus, Status: 503, Calls: []int{2}},
	} {
		env.Sim.InjectFault(fault)
	}
	withJobToken := env.ProviderBlock(fmt.Sprintf("  job_token = %q\n  retries = 3\n", env.Sim.JobToken(f.running)))
	ds := "data.gitlabjobs_job_artifact_file.f"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: withJobToken + artifactFileConfig(f.project.PathWithNamespace, fmt.Sprintf("  job_id = %d\n  path = \"version.txt\"\n", f.build)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, attr("content"), knownvalue.StringExact("1.4.0\n")),
				},
			},
			{
				Config: withJobToken + artifactFileConfig(f.project.PathWithNamespace, "  ref = \"main\"\n  job = \"build\"\n  path = \"dist/image-digest.txt\"\n"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, attr("content"), knownvalue.StringExact("sha256:0123abcd\n")),
				},
			},
		},
	})
	if n := len(env.Sim.FaultEvents()); n < 4 {
		t.Errorf("%d faults acted, want 4", n)
	}
}
