package gitlabsim_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

func TestOutOfBand(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	s := a.sim

	// Retry: one new pending job, the old one retried, counted once.
	newID, err := s.RetryJob(a.test)
	if err != nil || newID == a.test {
		t.Fatalf("RetryJob = %d, %v", newID, err)
	}
	if j := a.snap(newID); j.Status != "pending" || j.Name != "test" || !a.snap(a.test).Retried {
		t.Errorf("new %+v", j)
	}
	if _, err := s.RetryJob(a.test); !errors.Is(err, gitlabsim.ErrNotRetryable) {
		t.Errorf("RetryJob of a retried job: %v", err)
	}
	if n := s.ActionCount(a.test, gitlabsim.ActionRetry); n != 1 {
		t.Errorf("ActionCount(retry) = %d", n)
	}
	// The API sees it: the pipeline lists the copy, not the original.
	list := ids(t, a.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/jobs?per_page=100", a.proj.ID, a.pl.ID), "PRIVATE-TOKEN", a.dev))
	if slices.Contains(list, a.test) || !slices.Contains(list, newID) {
		t.Errorf("pipeline jobs %v", list)
	}

	// Play with variables, as the job's user.
	vars := []gitlabsim.Variable{{Key: "ENV", Value: "prod"}}
	if err := s.PlayJob(a.deploy, vars); err != nil {
		t.Fatal(err)
	}
	if j := a.snap(a.deploy); j.Status != "pending" || j.UserID != a.devU.ID || !reflect.DeepEqual(s.JobVariables(a.deploy), vars) {
		t.Errorf("played %+v", j)
	}
	if err := s.PlayJob(a.plain, nil); !errors.Is(err, gitlabsim.ErrNotPlayable) {
		t.Errorf("PlayJob of a non-action job: %v", err)
	}

	// Cancel.
	if err := s.CancelJob(a.e2e); err != nil {
		t.Fatal(err)
	}
	if r := a.job(a.e2e); r["status"] != "canceled" {
		t.Errorf("canceled out of band: %v", r["status"])
	}
	for id, want := range map[int64]error{a.build: gitlabsim.ErrNotCancelable, a.trigger: gitlabsim.ErrBridge, 999999: gitlabsim.ErrNoJob} {
		if err := s.CancelJob(id); !errors.Is(err, want) {
			t.Errorf("CancelJob(%d) = %v, want %v", id, err, want)
		}
	}

	// Erase, then nothing is left to erase.
	if err := s.EraseJob(a.build); err != nil {
		t.Fatal(err)
	}
	if j := a.snap(a.build); j.ErasedAt == nil || j.Log != "" || j.Artifacts != 0 || j.ErasedByID != a.devU.ID {
		t.Errorf("erased %+v", j)
	}
	if err := s.EraseJob(a.build); !errors.Is(err, gitlabsim.ErrNotErasable) {
		t.Errorf("EraseJob again: %v", err)
	}
	wantStatus(t, a.do(a.build, "erase", a.maint), 403, `{"message":"403 Forbidden - Job is not erasable!"}`)

	// Delete one job: GET answers 404, lists leave it out.
	if err := s.DeleteJob(a.plain); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, a.get(a.jobPath(a.plain), "PRIVATE-TOKEN", a.dev), 404, `{"message":"404 Not found"}`)
	if slices.Contains(s.PipelineJobIDs(a.pl.ID), a.plain) {
		t.Error("the deleted job is still in its pipeline")
	}
	if err := s.DeleteJob(a.plain); !errors.Is(err, gitlabsim.ErrNoJob) {
		t.Errorf("DeleteJob twice: %v", err)
	}

	// Delete the pipeline: every job goes, and its running job's token.
	tok := a.sim.JobToken(a.e2e)
	if err := s.DeletePipeline(a.pl.ID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{a.build, a.deploy, newID} {
		wantStatus(t, a.get(a.jobPath(id), "PRIVATE-TOKEN", a.dev), 404, `{"message":"404 Not found"}`)
	}
	wantStatus(t, a.get(fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/jobs", a.proj.ID, a.pl.ID), "PRIVATE-TOKEN", a.dev), 404, `{"message":"404 Not found"}`)
	wantStatus(t, a.get("/api/v4/job", "JOB-TOKEN", tok), 401, `{"message":"401 Unauthorized"}`)
	if err := s.DeletePipeline(a.pl.ID); err == nil {
		t.Error("DeletePipeline of a deleted pipeline")
	}
	// The runner does not trip over deleted jobs.
	a.clock.Advance(time.Hour)
	a.allChecked()
}

// TestDemoSeedScenario is the demo's story on the seed: play the manual
// deploy with variables and wait for it, retry failed jobs, cancel the
// stuck job, erase an old job.
func TestDemoSeedScenario(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	if err := a.sim.LoadFixture(bytes.NewReader(gitlabsim.DemoFixture())); err != nil {
		t.Fatal(err)
	}
	const root = "glpat-demo-0000000000000000"
	path := func(id int64, action string) string {
		p := fmt.Sprintf("/api/v4/projects/demo-group%%2Fplatform%%2Fdeploy-service/jobs/%d", id)
		if action != "" {
			p += "/" + action
		}
		return p
	}
	job := func(id int64) map[string]any {
		t.Helper()
		r := a.get(path(id, ""), "PRIVATE-TOKEN", root)
		wantStatus(t, r, 200, "")
		return r.json(t)
	}
	post := func(id int64, action, body string, status int) map[string]any {
		t.Helper()
		ct := ""
		if body != "" {
			ct = "application/json"
		}
		r := a.post(path(id, action), ct, body, "PRIVATE-TOKEN", root)
		wantStatus(t, r, status, "")
		return r.json(t)
	}

	post(1013, "play", `{"job_variables_attributes":[{"key":"ENVIRONMENT","value":"staging"}]}`, 200)
	retried := int64(post(1012, "retry", "", 201)["id"].(float64))
	retried1002 := int64(post(1002, "retry", "", 201)["id"].(float64))
	if st := post(1014, "cancel", "", 201)["status"]; st != "canceled" {
		t.Errorf("stuck job after cancel: %v", st)
	}
	if m := post(1001, "erase", "", 201); m["erased_at"] == nil || len(m["artifacts"].([]any)) != 0 {
		t.Errorf("erased 1001: %v", m)
	}
	post(1003, "erase", "", 201)
	a.clock.Advance(time.Second)
	if st := job(1013)["status"]; st != "running" {
		t.Errorf("deploy after the pickup delay: %v", st)
	}
	a.clock.Advance(5 * time.Second)
	if m := job(1013); m["status"] != "success" || m["duration"] != 5.0 {
		t.Errorf("deploy: %v after %v s", m["status"], m["duration"])
	}
	if tr := a.get(path(1013, "trace"), "PRIVATE-TOKEN", root); !strings.Contains(string(tr.body), "Deployment complete") {
		t.Errorf("deploy trace %q", tr.body)
	}
	if j, _ := a.sim.Job(1013); !reflect.DeepEqual(j.Variables, []gitlabsim.Variable{{Key: "ENVIRONMENT", Value: "staging"}}) {
		t.Errorf("deploy variables %v", j.Variables)
	}
	if m := job(retried); m["status"] != "success" || m["name"] != "e2e-test" {
		t.Errorf("retried e2e-test: %v", m["status"])
	}
	if m := job(retried1002); m["status"] != "success" || m["duration"] != 3.0 {
		t.Errorf("retried unit-test (default script): %v %v", m["status"], m["duration"])
	}
	// Untouched: the integration test still runs; the seeded failed job is the same.
	if m := job(1004); m["status"] != "running" {
		t.Errorf("1004: %v", m["status"])
	}
	if m := job(1002); m["status"] != "failed" || m["failure_reason"] != "script_failure" {
		t.Errorf("1002: %v", m)
	}
	// 991 was erased long ago: nothing left to erase.
	post(991, "erase", "", 403)
	a.allChecked()
}

// TestConcurrentActions races API actions, reads, out-of-band calls and the
// clock; run with -race. Every applied action is counted exactly once.
func TestConcurrentActions(t *testing.T) {
	a := newActs(t, gitlabsim.Options{RunnerPickupDelay: 10 * time.Millisecond, RunDuration: 20 * time.Millisecond})
	var jobs []gitlabsim.JobSpec
	for i := range 24 {
		jobs = append(jobs, gitlabsim.JobSpec{Name: fmt.Sprintf("m%d", i), Status: "manual"})
	}
	pl := a.sim.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{UserID: a.devU.ID, Jobs: jobs})
	var wg sync.WaitGroup
	var mu sync.Mutex
	okPlays := 0
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, id := range pl.JobIDs {
				switch (i + w) % 4 {
				case 0:
					if r := a.do(id, "play", a.dev); r.status == 200 {
						mu.Lock()
						okPlays++
						mu.Unlock()
					}
				case 1:
					a.do(id, "cancel", a.maint)
				case 2:
					a.get(a.jobPath(id), "PRIVATE-TOKEN", a.dev)
				case 3:
					if err := a.sim.PlayJob(id, nil); err == nil {
						mu.Lock()
						okPlays++
						mu.Unlock()
					}
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 50 {
			a.clock.Advance(5 * time.Millisecond)
		}
	}()
	wg.Wait()
	a.clock.Advance(time.Hour)
	plays := 0
	for _, id := range a.sim.PipelineJobIDs(pl.ID) {
		plays += a.sim.ActionCount(id, gitlabsim.ActionPlay)
		if j := a.snap(id); j.Status == "pending" || j.Status == "running" {
			t.Errorf("job %d still %s after an hour", id, j.Status)
		}
	}
	if plays != okPlays {
		t.Errorf("%d plays counted, %d succeeded", plays, okPlays)
	}
	a.allChecked()
}
