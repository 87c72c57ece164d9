package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStandalone builds the binary, starts it with the demo seed, reads the
// env file it writes when ready, calls the API with that token, and stops it.
func TestStandalone(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "gitlabsim")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	envFile := filepath.Join(dir, "sim.env")
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-env-file", envFile)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	env := map[string]string{}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, err := os.ReadFile(envFile)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			k, v, _ := strings.Cut(line, "=")
			env[k] = v
		}
		break
	}
	if env["GITLAB_BASE_URL"] == "" || env["GITLAB_TOKEN"] != "glpat-demo-0000000000000000" {
		t.Fatalf("env file: %v", env)
	}
	req, _ := http.NewRequest(http.MethodGet, env["GITLAB_BASE_URL"]+"projects/demo-group%2Fplatform%2Fdeploy-service/jobs/1002", nil)
	req.Header.Set("PRIVATE-TOKEN", env["GITLAB_TOKEN"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"name":"unit-test"`) {
		t.Fatalf("GET job 1002: %d %s", resp.StatusCode, body)
	}
	// The printed job token of the running job 1004 reads GET /job.
	req, _ = http.NewRequest(http.MethodGet, env["GITLAB_BASE_URL"]+"job", nil)
	req.Header.Set("JOB-TOKEN", "glcbt-demo-1004-0000000000000000")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"id":1004`) {
		t.Fatalf("GET /job with the demo job token: %d %s", resp.StatusCode, body)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(bufio.NewReader(stdout))
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	if !strings.Contains(string(out), "GITLAB_TOKEN=glpat-demo") || !strings.Contains(string(out), "stopping") ||
		!strings.Contains(string(out), "CI job token of running job 1004 (integration-test in demo-group/platform/deploy-service): glcbt-demo-1004-0000000000000000") ||
		!strings.Contains(string(out), "Pipeline trigger token of demo-group/platform/deploy-service (owner root): glptt-demo-0000000000000000") ||
		!strings.Contains(string(out), "user root role admin token glpat-demo-0000000000000000\n") ||
		!strings.Contains(string(out), "user release-bot role maintainer token glpat-release-bot-00000000000\n") ||
		!strings.Contains(string(out), "user release-manager role maintainer token glpat-release-manager-000000\n") {
		t.Errorf("stdout: %s", out)
	}
}

// TestStandaloneRunner plays the seeded manual deploy-staging job against
// the binary with a fast runner (-pickup-delay, -run-duration) and waits
// for it to succeed on the real clock.
func TestStandaloneRunner(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "gitlabsim")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	envFile := filepath.Join(dir, "sim.env")
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-env-file", envFile, "-pickup-delay", "20ms", "-run-duration", "50ms")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var base string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && base == ""; time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(envFile)
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "GITLAB_BASE_URL="); ok {
				base = v
			}
		}
	}
	if base == "" {
		t.Fatal("the simulator did not write its env file")
	}
	job := base + "projects/demo-group%2Fplatform%2Fdeploy-service/jobs/1005"
	call := func(method, url string) (int, string) {
		req, _ := http.NewRequest(method, url, nil)
		req.Header.Set("PRIVATE-TOKEN", "glpat-demo-0000000000000000")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := call(http.MethodPost, job+"/play"); status != 200 || !strings.Contains(body, `"status":"pending"`) {
		t.Fatalf("play: %d %s", status, body)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, body := call(http.MethodGet, job)
		if strings.Contains(body, `"status":"success"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deploy-staging did not finish: %s", body)
		}
	}
}

// TestStandaloneFaults starts the binary with the fault flags: a 503 on the
// first GET of a job, a reset after the first play was applied, latency,
// and a rate limit of 4 requests a minute.
func TestStandaloneFaults(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "gitlabsim")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "-fault", "POST /api/v4/nowhere:reset").CombinedOutput(); err == nil || !strings.Contains(string(out), `no route "POST /api/v4/nowhere"`) {
		t.Errorf("an unknown route: %v %s", err, out)
	}
	envFile := filepath.Join(dir, "sim.env")
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-env-file", envFile, "-no-runner",
		"-fault", "GET /api/v4/projects/{id}/jobs/{job_id}:503:calls=1",
		"-fault", "POST /api/v4/projects/{id}/jobs/{job_id}/play:reset-after:calls=1",
		"-latency", "5ms", "-rate-limit", "4", "-fault-seed", "42")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var base string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && base == ""; time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(envFile)
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "GITLAB_BASE_URL="); ok {
				base = v
			}
		}
	}
	if base == "" {
		t.Fatal("the simulator did not write its env file")
	}
	job := base + "projects/demo-group%2Fplatform%2Fdeploy-service/jobs/1005"
	call := func(method, url string) (int, string, error) {
		req, _ := http.NewRequest(method, url, nil)
		req.Header.Set("PRIVATE-TOKEN", "glpat-demo-0000000000000000")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	if status, body, _ := call(http.MethodGet, job); status != 503 {
		t.Errorf("first GET: %d %s, want the injected 503", status, body)
	}
	if _, _, err := call(http.MethodPost, job+"/play"); err == nil {
		t.Error("play: an answer came through the reset")
	}
	if status, body, _ := call(http.MethodGet, job); status != 200 || !strings.Contains(body, `"status":"pending"`) {
		t.Errorf("after the reset: %d %s, want the job played", status, body)
	}
	throttled := false
	for range 10 {
		if status, body, _ := call(http.MethodGet, job); status == 429 && body == "Retry later\n" {
			throttled = true
			break
		}
	}
	if !throttled {
		t.Error("-rate-limit 4: no 429 in 13 requests")
	}
}

// TestStandaloneAs: -as names the seeded user whose token GITLAB_TOKEN is
// (make demo acts as release-bot); an unknown user is an error.
func TestStandaloneAs(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "gitlabsim")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "-addr", "127.0.0.1:0", "-as", "nobody").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "-as nobody: the seed gives no such user a token") {
		t.Errorf("-as nobody: %v %s", err, out)
	}
	envFile := filepath.Join(dir, "sim.env")
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-env-file", envFile, "-as", "release-bot")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(envFile); err == nil {
			if !strings.Contains(string(b), "GITLAB_TOKEN=glpat-release-bot-00000000000\n") {
				t.Errorf("env file: %s", b)
			}
			return
		}
	}
	t.Fatal("no env file")
}
