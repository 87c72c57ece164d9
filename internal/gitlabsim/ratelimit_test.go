package gitlabsim_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

func wantThrottled(t *testing.T, r response, name string, limit, observed int, now time.Time, retryAfter int) {
	t.Helper()
	reset := now.Truncate(time.Second).Add(time.Duration(retryAfter) * time.Second)
	want := map[string]string{
		"Content-Type":        "text/plain",
		"RateLimit-Name":      name,
		"RateLimit-Limit":     strconv.Itoa(limit),
		"RateLimit-Observed":  strconv.Itoa(observed),
		"RateLimit-Remaining": strconv.Itoa(max(limit-observed, 0)),
		"RateLimit-Reset":     strconv.FormatInt(reset.Unix(), 10),
		"RateLimit-ResetTime": reset.UTC().Format(http.TimeFormat),
		"Retry-After":         strconv.Itoa(retryAfter),
	}
	if r.status != 429 || string(r.body) != "Retry later\n" {
		t.Errorf("got %d %q, want 429 \"Retry later\\n\"", r.status, r.body)
	}
	for k, v := range want {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if r.header.Get("X-Frame-Options") != "" {
		t.Error("Rack::Attack answers before the API: no API headers")
	}
}

// The rate limiter: fixed one-minute windows of the simulator's clock.
func TestRateLimitGlobal(t *testing.T) {
	a := newActs(t, gitlabsim.Options{RateLimit: gitlabsim.RateLimit{PerMinute: 3}})
	a.clock.Set(t0.Add(45 * time.Second))
	path := fmt.Sprintf("/api/v4/projects/%d/jobs/%d", a.proj.ID, a.build)
	for i := range 3 {
		tok := a.dev
		if i == 2 {
			tok = a.maint // global: every token counts against one budget
		}
		wantStatus(t, a.get(path, "PRIVATE-TOKEN", tok), 200, "")
	}
	wantThrottled(t, a.get(path, "PRIVATE-TOKEN", a.dev), "throttle_authenticated_api", 3, 4, t0.Add(45*time.Second), 15)
	wantThrottled(t, a.get(path), "throttle_unauthenticated_api", 3, 5, t0.Add(45*time.Second), 15)
	// A throttled POST is not applied.
	r := a.post(a.path(a.deploy, "play"), "", "", "PRIVATE-TOKEN", a.dev)
	if r.status != 429 || a.sim.ActionCount(a.deploy, gitlabsim.ActionPlay) != 0 {
		t.Fatalf("throttled play: %d, applied %d", r.status, a.sim.ActionCount(a.deploy, gitlabsim.ActionPlay))
	}
	a.clock.Advance(15 * time.Second) // the next window
	wantStatus(t, a.get(path, "PRIVATE-TOKEN", a.dev), 200, "")
	limiter := 0
	for _, ev := range a.sim.FaultEvents() {
		if ev.RateLimiter && ev.Status == 429 {
			limiter++
		}
	}
	if limiter != 3 {
		t.Errorf("%d rate limiter events, want 3", limiter)
	}
	a.sim.SetRateLimit(gitlabsim.RateLimit{})
	for range 10 {
		wantStatus(t, a.get(path, "PRIVATE-TOKEN", a.dev), 200, "")
	}
}

func TestRateLimitPerToken(t *testing.T) {
	a := newActs(t, gitlabsim.Options{})
	a.sim.SetRateLimit(gitlabsim.RateLimit{PerMinute: 2, PerToken: true})
	path := fmt.Sprintf("/api/v4/projects/%d/jobs/%d", a.proj.ID, a.build)
	for range 2 {
		wantStatus(t, a.get(path, "PRIVATE-TOKEN", a.dev), 200, "")
	}
	wantThrottled(t, a.get(path, "Authorization", "Bearer "+a.dev), "throttle_authenticated_api", 2, 3, t0, 60)
	wantStatus(t, a.get(path, "PRIVATE-TOKEN", a.maint), 200, "") // another token's budget
	wantStatus(t, a.get(path+"?private_token="+a.maint), 200, "")
	wantThrottled(t, a.get(path, "PRIVATE-TOKEN", a.maint), "throttle_authenticated_api", 2, 3, t0, 60)
	// Without a token: the client's IP.
	for range 2 {
		wantStatus(t, a.get(path), 401, "")
	}
	wantThrottled(t, a.get(path), "throttle_unauthenticated_api", 2, 3, t0, 60)
	a.clock.Advance(time.Minute)
	wantStatus(t, a.get(path, "PRIVATE-TOKEN", a.dev), 200, "")
}
