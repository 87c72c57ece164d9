// Command benchtable turns the output of the `make bench` benchmarks
// (`go test -bench`, any number of packages, on standard input) into
// markdown tables on standard output: one table per benchmark, with the
// sub-benchmark's name parts (jobs=1000/latency=50ms/...) as columns and
// the metrics after them; the P1 listings get each row's wall time over the
// client-go baseline's, and a last table checks the goals.
//
// Lines that are not benchmark results go to standard error. It exits with
// status 1 when the input holds a failure (FAIL) or no results.
package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

func main() {
	res, err := parse(os.Stdin, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	render(os.Stdout, res)
	if res.failed || len(res.rows) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: the benchmarks failed or produced no results")
		os.Exit(1)
	}
}

// row is one benchmark result.
type row struct {
	group   string      // BenchmarkP1ProjectJobs
	keys    [][2]string // name parts: {"jobs", "1000"}, ...
	metrics map[string]float64
	units   []string // in the order reported
}

func (r row) key(name string) string {
	for _, kv := range r.keys {
		if kv[0] == name {
			return kv[1]
		}
	}
	return ""
}

type results struct {
	rows   []row
	groups []string // in order of appearance
	cpu    string
	failed bool
}

var resultLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.*)$`)

func parse(in io.Reader, passthrough io.Writer) (*results, error) {
	res := &results{}
	seen := map[string]bool{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		m := resultLine.FindStringSubmatch(line)
		if m == nil {
			switch {
			case strings.HasPrefix(line, "cpu: "):
				res.cpu = strings.TrimPrefix(line, "cpu: ")
			case strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "--- FAIL") || strings.HasPrefix(line, "panic:"):
				res.failed = true
			}
			fmt.Fprintln(passthrough, line)
			continue
		}
		parts := strings.Split(m[1], "/")
		r := row{group: parts[0], metrics: map[string]float64{}}
		for _, p := range parts[1:] {
			k, v, ok := strings.Cut(p, "=")
			if !ok {
				k, v = "case", p
			}
			r.keys = append(r.keys, [2]string{k, v})
		}
		fields := strings.Fields(m[3])
		if len(fields)%2 != 0 {
			return nil, fmt.Errorf("cannot read %q", line)
		}
		for i := 0; i < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("cannot read %q: %w", line, err)
			}
			r.metrics[fields[i+1]] = v
			r.units = append(r.units, fields[i+1])
		}
		if !seen[r.group] {
			seen[r.group] = true
			res.groups = append(res.groups, r.group)
		}
		res.rows = append(res.rows, r)
	}
	return res, sc.Err()
}

// groupInfo titles a benchmark's table and orders its metrics.
type groupInfo struct {
	title   string
	metrics []string // preferred order; others follow
}

var groupInfos = map[string]groupInfo{
	"BenchmarkP1ProjectJobs": {
		title:   "P1 — list a project's jobs: `gitlabjobs_project_jobs` (GET /projects/:id/jobs; keyset, no counts)",
		metrics: []string{"requests", "floor", "in_flight", "wall_ms", "÷ client-go", "peak_MB", "alloc_MB"},
	},
	"BenchmarkP1PipelineJobs": {
		title:   "P1 — list a pipeline's jobs: `gitlabjobs_pipeline_jobs` (GET /projects/:id/pipelines/:id/jobs; offset with X-Total-Pages)",
		metrics: []string{"requests", "floor", "in_flight", "wall_ms", "÷ client-go", "peak_MB", "alloc_MB"},
	},
	"BenchmarkP2Wait": {
		title:   "P2 — wait for a job that runs 20 s, 2 min, 5 min, 30 min (simulated clock)",
		metrics: []string{"requests", "lag_s", "lag_goal_s", "interval_s", "job_s", "real_ms"},
	},
	"BenchmarkP3Refresh": {
		title:   "P3 — plan of 100 job resources under 600 requests/minute",
		metrics: []string{"configure_requests", "requests", "throttled", "failures", "changes", "wall_ms"},
	},
	"BenchmarkP4SimListPage": {
		title:   "P4 — simulator throughput: GET a 100-job list page, parallel clients",
		metrics: []string{"req/s"},
	},
	"BenchmarkP5ArtifactFile": {
		title:   "P5 — read one artifact file: `gitlabjobs_job_artifact_file` (GET /projects/:id/jobs/:job_id/artifacts/*path) against curl",
		metrics: []string{"bytes", "wall_ms", "peak_MB", "alloc_MB", "max_rss_MB"},
	},
	"BenchmarkP6LogStream": {
		title:   "P6 — one poll of `stream_job_log` with 10 new lines (GET /projects/:id/jobs/:job_id/trace from the bytes shown on)",
		metrics: []string{"bytes_read", "new_lines", "real_ms", "alloc_KB"},
	},
}

const ratioColumn = "÷ client-go"

// baselineRatios adds to each P1 row its wall time over the wall time of the
// client-go row of the same size and latency.
func baselineRatios(rows []row) {
	base := map[string]float64{}
	id := func(r row) string { return r.group + "|" + r.key("jobs") + "|" + r.key("latency") }
	for _, r := range rows {
		if r.key("impl") == "client-go" {
			base[id(r)] = r.metrics["wall_ms"]
		}
	}
	for i, r := range rows {
		if b := base[id(r)]; b > 0 && r.key("impl") != "" {
			rows[i].metrics[ratioColumn] = r.metrics["wall_ms"] / b
			rows[i].units = append(rows[i].units, ratioColumn)
		}
	}
}

// groupOrder is the order of the tables; other benchmarks follow.
var groupOrder = []string{"BenchmarkP1ProjectJobs", "BenchmarkP1PipelineJobs", "BenchmarkP2Wait", "BenchmarkP3Refresh", "BenchmarkP4SimListPage", "BenchmarkP5ArtifactFile", "BenchmarkP6LogStream"}

func render(w io.Writer, res *results) {
	baselineRatios(res.rows)
	slices.SortStableFunc(res.groups, func(a, b string) int {
		rank := func(g string) int {
			if i := slices.Index(groupOrder, g); i >= 0 {
				return i
			}
			return len(groupOrder)
		}
		return rank(a) - rank(b)
	})
	cpu := res.cpu
	if cpu == "" {
		cpu = "unknown CPU"
	}
	fmt.Fprintf(w, "Machine: %d cores (%s), %s/%s, %s.\n", runtime.NumCPU(), cpu, runtime.GOOS, runtime.GOARCH, runtime.Version())
	for _, g := range res.groups {
		var rows []row
		for _, r := range res.rows {
			if r.group == g {
				rows = append(rows, r)
			}
		}
		info, ok := groupInfos[g]
		if !ok {
			info.title = g
		}
		fmt.Fprintf(w, "\n### %s\n\n", info.title)
		renderTable(w, rows, info.metrics)
	}
	renderGoals(w, res.rows)
}

func renderTable(w io.Writer, rows []row, preferred []string) {
	var keys, units []string
	hasKey, hasUnit := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		for _, kv := range r.keys {
			if !hasKey[kv[0]] {
				hasKey[kv[0]] = true
				keys = append(keys, kv[0])
			}
		}
		for _, u := range r.units {
			hasUnit[u] = true
		}
	}
	for _, u := range preferred {
		if hasUnit[u] {
			units = append(units, u)
			hasUnit[u] = false
		}
	}
	for _, r := range rows {
		for _, u := range r.units {
			if hasUnit[u] && u != "ns/op" {
				units = append(units, u)
				hasUnit[u] = false
			}
		}
	}
	header := append(append([]string{}, keys...), units...)
	fmt.Fprintf(w, "| %s |\n", strings.Join(header, " | "))
	align := make([]string, len(header))
	for i := range header {
		align[i] = "---"
		if i >= len(keys) {
			align[i] = "---:"
		}
	}
	fmt.Fprintf(w, "|%s|\n", strings.Join(align, "|"))
	for _, r := range rows {
		var cells []string
		for _, k := range keys {
			cells = append(cells, r.key(k))
		}
		for _, u := range units {
			v, ok := r.metrics[u]
			switch {
			case !ok:
				cells = append(cells, "")
			case u == ratioColumn:
				cells = append(cells, fmt.Sprintf("%.2f", v))
			default:
				cells = append(cells, number(v))
			}
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
}

// number prints integers whole (with thousands separators) and other
// values with three significant digits or more.
func number(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return group(strconv.FormatInt(int64(v), 10))
	}
	switch a := math.Abs(v); {
	case a >= 100:
		return group(strconv.FormatFloat(v, 'f', 0, 64))
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

func group(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if len(s) <= 4 {
		if neg {
			return "-" + s
		}
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// goal is one of the targets, checked against the rows.
type goal struct {
	what, target string
	measured     string
	met          string // yes, no, or "—" when there is nothing to judge
}

func renderGoals(w io.Writer, rows []row) {
	var goals []goal
	find := func(group string, want map[string]string) (row, bool) {
	next:
		for _, r := range rows {
			if r.group != group {
				continue
			}
			for k, v := range want {
				if r.key(k) != v {
					continue next
				}
			}
			return r, true
		}
		return row{}, false
	}
	yes := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "no"
	}

	// P1: requests at the floor, everywhere.
	n, atFloor := 0, 0
	for _, r := range rows {
		if f, ok := r.metrics["floor"]; ok {
			n++
			if r.metrics["requests"] == f {
				atFloor++
			}
		}
	}
	if n > 0 {
		goals = append(goals, goal{"P1 requests = floor ceil(N/100), every listing", "all rows",
			fmt.Sprintf("%d of %d rows", atFloor, n), yes(atFloor == n)})
	}
	for _, c := range []struct{ group, impl, what, target string }{
		{"BenchmarkP1PipelineJobs", "gitlabclient", "P1 concurrent offset listing (provider's client) ÷ client-go, 50 ms", "≤ 0.5"},
		{"BenchmarkP1PipelineJobs", "provider", "P1 `gitlabjobs_pipeline_jobs` data source ÷ client-go, 50 ms", "≤ 0.5"},
		{"BenchmarkP1ProjectJobs", "gitlabclient", "P1 project jobs keyset listing (provider's client) ÷ client-go, 50 ms", "— (no counts: sequential)"},
		{"BenchmarkP1ProjectJobs", "provider", "P1 `gitlabjobs_project_jobs` data source ÷ client-go, 50 ms", "—"},
	} {
		for _, r := range rows {
			if r.group != c.group || r.key("impl") != c.impl || r.key("latency") != "50ms" {
				continue
			}
			ratio, ok := r.metrics[ratioColumn]
			if !ok {
				continue
			}
			met := "—"
			if c.target == "≤ 0.5" {
				met = yes(ratio <= 0.5)
			}
			goals = append(goals, goal{fmt.Sprintf("%s, %s jobs", c.what, r.key("jobs")), c.target, fmt.Sprintf("%.2f", ratio), met})
		}
	}
	if r, ok := find("BenchmarkP2Wait", map[string]string{"job": "5m", "poller": "provider"}); ok {
		goals = append(goals,
			goal{"P2 requests while waiting for a 5-minute job", "≤ 30", number(r.metrics["requests"]), yes(r.metrics["requests"] <= 30)})
	}
	for _, r := range rows {
		if r.group != "BenchmarkP2Wait" || r.key("poller") != "provider" {
			continue
		}
		if _, ok := r.metrics["lag_goal_s"]; !ok {
			continue
		}
		goals = append(goals, goal{"P2 lag between the job finishing and the wait returning, " + r.key("job") + " job",
			"≤ a fifth of the wait, 1–30 s (" + number(r.metrics["lag_goal_s"]) + " s)",
			number(r.metrics["lag_s"]) + " s", yes(r.metrics["lag_s"] <= r.metrics["lag_goal_s"])})
	}
	for _, r := range rows {
		if r.group != "BenchmarkP3Refresh" {
			continue
		}
		win := r.key("window")
		if win == "fresh" {
			goals = append(goals, goal{"P3 requests of the plan (refresh + plan), window " + win, "100",
				number(r.metrics["requests"]), yes(r.metrics["requests"] == 100)})
		} else {
			goals = append(goals, goal{"P3 requests of the plan (refresh + plan), window " + win, "— (429s add requests)",
				fmt.Sprintf("%s (%s answered 429)", number(r.metrics["requests"]), number(r.metrics["throttled"])), "—"})
		}
		goals = append(goals, goal{"P3 failures, window " + win, "0", number(r.metrics["failures"]), yes(r.metrics["failures"] == 0)})
	}
	if r, ok := find("BenchmarkP4SimListPage", map[string]string{"project": "100_jobs"}); ok {
		goals = append(goals, goal{"P4 simulator req/s, 100-job page (project of 100 jobs)", "≥ 5,000",
			number(r.metrics["req/s"]), yes(r.metrics["req/s"] >= 5000)})
	}
	if len(goals) == 0 {
		return
	}
	fmt.Fprintf(w, "\n### Goals\n\n| measure | goal | measured | met |\n|---|---|---:|---|\n")
	for _, g := range goals {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", g.what, g.target, g.measured, g.met)
	}
}
