package bench

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// P4: the simulator's throughput. Parallel clients (b.RunParallel, 4 per
// GOMAXPROCS; make bench runs it with -cpu 2) GET one 100-job list page
// over a real loopback connection (httptest.Server, keep-alive) and discard
// the body; req/s is requests over the measured time. The clients share
// the two cores with the simulator, so the figure is a floor of what the
// simulator alone serves.
//
//   - project=100_jobs: GET /projects/:id/jobs?per_page=100 of a project
//     with 100 jobs (the case; goal ≥ 5,000 req/s).
//   - project=10000_jobs, project=50000_jobs: the first page of larger
//     projects (pipelines of 100 jobs): the simulator sorts all the
//     project's jobs on every request.
//   - pipeline=10000_jobs: a page of a 10,000-job pipeline's jobs: the
//     simulator computes each job's pipeline status from all the jobs of
//     its pipeline (GitLab stores it), which the P1 listings avoid by
//     replaying answers (simproc_bench_test.go).
func BenchmarkP4SimListPage(b *testing.B) {
	for _, c := range []struct {
		name               string
		jobs, jobsPerBuild int
		pipelineEndpoint   bool
	}{
		{"project=100_jobs", 100, 100, false},
		{"project=10000_jobs", 10_000, 100, false},
		{"project=50000_jobs", 50_000, 100, false},
		{"pipeline=10000_jobs", 10_000, 10_000, true},
	} {
		b.Run("page=100/"+c.name, func(b *testing.B) {
			sim := gitlabsim.New(gitlabsim.Options{})
			admin := sim.CreateUser(gitlabsim.UserSpec{Username: "root", Admin: true})
			token := sim.CreatePersonalAccessToken(admin.ID, gitlabsim.TokenSpec{Name: "bench"})
			proj := sim.CreateProject(gitlabsim.ProjectSpec{Path: "bench/p4", Members: map[int64]int{admin.ID: 40}})
			var pipeline int64
			for done := 0; done < c.jobs; done += c.jobsPerBuild {
				pipeline = sim.CreatePipeline(proj.ID, gitlabsim.PipelineSpec{Jobs: jobSpecs(min(c.jobsPerBuild, c.jobs-done))}).ID
			}
			srv := httptest.NewServer(sim)
			defer srv.Close()
			url := fmt.Sprintf("%s/api/v4/projects/%d/jobs?per_page=100", srv.URL, proj.ID)
			if c.pipelineEndpoint {
				url = fmt.Sprintf("%s/api/v4/projects/%d/pipelines/%d/jobs?per_page=100", srv.URL, proj.ID, pipeline)
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
			defer client.CloseIdleConnections()
			get := func() error {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				if _, err := io.Copy(io.Discard, resp.Body); err != nil {
					return err
				}
				if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Per-Page") != "100" {
					return fmt.Errorf("GET %s: %s", url, resp.Status)
				}
				return nil
			}
			if err := get(); err != nil {
				b.Fatal(err)
			}
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := get(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
