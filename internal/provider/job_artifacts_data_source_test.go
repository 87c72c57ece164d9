package provider_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestAccJobArtifactsDataSource lists a build's archive by ID and by ref
// (through download faults), and fails with the cap or the reason.
func TestAccJobArtifactsDataSource(t *testing.T) {
	env := acctest.NewEnv(t)
	f := newArtifactFixture(t, env)
	proj := f.project.PathWithNamespace
	env.Sim.InjectFault(gitlabsim.Fault{Route: gitlabsim.RouteArtifactsArchive, Kind: gitlabsim.FaultReset, Calls: []int{1}})
	env.Sim.InjectFault(gitlabsim.Fault{Route: gitlabsim.RouteArtifactsRefArchive, Kind: gitlabsim.FaultStatus, Status: 502, Calls: []int{1}})
	cfg := func(attrs string) string {
		return env.Config(fmt.Sprintf("data \"gitlabjobs_job_artifacts\" \"a\" {\n  project = %q\n%s}\n", proj, attrs))
	}
	ds := "data.gitlabjobs_job_artifacts.a"
	wantFiles := knownvalue.ListExact([]knownvalue.Check{
		knownvalue.ObjectExact(map[string]knownvalue.Check{"path": knownvalue.StringExact("big.log"), "size": knownvalue.Int64Exact(3 << 20)}),
		knownvalue.ObjectExact(map[string]knownvalue.Check{"path": knownvalue.StringExact("dist/image-digest.txt"), "size": knownvalue.Int64Exact(16)}),
		knownvalue.ObjectExact(map[string]knownvalue.Check{"path": knownvalue.StringExact("dist/logo.bin"), "size": knownvalue.Int64Exact(3)}),
		knownvalue.ObjectExact(map[string]knownvalue.Check{"path": knownvalue.StringExact("version.txt"), "size": knownvalue.Int64Exact(6)}),
	})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: cfg(fmt.Sprintf("  job_id = %d\n", f.build)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, attr("files"), wantFiles),
					statecheck.ExpectKnownValue(ds, attr("paths").AtSliceIndex(3), knownvalue.StringExact("version.txt")),
					statecheck.ExpectKnownValue(ds, attr("archive_size"), knownvalue.NotNull()),
				},
			},
			{
				Config: cfg("  ref = \"main\"\n  job = \"build\"\n"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, attr("files"), wantFiles),
					statecheck.ExpectKnownValue(ds, attr("id"), knownvalue.StringExact(proj+":main:build")),
				},
			},
			{
				Config:      cfg(fmt.Sprintf("  job_id = %d\n  max_archive_size = 100\n", f.build)),
				ExpectError: errRe(`Artifacts archive larger than max_archive_size.*more than max_archive_size \(100 bytes\)`),
			},
			{
				Config:      cfg(fmt.Sprintf("  job_id = %d\n", f.expired)),
				ExpectError: errRe(`Artifacts archive not found.*\("old", success\) expired at`),
			},
			{
				Config:      cfg("  ref = \"main\"\n  job = \"nope\"\n"),
				ExpectError: errRe(`Artifacts archive not found.*no job named "nope"`),
			},
		},
	})
	if n := len(env.Sim.FaultEvents()); n != 2 {
		t.Errorf("%d faults acted, want 2", n)
	}
}
