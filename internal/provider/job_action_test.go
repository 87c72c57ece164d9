package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

func TestParseImportID(t *testing.T) {
	for _, tc := range []struct {
		id      string
		names   []string
		project string
		ids     []int64
		err     string
	}{
		{id: "group/sub/project:12", names: []string{"job_id"}, project: "group/sub/project", ids: []int64{12}},
		{id: "42:7", names: []string{"job_id"}, project: "42", ids: []int64{7}},
		{id: "group%2Fproject:7", names: []string{"job_id"}, project: "group/project", ids: []int64{7}},
		{id: "g/p:12:13", names: []string{"job_id", "new_job_id"}, project: "g/p", ids: []int64{12, 13}},
		{id: "g/p/12", names: []string{"job_id"}, err: "is not <project>:<job_id>"},
		{id: "g/p:12", names: []string{"job_id", "new_job_id"}, err: "<project>:<job_id>:<new_job_id>"},
		{id: "g/p:0", names: []string{"job_id"}, err: `job_id "0" is not a positive number`},
		{id: "g/p:-3", names: []string{"job_id"}, err: "not a positive number"},
		{id: "g/p:abc", names: []string{"job_id"}, err: "not a positive number"},
		{id: ":12", names: []string{"job_id"}, err: "the import ID"},
		{id: "g/p:99999999999999999999", names: []string{"job_id"}, err: "not a positive number"},
	} {
		p, ids, err := parseImportID(tc.id, tc.names...)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want one containing %q", tc.id, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.id, err)
			continue
		}
		if p.String() != tc.project || len(ids) != len(tc.ids) || ids[0] != tc.ids[0] || ids[len(ids)-1] != tc.ids[len(ids)-1] {
			t.Errorf("%q: got %s %v, want %s %v", tc.id, p, ids, tc.project, tc.ids)
		}
	}
}

func TestNewJobResult(t *testing.T) {
	started := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.FixedZone("CET", 3600))
	d := 12.5
	m := newJobResult(&gitlabclient.Job{ID: 3, Status: "failed", WebURL: "https://gitlab.example.com/g/p/-/jobs/3",
		StartedAt: &started, Duration: &d, FailureReason: "script_failure"})
	for name, c := range map[string][2]attr.Value{
		"status":         {m.Status, types.StringValue("failed")},
		"web_url":        {m.WebURL, types.StringValue("https://gitlab.example.com/g/p/-/jobs/3")},
		"started_at":     {m.StartedAt, types.StringValue("2026-01-02T02:04:05.600Z")},
		"finished_at":    {m.FinishedAt, types.StringNull()},
		"duration":       {m.Duration, types.Float64Value(12.5)},
		"failure_reason": {m.FailureReason, types.StringValue("script_failure")},
		"erased_at":      {m.ErasedAt, types.StringNull()},
	} {
		if !c[0].Equal(c[1]) {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}
	if m := newJobResult(&gitlabclient.Job{Status: "pending"}); !m.Duration.IsNull() || !m.FailureReason.IsNull() {
		t.Error("a pending job has null duration and failure_reason")
	}
}

func TestPlayVariablesSortedAndNull(t *testing.T) {
	ctx := context.Background()
	m := types.MapValueMust(types.StringType, map[string]attr.Value{
		"ZED": types.StringValue("z"), "ALPHA": types.StringValue("a"), "MID_1": types.StringValue(""),
	})
	vars, diags := playVariables(ctx, m)
	if diags.HasError() {
		t.Fatal(diags)
	}
	got := []string{}
	for _, v := range vars {
		got = append(got, v.Key+"="+v.Value)
	}
	if strings.Join(got, ",") != "ALPHA=a,MID_1=,ZED=z" {
		t.Errorf("variables %v, want sorted by key with empty values kept", got)
	}
	if vars, _ := playVariables(ctx, types.MapNull(types.StringType)); vars != nil {
		t.Errorf("null map gave %v, want no variables", vars)
	}
}

func TestStatusChecks(t *testing.T) {
	erased := time.Now()
	for _, tc := range []struct {
		check  func(*gitlabclient.Job) bool
		status string
		erased bool
		ok     bool
	}{
		{playOK, "manual", false, true}, {playOK, "scheduled", false, true}, {playOK, "success", false, true},
		{playOK, "running", false, false}, {playOK, "pending", false, false}, {playOK, "created", false, false},
		{playOK, "skipped", false, false},
		{retryOK, "failed", false, true}, {retryOK, "canceled", false, true}, {retryOK, "success", false, true},
		{retryOK, "running", false, false}, {retryOK, "manual", false, false}, {retryOK, "pending", false, false},
		{eraseOK, "success", false, true}, {eraseOK, "failed", false, true}, {eraseOK, "running", false, false},
		{eraseOK, "pending", false, false}, {eraseOK, "running", true, true},
	} {
		j := &gitlabclient.Job{ID: 9, Name: "deploy", Status: tc.status}
		if tc.erased {
			j.ErasedAt = &erased
		}
		if got := tc.check(j); got != tc.ok {
			t.Errorf("status %s (erased %v): allowed %v, want %v", tc.status, tc.erased, got, tc.ok)
		}
	}
	diags := checkPlayable(&gitlabclient.Job{ID: 9, Name: "e2e", Status: "running"})
	if !diags.HasError() || !strings.Contains(diags[0].Detail(), `Job 9 ("e2e") is running`) {
		t.Errorf("the diagnostic must name the job and its status: %v", diags)
	}
}

func playOK(j *gitlabclient.Job) bool  { return !checkPlayable(j).HasError() }
func retryOK(j *gitlabclient.Job) bool { return !checkRetryable(j).HasError() }
func eraseOK(j *gitlabclient.Job) bool { return !checkErasable(j).HasError() }

func TestJobFailureDiagnostic(t *testing.T) {
	d := jobFailure(&gitlabclient.Job{ID: 5, Name: "deploy", Status: "failed", FailureReason: "script_failure", WebURL: "https://g/-/jobs/5"}, "")
	if !d.HasError() || !strings.Contains(d[0].Detail(), "script_failure") || !strings.Contains(d[0].Detail(), "https://g/-/jobs/5") {
		t.Errorf("failure diagnostic must give the reason and URL: %v", d)
	}
	if jobFailure(&gitlabclient.Job{Status: "success"}, "").HasError() {
		t.Error("a successful job is no failure")
	}
}
