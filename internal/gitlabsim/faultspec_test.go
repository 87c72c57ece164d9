package gitlabsim_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

func TestParseFault(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want gitlabsim.Fault
		err  string
	}{
		{spec: "POST /api/v4/projects/{id}/jobs/{job_id}/play:reset-after:p=0.2",
			want: gitlabsim.Fault{Route: playRoute, Kind: gitlabsim.FaultResetAfter, Probability: 0.2}},
		{spec: "*:503:calls=1,2", want: gitlabsim.Fault{Kind: gitlabsim.FaultStatus, Status: 503, Calls: []int{1, 2}}},
		{spec: ":502-after", want: gitlabsim.Fault{Kind: gitlabsim.FaultStatusAfter, Status: 502}},
		{spec: "GET:429:retry-after=2:p=0.05", want: gitlabsim.Fault{Method: "GET", Kind: gitlabsim.FaultRateLimited, RetryAfter: 2 * time.Second, Probability: 0.05}},
		{spec: "/api/v4/user:rate-limited:retry-after=1500ms", want: gitlabsim.Fault{Route: "/api/v4/user", Kind: gitlabsim.FaultRateLimited, RetryAfter: 1500 * time.Millisecond}},
		{spec: "*:latency:latency=50ms:method=post", want: gitlabsim.Fault{Kind: gitlabsim.FaultLatency, Latency: 50 * time.Millisecond, Method: "POST"}},
		{spec: "*:reset", want: gitlabsim.Fault{Kind: gitlabsim.FaultReset}},
		{spec: "*:status-after", want: gitlabsim.Fault{Kind: gitlabsim.FaultStatusAfter}},
		{spec: "reset", err: "want ROUTE:KIND"},
		{spec: "*:boom", err: `unknown kind "boom"`},
		{spec: "*:200", err: "unknown kind"},
		{spec: "*:500:p", err: "not NAME=VALUE"},
		{spec: "*:500:p=x", err: `option "p=x"`},
		{spec: "*:500:calls=1,a", err: `option "calls=1,a"`},
		{spec: "*:500:size=3", err: "unknown option"},
	} {
		got, err := gitlabsim.ParseFault(tc.spec)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseFault(%q) = %+v, %v; want an error with %q", tc.spec, got, err, tc.err)
			}
		case err != nil:
			t.Errorf("ParseFault(%q): %v", tc.spec, err)
		case !reflect.DeepEqual(got, tc.want):
			t.Errorf("ParseFault(%q) = %+v, want %+v", tc.spec, got, tc.want)
		}
	}
	// What ParseFault accepts, AddFault accepts.
	sim := gitlabsim.New(gitlabsim.Options{})
	f, _ := gitlabsim.ParseFault("POST /api/v4/projects/{id}/jobs/{job_id}/play:reset-after:p=0.2")
	if _, err := sim.AddFault(f); err != nil {
		t.Error(err)
	}
}
