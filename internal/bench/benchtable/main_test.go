package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

const sample = `goos: linux
cpu: Test CPU
BenchmarkP1PipelineJobs/jobs=1000/latency=50ms/impl=provider-2     1   10.00 requests   10.00 floor   4.000 in_flight   1700 wall_ms   80.5 peak_MB   849.4 alloc_MB
BenchmarkP1PipelineJobs/jobs=1000/latency=50ms/impl=gitlabclient-2 1   10.00 requests   10.00 floor   4.000 in_flight   215.2 wall_ms  4.2 peak_MB   7.3 alloc_MB
BenchmarkP1PipelineJobs/jobs=1000/latency=50ms/impl=client-go-2    1   10.00 requests   10.00 floor   1.000 in_flight   537.5 wall_ms  4.8 peak_MB   8.9 alloc_MB
BenchmarkP2Wait/job=5m/poller=provider-2   1   30.00 interval_s   301.0 job_s   30.00 lag_goal_s   31.5 lag_s   3.311 real_ms   31.00 requests
BenchmarkP4SimListPage/page=100/project=100_jobs-2   313   4006100 ns/op   249.6 req/s
PASS
ok  	example	1.0s
`

func TestRender(t *testing.T) {
	res, err := parse(strings.NewReader(sample), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if res.failed || len(res.rows) != 5 || res.cpu != "Test CPU" {
		t.Fatalf("parsed %+v", res)
	}
	var out bytes.Buffer
	render(&out, res)
	got := out.String()
	for _, want := range []string{
		"| jobs | latency | impl | requests | floor | in_flight | wall_ms | ÷ client-go | peak_MB | alloc_MB |",
		"| 1000 | 50ms | gitlabclient | 10 | 10 | 4 | 215 | 0.40 | 4.20 | 7.30 |",
		"| P1 requests = floor ceil(N/100), every listing | all rows | 3 of 3 rows | yes |",
		"÷ client-go, 50 ms, 1000 jobs | ≤ 0.5 | 0.40 | yes |",
		"| P2 requests while waiting for a 5-minute job | ≤ 30 | 31 | no |",
		"| P2 lag between the job finishing and the wait returning, 5m job | ≤ a fifth of the wait, 1–30 s (30 s) | 31.5 s | no |",
		"| 100 | 100_jobs | 250 |",
		"| P4 simulator req/s, 100-job page (project of 100 jobs) | ≥ 5,000 | 250 | no |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "ns/op") {
		t.Errorf("ns/op is not a column:\n%s", got)
	}
}

func TestParseFailure(t *testing.T) {
	res, err := parse(strings.NewReader("--- FAIL: BenchmarkP1ProjectJobs\nFAIL\n"), io.Discard)
	if err != nil || !res.failed {
		t.Fatalf("failed = %v, err %v; want a failure", res.failed, err)
	}
}

func TestNumber(t *testing.T) {
	for v, want := range map[float64]string{
		10: "10", 10000: "10,000", 1234: "1234", 21604.2: "21,604", 249.6: "250", 13.89: "13.9", 1.172: "1.17", 0: "0",
	} {
		if got := number(v); got != want {
			t.Errorf("number(%v) = %q, want %q", v, got, want)
		}
	}
}
