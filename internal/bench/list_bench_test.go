package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// P1: listing jobs. Each row lists every job of a project (or pipeline)
// once and reports:
//
//   - requests: API requests the listing made (counted by the simulator's
//     meter); floor: ceil(jobs/100), the fewest GitLab allows (100 a page).
//     A listing over the floor fails the benchmark.
//   - in_flight: the most requests in flight at once.
//   - wall_ms: the listing's wall time.
//   - peak_MB: the peak Go heap of this process during the listing above
//     the heap before it (sampled every 1 ms; the simulator runs in another
//     process); alloc_MB: the bytes allocated in all.
//
// impl=provider is the data source's Read through the plugin protocol
// (tfprotov6 ReadDataSource, as Terraform calls it, state encoding
// included); impl=gitlabclient is the provider's listing alone (the
// internal/gitlabclient call the data source makes, collecting the jobs),
// without the Terraform state conversion; impl=client-go is the baseline, a
// plain client-go Scan2 loop over the same endpoint with the same page size,
// collecting the jobs.

var latencies = []time.Duration{0, 50 * time.Millisecond}

// listImpl lists all jobs once.
type listImpl struct {
	name string
	// prepare builds what a run needs (a configured provider, a client)
	// outside the measurement and returns the run. The run returns a
	// function that counts the jobs listed, called after the measurement.
	prepare func(b *testing.B) listRun
}

type listRun func(ctx context.Context) (count func() (int, error), err error)

// listed counts a run's jobs.
func listed(count func() (int, error), err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return count()
}

func BenchmarkP1ProjectJobs(b *testing.B) {
	sim := listingSim(b)
	for _, n := range sizesFromEnv(simSizesEnv, defaultProjectSizes) {
		project := sim.Projects[strconv.Itoa(n)]
		benchListing(b, sim, n, []listImpl{
			{name: "provider", prepare: func(b *testing.B) listRun {
				return readDataSource(b, sim, "gitlabjobs_project_jobs", map[string]tftypes.Value{
					"project": tftypes.NewValue(tftypes.String, project),
				})
			}},
			{name: "gitlabclient", prepare: func(b *testing.B) listRun {
				c := providerClient(b, sim)
				return func(ctx context.Context) (func() (int, error), error) {
					var jobs []*gitlabclient.Job
					_, err := c.ListProjectJobs(ctx, project, nil, func(j *gitlabclient.Job) bool {
						jobs = append(jobs, j)
						return true
					})
					return func() (int, error) { return len(jobs), nil }, err
				}
			}},
			{name: "client-go", prepare: func(b *testing.B) listRun {
				gl := clientGo(b, sim)
				// GitLab's keyset pagination for project jobs, as the provider asks for it.
				opts := &gitlab.ListJobsOptions{ListOptions: gitlab.ListOptions{Pagination: "keyset", PerPage: 100, OrderBy: "id", Sort: "desc"}}
				return func(ctx context.Context) (func() (int, error), error) {
					var jobs []*gitlab.Job
					for j, err := range gitlab.Scan2(func(p gitlab.PaginationOptionFunc) ([]*gitlab.Job, *gitlab.Response, error) {
						return gl.Jobs.ListProjectJobs(project, opts, p, gitlab.WithContext(ctx))
					}) {
						if err != nil {
							return nil, err
						}
						jobs = append(jobs, j)
					}
					return func() (int, error) { return len(jobs), nil }, nil
				}
			}},
		})
	}
}

func BenchmarkP1PipelineJobs(b *testing.B) {
	sim := listingSim(b)
	for _, n := range sizesFromEnv(simPipesEnv, defaultPipelineSizes) {
		pipeline := sim.Pipelines[strconv.Itoa(n)]
		benchListing(b, sim, n, []listImpl{
			{name: "provider", prepare: func(b *testing.B) listRun {
				return readDataSource(b, sim, "gitlabjobs_pipeline_jobs", map[string]tftypes.Value{
					"project":     tftypes.NewValue(tftypes.String, sim.PipeProj),
					"pipeline_id": tftypes.NewValue(tftypes.Number, pipeline),
				})
			}},
			{name: "gitlabclient", prepare: func(b *testing.B) listRun {
				c := providerClient(b, sim)
				return func(ctx context.Context) (func() (int, error), error) {
					jobs, err := c.ListPipelineJobs(ctx, sim.PipeProj, pipeline, nil, false)
					return func() (int, error) { return len(jobs), nil }, err
				}
			}},
			{name: "client-go", prepare: func(b *testing.B) listRun {
				gl := clientGo(b, sim)
				opts := &gitlab.ListJobsOptions{ListOptions: gitlab.ListOptions{PerPage: 100}}
				return func(ctx context.Context) (func() (int, error), error) {
					var jobs []*gitlab.Job
					for j, err := range gitlab.Scan2(func(p gitlab.PaginationOptionFunc) ([]*gitlab.Job, *gitlab.Response, error) {
						return gl.Jobs.ListPipelineJobs(sim.PipeProj, pipeline, opts, p, gitlab.WithContext(ctx))
					}) {
						if err != nil {
							return nil, err
						}
						jobs = append(jobs, j)
					}
					return func() (int, error) { return len(jobs), nil }, nil
				}
			}},
		})
	}
}

// benchListing runs one sub-benchmark per latency and implementation. The
// last implementation is the baseline; its first run, unmeasured and
// without latency, warms the simulator's replay (simproc_bench_test.go):
// all implementations send the same requests.
func benchListing(b *testing.B, sim *simProc, n int, impls []listImpl) {
	floor := (n + 99) / 100
	warm := false
	for _, lat := range latencies {
		for _, impl := range impls {
			if skipRow(impl.name, n, lat) {
				continue
			}
			b.Run(fmt.Sprintf("jobs=%d/latency=%dms/impl=%s", n, lat.Milliseconds(), impl.name), func(b *testing.B) {
				if !warm {
					sim.reset(b, 0)
					if got, err := listed(impls[len(impls)-1].prepare(b)(context.Background())); err != nil || got != n {
						b.Fatalf("warm-up: listed %d of %d jobs, err %v", got, n, err)
					}
					warm = true
				}
				var walls []float64
				var peak, alloc float64
				var st simStats
				for range b.N {
					run := impl.prepare(b)
					sim.reset(b, lat)
					mem := startMemSampler()
					start := time.Now()
					count, err := run(context.Background())
					wall := time.Since(start)
					p, a := mem.finish()
					st = sim.stats(b)
					got, err := listed(count, err)
					if err != nil {
						b.Fatal(err)
					}
					if got != n {
						b.Fatalf("listed %d jobs, want %d", got, n)
					}
					if st.Requests != int64(floor) {
						b.Errorf("%d requests, want the floor ceil(%d/100) = %d", st.Requests, n, floor)
					}
					walls = append(walls, float64(wall.Microseconds())/1000)
					peak, alloc = max(peak, p), max(alloc, a)
				}
				slices.Sort(walls)
				b.ReportMetric(0, "ns/op")
				b.ReportMetric(float64(st.Requests), "requests")
				b.ReportMetric(float64(floor), "floor")
				b.ReportMetric(float64(st.MaxInFlight), "in_flight")
				b.ReportMetric(walls[len(walls)/2], "wall_ms")
				b.ReportMetric(peak, "peak_MB")
				b.ReportMetric(alloc, "alloc_MB")
			})
		}
	}
}

// readDataSource prepares a ReadDataSource of typeName with the given
// configuration through a freshly configured provider; the jobs in the
// resulting state are counted after the measurement (decoding the state is
// Terraform's work, not the provider's).
func readDataSource(b *testing.B, sim *simProc, typeName string, config map[string]tftypes.Value) listRun {
	p := newTFProvider(b, sim.URL, sim.Token, nil)
	ds := p.schema.DataSourceSchemas[typeName]
	if ds == nil {
		b.Fatalf("no data source %s", typeName)
	}
	cfg := dynamicValue(b, ds, config)
	return func(ctx context.Context) (func() (int, error), error) {
		resp, err := p.srv.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: typeName, Config: &cfg})
		if err != nil {
			return nil, err
		}
		for _, d := range resp.Diagnostics {
			if d.Severity == tfprotov6.DiagnosticSeverityError {
				return nil, fmt.Errorf("%s: %s", d.Summary, d.Detail)
			}
		}
		return func() (int, error) { return countJobs(resp.State, ds) }, nil
	}
}

func countJobs(state *tfprotov6.DynamicValue, s *tfprotov6.Schema) (int, error) {
	v, err := state.Unmarshal(s.ValueType())
	if err != nil {
		return 0, err
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		return 0, err
	}
	var jobs []tftypes.Value
	if err := attrs["jobs"].As(&jobs); err != nil {
		return 0, err
	}
	return len(jobs), nil
}

// skipRow leaves out, unless GITLABJOBS_BENCH_FULL is set, the data source
// over 50,000 jobs without latency: about 30 s of CPU (the Terraform state
// conversion, ~0.6 ms a job, see BENCHMARKS.md) that the 50 ms row
// measures too, with the latency on top.
func skipRow(impl string, n int, lat time.Duration) bool {
	return impl == "provider" && n >= 50_000 && lat == 0 && os.Getenv("GITLABJOBS_BENCH_FULL") == ""
}

// providerClient is the provider's own client, as the provider configures it.
func providerClient(b *testing.B, sim *simProc) *gitlabclient.Client {
	c, err := gitlabclient.New(gitlabclient.Config{BaseURL: sim.URL, Token: sim.Token, Retries: 5})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// clientGo is a plain client-go client, as its documentation sets one up.
func clientGo(b *testing.B, sim *simProc) *gitlab.Client {
	gl, err := gitlab.NewClient(sim.Token, gitlab.WithBaseURL(sim.URL))
	if err != nil {
		b.Fatal(err)
	}
	return gl
}
