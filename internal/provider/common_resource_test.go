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
		{eraseOK, "pending", false, false}, {eraseOK, "running", true, true}, {eraseOK, "canceling", false, false},
		// Ci::Processable#retryable? accepts a job being canceled; so does a play (a re-run).
		{retryOK, "canceling", false, true}, {playOK, "canceling", false, true},
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

// A refused action's diagnostic names what is missing: the token's scope,
// the role (per action), or the job's state.
func TestActionErrorNamesTheMissingRight(t *testing.T) {
	project, _ := gitlabclient.ParseProject("group/app")
	apiErr := func(status int, msg string) error {
		return &gitlabclient.APIError{Method: "POST", Path: "/projects/group%2Fapp/jobs/7/x", StatusCode: status, Message: msg}
	}
	for _, tc := range []struct {
		action string
		err    error
		want   []string
	}{
		{"erase", apiErr(403, "insufficient_scope: The request requires higher privileges than provided by the access token."),
			[]string{"The provider's token may not erase jobs", "lacks the api scope"}},
		{"play", apiErr(403, "insufficient_scope: The request requires higher privileges than provided by the access token."),
			[]string{"may not play jobs", "api scope"}},
		{"erase", apiErr(403, "403 Forbidden"), []string{"Not allowed to erase job 7", "Maintainer role", "erase_build"}},
		{"play", apiErr(403, "403 Forbidden"), []string{"Not allowed to play job 7", "Developer role", "protected"}},
		{"retry", apiErr(403, "403 Forbidden"), []string{"Not allowed to retry job 7", "Developer role", "retry_job"}},
		{"cancel", apiErr(403, "403 Forbidden"), []string{"Not allowed to cancel job 7", "Developer role", "cancel_build"}},
		{"retry", apiErr(403, "403 Forbidden - Job is not retryable"), []string{"GitLab refused the retry", "newest run"}},
		{"erase", apiErr(403, "403 Forbidden - Job is not erasable!"), []string{"GitLab refused the erase", "still has a log or artifacts"}},
		{"erase", apiErr(401, "401 Unauthorized"), []string{"credentials", "CI job token", "api scope"}},
		{"play", apiErr(400, "400 Bad request - Unplayable Job"), []string{"GitLab refused the play", "only manual jobs"}},
	} {
		diags := actionError(tc.action, project, 7, tc.err)
		if !diags.HasError() {
			t.Errorf("%s %v: no error", tc.action, tc.err)
			continue
		}
		text := diags[0].Summary() + " " + diags[0].Detail()
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s %v: %q lacks %q", tc.action, tc.err, text, w)
			}
		}
	}
}
