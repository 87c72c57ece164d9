// Command gitlabsim serves the GitLab API simulator (jobs, pipelines,
// artifacts, guards, deployments...) on 127.0.0.1, seeded with the demo
// project (or a seed file), until interrupted.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (port 0: any free port)")
	seed := flag.String("seed", "", "JSON seed file (default: the embedded demo seed)")
	externalURL := flag.String("external-url", "", "GitLab external URL used in web_url (default: the request's host)")
	envFile := flag.String("env-file", "", "when ready, write GITLAB_BASE_URL and GITLAB_TOKEN lines to this file")
	as := flag.String("as", "", "GITLAB_TOKEN is this seeded user's token (default: the first administrator's), e.g. release-bot")
	var opts gitlabsim.Options
	flag.DurationVar(&opts.RunnerPickupDelay, "pickup-delay", 0, "how long a pending job waits for the simulated runner (0: 1s)")
	flag.DurationVar(&opts.RunDuration, "run-duration", 0, "how long a job without a scripted duration runs (0: 3s)")
	flag.BoolVar(&opts.RunnerDisabled, "no-runner", false, "disable the simulated runner: pending jobs stay pending")
	flag.BoolVar(&opts.GracefulCancel, "graceful-cancel", false, "the runner cancels gracefully: canceled running jobs go through canceling")
	flag.BoolVar(&opts.WithoutTriggerJobs, "without-trigger-jobs", false, "act as GitLab before 19.2: no GET .../pipelines/:pipeline_id/trigger_jobs route")
	// Fault injection (internal/gitlabsim/faults.go; the -fault syntax in
	// faultspec.go, the rate limit in ratelimit.go).
	var faults faultFlags
	flag.Var(&faults, "fault", "inject a fault, ROUTE:KIND[:OPTION]... (repeatable), e.g. 'POST /api/v4/projects/{id}/jobs/{job_id}/play:reset-after:p=0.2', '*:503:calls=1,2', 'GET:429:retry-after=2s:p=0.05'; "+
		"KIND: 500|502|503|504 (before the endpoint runs), 502-after (after it applied the request), reset, reset-after, 429, latency; OPTION: p=, calls=, retry-after=, latency=, method=")
	flag.IntVar(&opts.RateLimit.PerMinute, "rate-limit", 0, "answer 429 as GitLab's Rack::Attack does beyond this many requests per minute (0: no limit)")
	flag.BoolVar(&opts.RateLimit.PerToken, "rate-limit-per-token", false, "count -rate-limit per token (per IP without one) instead of for all requests")
	latency := flag.Duration("latency", 0, "add this latency to every request")
	flag.Int64Var(&opts.FaultSeed, "fault-seed", 1, "seed of the faults given a probability (p=)")
	flag.Parse()

	opts.ExternalURL = *externalURL
	if *latency > 0 {
		faults = append(faults, gitlabsim.Fault{Kind: gitlabsim.FaultLatency, Latency: *latency})
	}
	if err := run(opts, *addr, *seed, *envFile, *as, faults...); err != nil {
		log.Fatalf("gitlabsim: %v", err)
	}
}

// faultFlags collects the -fault flags.
type faultFlags []gitlabsim.Fault

func (f *faultFlags) String() string { return fmt.Sprintf("%d faults", len(*f)) }

func (f *faultFlags) Set(spec string) error {
	fault, err := gitlabsim.ParseFault(spec)
	if err != nil {
		return err
	}
	*f = append(*f, fault)
	return nil
}

func run(opts gitlabsim.Options, addr, seed, envFile, as string, faults ...gitlabsim.Fault) error {
	sim := gitlabsim.New(opts)
	for _, f := range faults {
		if _, err := sim.AddFault(f); err != nil {
			return err
		}
	}
	var r io.Reader = bytes.NewReader(gitlabsim.DemoFixture())
	if seed != "" {
		f, err := os.Open(seed)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	if err := sim.LoadFixture(r); err != nil {
		return err
	}
	url, stop, err := sim.Start(addr)
	if err != nil {
		return err
	}
	defer stop()
	baseURL, token := url+"/api/v4/", sim.AdminToken()
	if as != "" {
		token = ""
		for _, ut := range sim.UserTokens() {
			if ut.Username == as {
				token = ut.Token
				break
			}
		}
		if token == "" {
			return fmt.Errorf("-as %s: the seed gives no such user a token", as)
		}
	}

	fmt.Printf("GitLab Jobs API simulator listening on %s\n", url)
	fmt.Printf("GITLAB_BASE_URL=%s\nGITLAB_TOKEN=%s\n", baseURL, token)
	// The CI job tokens of the running jobs, for the job token endpoints
	// (GET /job, /job/allowed_agents, job lists) and the provider's
	// job_token; GitLab accepts one only while its job runs.
	for _, jt := range sim.RunningJobTokens() {
		fmt.Printf("CI job token of running job %d (%s in %s): %s\n", jt.JobID, jt.Name, jt.Project, jt.Token)
	}
	// Each seeded user's personal access token with its role, so that a
	// tester can act as each role (the guards: protected refs and environments).
	for _, ut := range sim.UserTokens() {
		fmt.Printf("user %s role %s token %s\n", ut.Username, ut.Role, ut.Token)
	}
	for _, tt := range sim.TriggerTokens() { // POST /projects/:id/trigger/pipeline
		fmt.Printf("Pipeline trigger token of %s (owner %s): %s\n", tt.Project, tt.Owner, tt.Token)
	}
	if envFile != "" {
		tmp := filepath.Join(filepath.Dir(envFile), "."+filepath.Base(envFile)+".tmp")
		content := fmt.Sprintf("GITLAB_BASE_URL=%s\nGITLAB_TOKEN=%s\n", baseURL, token)
		if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
			return err
		}
		if err := os.Rename(tmp, envFile); err != nil {
			return err
		}
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	fmt.Println("stopping")
	return nil
}
