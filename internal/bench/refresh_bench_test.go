package bench

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// P3: the plan of a configuration of 100 gitlabjobs_job_cancel resources
// (on finished jobs), as Terraform runs it: ConfigureProvider (with the
// default early authentication check), then for every resource a
// ReadResource (the refresh) and a PlanResourceChange, 10 resources at a
// time (terraform's default -parallelism), through the plugin protocol.
//
// GitLab's rate limiter is played by rateLimiter below: Rack::Attack's
// fixed windows and 429 answer (Retry-After: the seconds to the window's
// end, RateLimit-* headers, "Retry later"), at 600 requests a minute. Time
// is scaled 60×, so that a window lasts one real second and a Retry-After
// of 1 is one simulated minute: the provider's client waits what GitLab
// asks, and the benchmark takes seconds.
//
//   - window=fresh: the plan has the limit to itself.
//   - window=550_used: the token already spent 550 of the window's 600
//     requests (other tools, CI jobs): 50 refreshes are answered 429 and
//     must wait for the next window.
//
// Reported: configure_requests (the early auth check), requests (HTTP
// requests of the refresh and plan, 429s included; goal 100), throttled
// (429s), failures (resources whose refresh or plan ended in an error
// diagnostic; goal 0), changes (resources the plan would change: none,
// nothing changed in GitLab), wall_ms.

const (
	refreshResources   = 100
	refreshParallelism = 10
	limitPerMinute     = 600
	timeScale          = 60 // simulated seconds per real second
)

func BenchmarkP3Refresh(b *testing.B) {
	for _, sc := range []struct {
		name string
		used int
	}{{"fresh", 0}, {"550_used", 550}} {
		b.Run(fmt.Sprintf("resources=%d/limit=%d_per_min/window=%s", refreshResources, limitPerMinute, sc.name), func(b *testing.B) {
			var r refreshResult
			for range b.N {
				r = runRefresh(b, sc.used)
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(r.configure), "configure_requests")
			b.ReportMetric(float64(r.requests), "requests")
			b.ReportMetric(float64(r.throttled), "throttled")
			b.ReportMetric(float64(r.failures), "failures")
			b.ReportMetric(float64(r.changes), "changes")
			b.ReportMetric(float64(r.wall.Microseconds())/1000, "wall_ms")
		})
	}
}

type refreshResult struct {
	configure, requests, throttled int64
	failures, changes              int
	wall                           time.Duration
}

func runRefresh(b *testing.B, used int) refreshResult {
	b.Helper()
	ctx := context.Background()
	sim := gitlabsim.New(gitlabsim.Options{})
	admin := sim.CreateUser(gitlabsim.UserSpec{Username: "root", Admin: true})
	token := sim.CreatePersonalAccessToken(admin.ID, gitlabsim.TokenSpec{Name: "bench"})
	proj := sim.CreateProject(gitlabsim.ProjectSpec{Path: "bench/refresh", Members: map[int64]int{admin.ID: 40}})
	pl := sim.CreatePipeline(proj.ID, gitlabsim.PipelineSpec{Jobs: jobSpecs(refreshResources)})
	limiter := newRateLimiter(sim, limitPerMinute, time.Minute/timeScale)
	srv := httptest.NewServer(limiter)
	defer srv.Close()

	// The default provider configuration: early_auth_check on, 5 retries.
	p := newTFProvider(b, srv.URL, token, map[string]tftypes.Value{"early_auth_check": tftypes.NewValue(tftypes.Bool, nil)})
	configure := limiter.requests.Load()
	const typeName = "gitlabjobs_job_cancel"
	rs := p.schema.ResourceSchemas[typeName]
	if rs == nil {
		b.Fatalf("no resource %s", typeName)
	}
	typ := rs.ValueType()

	// The state an earlier apply left, and the configuration.
	type resource struct{ state, config tftypes.Value }
	resources := make([]resource, len(pl.JobIDs))
	for i, id := range pl.JobIDs {
		ids := map[string]tftypes.Value{
			"project": tftypes.NewValue(tftypes.String, proj.PathWithNamespace),
			"job_id":  tftypes.NewValue(tftypes.Number, id),
		}
		_, config := objectValue(rs, ids)
		ids["id"] = tftypes.NewValue(tftypes.String, proj.PathWithNamespace+":"+strconv.FormatInt(id, 10))
		ids["wait_for_canceled"] = tftypes.NewValue(tftypes.Bool, true)
		_, state := objectValue(rs, ids)
		resources[i] = resource{state: state, config: config}
	}

	limiter.reset(used)
	var failures, changes atomic.Int32
	work := make(chan resource)
	var wg sync.WaitGroup
	start := time.Now()
	for range refreshParallelism {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				failed, changed := refreshAndPlan(ctx, b, p, typeName, rs, typ, r.state, r.config)
				if failed {
					failures.Add(1)
				}
				if changed {
					changes.Add(1)
				}
			}
		}()
	}
	for _, r := range resources {
		work <- r
	}
	close(work)
	wg.Wait()
	return refreshResult{
		configure: configure,
		requests:  limiter.requests.Load(),
		throttled: limiter.throttled.Load(),
		failures:  int(failures.Load()),
		changes:   int(changes.Load()),
		wall:      time.Since(start),
	}
}

// refreshAndPlan is what terraform plan does with one resource: refresh it,
// then plan it against its configuration.
func refreshAndPlan(ctx context.Context, b *testing.B, p *tfProvider, typeName string, rs *tfprotov6.Schema, typ tftypes.Type, state, config tftypes.Value) (failed, changed bool) {
	prior, err := tfprotov6.NewDynamicValue(typ, state)
	if err != nil {
		b.Error(err)
		return true, false
	}
	read, err := p.srv.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: typeName, CurrentState: &prior})
	if err != nil || errorCount(read.Diagnostics) > 0 {
		for _, d := range read.Diagnostics {
			b.Logf("refresh: %s: %s", d.Summary, d.Detail)
		}
		return true, false
	}
	refreshed, err := read.NewState.Unmarshal(typ)
	if err != nil || refreshed.IsNull() {
		b.Errorf("refresh: state %v, err %v", refreshed, err)
		return true, false
	}
	proposed, err := proposedNewState(rs, refreshed, config)
	if err != nil {
		b.Error(err)
		return true, false
	}
	cfg, _ := tfprotov6.NewDynamicValue(typ, config)
	pri, _ := tfprotov6.NewDynamicValue(typ, refreshed)
	prop, _ := tfprotov6.NewDynamicValue(typ, proposed)
	plan, err := p.srv.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: typeName, PriorState: &pri, ProposedNewState: &prop, Config: &cfg,
	})
	if err != nil || errorCount(plan.Diagnostics) > 0 {
		for _, d := range plan.Diagnostics {
			b.Logf("plan: %s: %s", d.Summary, d.Detail)
		}
		return true, false
	}
	planned, err := plan.PlannedState.Unmarshal(typ)
	if err != nil {
		b.Error(err)
		return true, false
	}
	return false, len(plan.RequiresReplace) > 0 || !planned.Equal(refreshed)
}

// proposedNewState is Terraform's proposed new state for top-level
// attributes: the configuration, with computed attributes the
// configuration leaves null taken from the prior state.
func proposedNewState(s *tfprotov6.Schema, prior, config tftypes.Value) (tftypes.Value, error) {
	var p, c map[string]tftypes.Value
	if err := prior.As(&p); err != nil {
		return tftypes.Value{}, err
	}
	if err := config.As(&c); err != nil {
		return tftypes.Value{}, err
	}
	out := make(map[string]tftypes.Value, len(c))
	for _, a := range s.Block.Attributes {
		if v := c[a.Name]; v.IsNull() && a.Computed {
			out[a.Name] = p[a.Name]
		} else {
			out[a.Name] = v
		}
	}
	return tftypes.NewValue(config.Type(), out), nil
}

// rateLimiter is GitLab's Rack::Attack API throttle in front of the
// simulator: fixed windows of window (one scaled minute), perWindow
// requests each, counted for all requests (one token), rejected ones too.
type rateLimiter struct {
	next      http.Handler
	perWindow int
	window    time.Duration

	requests, throttled atomic.Int64

	mu    sync.Mutex
	start time.Time // the current window's start; zero before the first request
	count int
	used  int // requests already counted in the first window
}

func newRateLimiter(next http.Handler, perWindow int, window time.Duration) *rateLimiter {
	return &rateLimiter{next: next, perWindow: perWindow, window: window}
}

// reset zeroes the counts; the next request opens a window in which used
// requests were already spent.
func (l *rateLimiter) reset(used int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests.Store(0)
	l.throttled.Store(0)
	l.start, l.count, l.used = time.Time{}, 0, used
}

func (l *rateLimiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.requests.Add(1)
	now := time.Now()
	l.mu.Lock()
	if l.start.IsZero() {
		l.start, l.count = now, l.used
	}
	for now.Sub(l.start) >= l.window {
		l.start, l.count = l.start.Add(l.window), 0
	}
	l.count++
	count, end := l.count, l.start.Add(l.window)
	l.mu.Unlock()
	if count <= l.perWindow {
		l.next.ServeHTTP(w, r)
		return
	}
	l.throttled.Add(1)
	// GitLab's answer (Gitlab::RackAttack.throttled_response_headers) in
	// real seconds; each is one simulated minute.
	retry := int(math.Ceil(end.Sub(now).Seconds()))
	h := w.Header()
	h.Set("Content-Type", "text/plain")
	h.Set("RateLimit-Name", "throttle_authenticated_api")
	h.Set("RateLimit-Limit", strconv.Itoa(l.perWindow))
	h.Set("RateLimit-Observed", strconv.Itoa(count))
	h.Set("RateLimit-Remaining", "0")
	h.Set("RateLimit-Reset", strconv.FormatInt(end.Unix(), 10))
	h.Set("RateLimit-ResetTime", end.UTC().Format(http.TimeFormat))
	h.Set("Retry-After", strconv.Itoa(max(retry, 1)))
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte("Retry later\n"))
}
