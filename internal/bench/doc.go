// Package bench holds the measurements behind `make bench` (see
// BENCHMARKS.md): Go benchmarks that drive the provider through the plugin
// protocol (the way Terraform does, without the CLI) against the GitLab
// simulator, and report figures — requests, wall time, memory, throughput —
// with b.ReportMetric. They are figures, not timed tests: nothing here fails
// on a slow machine; a benchmark fails only when the provider gets something
// wrong (a missing job, a request beyond the floor, a diagnostic).
//
// The benchmarks live in the package's test files; the command in
// ./benchtable turns `go test -bench` output into the tables of
// BENCHMARKS.md.
//
//   - P1 (list_bench_test.go): listing 1,000 to 50,000 jobs through the
//     gitlabjobs_project_jobs and gitlabjobs_pipeline_jobs data sources
//     against a plain client-go Scan2 loop, with 0 and 50 ms of latency per
//     request. The simulator runs in a child process (this test binary,
//     re-executed), so the heap measured is the provider's alone.
//   - P3 (refresh_bench_test.go): the plan of 100 job resources (100
//     ReadResource and PlanResourceChange calls, 10 at a time like
//     Terraform) under a 600 requests/minute limit.
//   - P4 (sim_bench_test.go): the simulator's throughput on a 100-job list
//     page.
//
// P2 (waiting for a 5-minute job on a simulated clock) needs the provider's
// unexported poller and lives in internal/provider/job_wait_bench_test.go.
package bench
