package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// BenchmarkP6LogStream (make bench, BENCHMARKS.md): the cost of one poll of
// stream_job_log (job_log_stream.go) while a job's log holds 10 KiB, 1 MiB
// and 10 MiB and 10 new lines came since the last poll: the trace is asked
// from the bytes already shown on (Range), GitLab's API answers it whole,
// and the client drops what was shown. Reported: bytes_read (the answer's
// body, per poll), new_lines (lines shown), real_ms (the poll, over HTTP to
// the simulator on this machine), alloc_KB (allocated per poll).
func BenchmarkP6LogStream(b *testing.B) {
	for _, size := range []struct {
		name  string
		bytes int
	}{{"10KiB", 10 << 10}, {"1MiB", 1 << 20}, {"10MiB", 10 << 20}} {
		b.Run("log="+size.name, func(b *testing.B) {
			var read atomic.Int64
			sim := gitlabsim.New(gitlabsim.Options{OnResponse: func(route string, _ int, _ http.Header, body []byte) {
				if strings.HasSuffix(route, "/trace") {
					read.Store(int64(len(body)))
				}
			}})
			srv := httptest.NewServer(sim)
			defer srv.Close()
			admin := sim.CreateUser(gitlabsim.UserSpec{Username: "root", Admin: true})
			token := sim.CreatePersonalAccessToken(admin.ID, gitlabsim.TokenSpec{})
			p := sim.CreateProject(gitlabsim.ProjectSpec{Path: "g/app", Members: map[int64]int{admin.ID: 40}})
			line := strings.Repeat("x", 99) + "\n"
			log := strings.Repeat(line, size.bytes/len(line))
			id := sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{{Name: "deploy", Status: "running", Log: log}}}).JobIDs[0]
			client, err := gitlabclient.New(gitlabclient.Config{BaseURL: srv.URL, Token: token})
			if err != nil {
				b.Fatal(err)
			}
			project, _ := gitlabclient.ParseProject(p.PathWithNamespace)
			shown := 0
			s := newLogStreamer(client, project, poller{masks: []string{"secret-value"}, note: func(context.Context, string) { shown++ }})
			job := &gitlabclient.Job{ID: id, Status: "running"}
			var total time.Duration
			var allocs uint64
			var ms runtime.MemStats
			for range b.N {
				s.jobID, s.offset, s.partial = id, int64(len(log)-10*len(line)), nil // 10 lines are new
				shown = 0
				runtime.ReadMemStats(&ms)
				before := ms.TotalAlloc
				start := time.Now()
				s.onPoll(context.Background(), job)
				total += time.Since(start)
				runtime.ReadMemStats(&ms)
				allocs += ms.TotalAlloc - before
			}
			if shown != 10 {
				b.Fatalf("%d lines shown, want 10", shown)
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(read.Load()), "bytes_read")
			b.ReportMetric(float64(shown), "new_lines")
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "real_ms")
			b.ReportMetric(float64(allocs)/1024/float64(b.N), "alloc_KB")
		})
	}
}
