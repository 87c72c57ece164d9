package gitlabsim

import "testing"

// Ci::Processable's transitions of a job with a resource group, written out
// from app/models/ci/processable.rb: enqueue from created, skipped, manual
// and scheduled, and enqueue_scheduled from scheduled, go to
// waiting_for_resource; enqueue_waiting_for_resource goes on to pending.
func TestTransitionTable_WithResourceGroup(t *testing.T) {
	want := map[event]map[string]string{
		evEnqueue: {"created": "waiting_for_resource", "skipped": "waiting_for_resource", "manual": "waiting_for_resource",
			"scheduled": "waiting_for_resource"},
		evEnqueueScheduled: {"scheduled": "waiting_for_resource"},
		evEnqueueWaiting:   {"waiting_for_resource": "pending"},
	}
	s := New(Options{})
	s.ci.runs = map[int64]*pipelineRun{1: {byName: map[string]ciJob{"deploy": {CIJob: CIJob{Name: "deploy", ResourceGroup: "production"}}}}}
	s.ensureResourceGroup(7, "production", s.opts.Now())
	for ev, w := range want {
		for _, from := range AllStatuses {
			j := &job{status: from, pipelineID: 1, projectID: 7, name: "deploy"}
			exp, ok := w[from]
			got, gotOK := s.target(j, ev)
			if gotOK != ok || got != exp {
				t.Errorf("%s/%s: got %q (%v), want %q (%v)", ev, from, got, gotOK, exp, ok)
			}
		}
	}
}
