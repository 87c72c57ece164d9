package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// The simulator of the listing benchmarks runs in a child process: this
// test binary, re-executed with simProcEnv set. The parent's heap then holds
// only what the provider (or the baseline client) allocates.
//
// In front of the simulator sits a meter (this file): it counts the API
// requests, adds the injected latency to each, times the simulator, and
// replays answers, so that a measurement of the client never includes the
// simulator's own time (once ~35 ms for a page of a 10,000-job pipeline,
// ~50 µs since the P4 work). So each benchmark first lists once without latency
// (the warm-up, not measured), and the measured runs get the same bytes
// back — status, headers (X-Next-Page, X-Total-Pages, Link, ...) and body —
// for the same request: the data does not change during the benchmarks.
// Every request still counts, is delayed by the injected latency, and
// reaches the meter over the loopback.

const (
	simProcEnv   = "GITLABJOBS_BENCH_SIM_PROCESS"
	simSizesEnv  = "GITLABJOBS_BENCH_SIZES" // project job counts, e.g. "1000,10000,50000"
	simPipesEnv  = "GITLABJOBS_BENCH_PIPES" // pipeline job counts, e.g. "1000,10000"
	benchToken   = "glpat-benchmark-token-0001"
	jobsPerBuild = 100 // jobs per pipeline of the project listings
)

// Sizes of the listings; GITLABJOBS_BENCH_SIZES and GITLABJOBS_BENCH_PIPES
// override them (e.g. for a quick run).
var (
	defaultProjectSizes  = []int{1_000, 10_000, 50_000}
	defaultPipelineSizes = []int{1_000, 10_000}
)

func sizesFromEnv(name string, def []int) []int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			panic(fmt.Sprintf("%s: %q is not a list of positive numbers", name, v))
		}
		out = append(out, n)
	}
	return out
}

// simInfo is what the child reports when it is ready.
type simInfo struct {
	URL       string            `json:"url"`
	Token     string            `json:"token"`
	Projects  map[string]string `json:"projects"`  // job count -> project path
	Pipelines map[string]int64  `json:"pipelines"` // job count -> pipeline ID (in project PipelineProject)
	PipeProj  string            `json:"pipeline_project"`
}

// simStats are the meter's counts since the last reset.
type simStats struct {
	Requests    int64            `json:"requests"`
	Replayed    int64            `json:"replayed"`
	SimNanos    int64            `json:"sim_ns"`
	MaxInFlight int64            `json:"max_in_flight"`
	Statuses    map[string]int64 `json:"statuses"`
}

// ---- child side ----

// serveSimProcess is the child: it seeds a simulator, serves it behind the
// meter on a loopback port, prints simInfo as one JSON line, and serves
// until its standard input closes (the parent went away).
func serveSimProcess() int {
	sim := gitlabsim.New(gitlabsim.Options{})
	info := seedListingSim(sim, sizesFromEnv(simSizesEnv, defaultProjectSizes), sizesFromEnv(simPipesEnv, defaultPipelineSizes))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	m := newMeter(sim)
	srv := &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	info.URL = "http://" + l.Addr().String()
	if err := json.NewEncoder(os.Stdout).Encode(info); err != nil {
		return 1
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// seedListingSim creates, for each project size, a project of that many
// jobs in pipelines of 100, and in one more project a pipeline of each
// pipeline size.
func seedListingSim(sim *gitlabsim.Sim, projectSizes, pipelineSizes []int) simInfo {
	admin := sim.CreateUser(gitlabsim.UserSpec{Username: "bench", Admin: true})
	info := simInfo{
		Token:     sim.CreatePersonalAccessToken(admin.ID, gitlabsim.TokenSpec{Name: "bench", Value: benchToken, Scopes: []string{"read_api"}}),
		Projects:  map[string]string{},
		Pipelines: map[string]int64{},
		PipeProj:  "bench/pipelines",
	}
	members := map[int64]int{admin.ID: 40}
	for _, n := range projectSizes {
		path := fmt.Sprintf("bench/jobs-%d", n)
		p := sim.CreateProject(gitlabsim.ProjectSpec{Path: path, Members: members})
		for done := 0; done < n; done += jobsPerBuild {
			sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Jobs: jobSpecs(min(jobsPerBuild, n-done))})
		}
		info.Projects[strconv.Itoa(n)] = path
	}
	pp := sim.CreateProject(gitlabsim.ProjectSpec{Path: info.PipeProj, Members: members})
	for _, n := range pipelineSizes {
		info.Pipelines[strconv.Itoa(n)] = sim.CreatePipeline(pp.ID, gitlabsim.PipelineSpec{Jobs: jobSpecs(n)}).ID
	}
	return info
}

// jobSpecs are n finished jobs with a realistic mix of statuses (so that
// some timestamps and failure reasons are null and some are not).
func jobSpecs(n int) []gitlabsim.JobSpec {
	stages := []string{"build", "test", "deploy"}
	specs := make([]gitlabsim.JobSpec, n)
	for i := range specs {
		status := gitlabsim.StatusSuccess
		switch i % 20 {
		case 0:
			status = gitlabsim.StatusFailed
		case 1:
			status = gitlabsim.StatusCanceled
		case 2:
			status = gitlabsim.StatusManual
		case 3:
			status = gitlabsim.StatusSkipped
		}
		specs[i] = gitlabsim.JobSpec{Name: fmt.Sprintf("job-%d", i), Stage: stages[i%len(stages)], Status: status}
	}
	return specs
}

type cachedAnswer struct {
	status int
	header http.Header
	body   []byte
}

// meter counts, delays, times and replays requests in front of the simulator.
type meter struct {
	sim      http.Handler
	latency  atomic.Int64 // ns
	requests atomic.Int64
	replayed atomic.Int64
	simNanos atomic.Int64
	inFlight atomic.Int64
	maxIn    atomic.Int64

	mu       sync.Mutex
	statuses map[int]int64
	cache    map[string]*cachedAnswer
}

func newMeter(sim http.Handler) *meter {
	return &meter{sim: sim, statuses: map[int]int64{}, cache: map[string]*cachedAnswer{}}
}

func (m *meter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_bench/") {
		m.control(w, r)
		return
	}
	m.requests.Add(1)
	n := m.inFlight.Add(1)
	defer m.inFlight.Add(-1)
	for {
		cur := m.maxIn.Load()
		if n <= cur || m.maxIn.CompareAndSwap(cur, n) {
			break
		}
	}
	if d := time.Duration(m.latency.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	// The same request (its query parameters in any order) gets the same answer.
	key := r.Method + " " + r.URL.Path + "?" + r.URL.Query().Encode()
	m.mu.Lock()
	a := m.cache[key]
	m.mu.Unlock()
	if a != nil {
		m.replayed.Add(1)
	} else {
		rec := httptest.NewRecorder()
		start := time.Now()
		m.sim.ServeHTTP(rec, r)
		m.simNanos.Add(int64(time.Since(start)))
		a = &cachedAnswer{status: rec.Code, header: rec.Header().Clone(), body: rec.Body.Bytes()}
		if r.Method == http.MethodGet && a.status == http.StatusOK {
			m.mu.Lock()
			m.cache[key] = a
			m.mu.Unlock()
		}
	}
	m.mu.Lock()
	m.statuses[a.status]++
	m.mu.Unlock()
	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// control: POST /_bench/reset?latency=50ms zeroes the counts and sets the
// latency; GET /_bench/stats returns simStats.
func (m *meter) control(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/_bench/reset":
		d, err := time.ParseDuration(r.URL.Query().Get("latency"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		m.latency.Store(int64(d))
		m.requests.Store(0)
		m.replayed.Store(0)
		m.simNanos.Store(0)
		m.maxIn.Store(0)
		m.mu.Lock()
		m.statuses = map[int]int64{}
		m.mu.Unlock()
	case "/_bench/stats":
		st := simStats{Requests: m.requests.Load(), Replayed: m.replayed.Load(), SimNanos: m.simNanos.Load(),
			MaxInFlight: m.maxIn.Load(), Statuses: map[string]int64{}}
		m.mu.Lock()
		for code, n := range m.statuses {
			st.Statuses[strconv.Itoa(code)] = n
		}
		m.mu.Unlock()
		_ = json.NewEncoder(w).Encode(st)
	default:
		http.NotFound(w, r)
	}
}

// ---- parent side ----

// simProc is the running child.
type simProc struct {
	simInfo
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

var (
	simOnce sync.Once
	simErr  error
	theSim  *simProc
)

// listingSim starts the child simulator on first use.
func listingSim(b *testing.B) *simProc {
	b.Helper()
	simOnce.Do(func() { theSim, simErr = startSimProcess() })
	if simErr != nil {
		b.Fatalf("starting the simulator process: %v", simErr)
	}
	return theSim
}

func startSimProcess() (*simProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), simProcEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		_ = stdin.Close()
		_ = cmd.Wait()
		return nil, fmt.Errorf("no address from the simulator process: %w", err)
	}
	p := &simProc{cmd: cmd, stdin: stdin}
	if err := json.Unmarshal(line, &p.simInfo); err != nil {
		_ = stdin.Close()
		_ = cmd.Wait()
		return nil, fmt.Errorf("simulator process said %q: %w", line, err)
	}
	return p, nil
}

// stopSimProcess closes the child's standard input, which ends it.
func stopSimProcess() {
	if theSim == nil {
		return
	}
	_ = theSim.stdin.Close()
	done := make(chan struct{})
	go func() { _ = theSim.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = theSim.cmd.Process.Kill()
		<-done
	}
}

func (p *simProc) reset(b *testing.B, latency time.Duration) {
	b.Helper()
	resp, err := http.Post(p.URL+"/_bench/reset?latency="+url.QueryEscape(latency.String()), "text/plain", nil)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("reset: %s", resp.Status)
	}
}

func (p *simProc) stats(b *testing.B) simStats {
	b.Helper()
	resp, err := http.Get(p.URL + "/_bench/stats")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var st simStats
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&st); err != nil {
		b.Fatalf("stats %q: %v", body, err)
	}
	return st
}
