package gitlabsim

import "testing"

// Gitlab::Ci::Status::Composite, case by case (spec/lib/gitlab/ci/status/composite_spec.rb's
// shapes): allow_failure turns failed/canceled into success with warnings and
// manual into ignored; the DAG variant skips on a skipped need and waits on
// an incomplete one.
func TestCompositeStatus(t *testing.T) {
	type js struct {
		status string
		af     bool
	}
	tests := []struct {
		jobs     []js
		dag      bool
		want     string
		warnings bool
	}{
		{[]js{{"success", false}, {"skipped", false}}, false, "success", false},
		{[]js{{"skipped", false}}, false, "skipped", false},
		{[]js{{"created", false}}, false, "created", false},
		{[]js{{"pending", false}, {"created", false}}, false, "pending", false},
		{[]js{{"success", false}, {"created", false}}, false, "running", false},
		{[]js{{"running", false}, {"failed", false}}, false, "running", false},
		{[]js{{"failed", false}, {"success", false}}, false, "failed", false},
		{[]js{{"failed", true}, {"success", false}}, false, "success", true},
		{[]js{{"canceled", true}}, false, "success", true},
		{[]js{{"canceled", false}, {"success", false}}, false, "canceled", false},
		{[]js{{"manual", false}, {"success", false}}, false, "manual", false},
		{[]js{{"manual", true}, {"success", false}}, false, "success", false},
		{[]js{{"manual", true}}, false, "skipped", false},
		{[]js{{"scheduled", false}, {"success", false}}, false, "scheduled", false},
		{[]js{{"manual", false}, {"failed", false}}, false, "manual", false},
		{[]js{{"waiting_for_resource", false}, {"success", false}}, false, "waiting_for_resource", false},
		{[]js{{"success", false}, {"skipped", false}}, true, "skipped", false},
		{[]js{{"success", false}, {"running", false}}, true, "pending", false},
		{[]js{{"success", false}, {"failed", false}}, true, "failed", false},
	}
	for _, tt := range tests {
		var jobs []*job
		for _, j := range tt.jobs {
			jobs = append(jobs, &job{status: j.status, allowFailure: j.af})
		}
		got, warnings, ok := compositeStatus(jobs, tt.dag)
		if !ok || got != tt.want || warnings != tt.warnings {
			t.Errorf("%v dag=%v: %q warnings=%v, want %q warnings=%v", tt.jobs, tt.dag, got, warnings, tt.want, tt.warnings)
		}
	}
	if _, _, ok := compositeStatus(nil, false); ok {
		t.Error("no jobs: a status")
	}
	if statusOr(nil, false) != StatusSuccess {
		t.Error("StatusCollection: no jobs before the first stage is success")
	}
}
