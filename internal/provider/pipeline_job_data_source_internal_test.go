package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// A pipeline's jobs as GitLab lists them with include_retried: newest first,
// e2e-test run three times (1012 failed, retried as 1015 which failed,
// retried as 1020).
func retriedPipelineJobs(t *testing.T) []*gitlabclient.Job {
	t.Helper()
	var jobs []*gitlabclient.Job
	mustDecode(t, `[
		{"id": 1020, "name": "e2e-test", "stage": "test", "status": "running", "web_url": "https://gitlab.example.com/g/p/-/jobs/1020"},
		{"id": 1015, "name": "e2e-test", "stage": "test", "status": "failed", "web_url": "https://gitlab.example.com/g/p/-/jobs/1015"},
		{"id": 1013, "name": "deploy", "stage": "deploy", "status": "manual", "web_url": "https://gitlab.example.com/g/p/-/jobs/1013"},
		{"id": 1012, "name": "e2e-test", "stage": "test", "status": "failed", "failure_reason": "script_failure",
		 "web_url": "https://gitlab.example.com/g/p/-/jobs/1012"},
		{"id": 1011, "name": "build", "stage": "build", "status": "success", "web_url": "https://gitlab.example.com/g/p/-/jobs/1011"}
	]`, &jobs)
	return jobs
}

func TestPipelineJobRunsFirstAndLatest(t *testing.T) {
	runs, diags := pipelineJobRuns(retriedPipelineJobs(t), 903, "e2e-test", "")
	if diags.HasError() {
		t.Fatal(diags)
	}
	var ids []int64
	for _, r := range runs {
		ids = append(ids, r.ID)
	}
	if len(ids) != 3 || ids[0] != 1012 || ids[1] != 1015 || ids[2] != 1020 {
		t.Fatalf("runs = %v, want [1012 1015 1020] (oldest first)", ids)
	}

	project, err := gitlabclient.ParseProject("g/p")
	if err != nil {
		t.Fatal(err)
	}
	m := newPipelineJobModel(project, types.StringValue("g/p"), 903, runs)
	for name, c := range map[string]struct{ got, want any }{
		"id":             {m.ID, types.StringValue("g/p:903:e2e-test")},
		"job_id":         {m.JobID, types.Int64Value(1012)},
		"status":         {m.Status, types.StringValue("failed")},
		"failure_reason": {m.FailureReason, types.StringValue("script_failure")},
		"web_url":        {m.WebURL, types.StringValue("https://gitlab.example.com/g/p/-/jobs/1012")},
		"name":           {m.Name, types.StringValue("e2e-test")},
		"stage":          {m.Stage, types.StringValue("test")},
		"latest_job_id":  {m.LatestJobID, types.Int64Value(1020)},
		"latest_status":  {m.LatestStatus, types.StringValue("running")},
		"latest_web_url": {m.LatestWebURL, types.StringValue("https://gitlab.example.com/g/p/-/jobs/1020")},
		"pipeline_id":    {m.PipelineID, types.Int64Value(903)},
		"project":        {m.Project, types.StringValue("g/p")},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", name, c.got, c.want)
		}
	}
	if len(m.RunIDs) != 3 || m.RunIDs[0] != types.Int64Value(1012) || m.RunIDs[2] != types.Int64Value(1020) {
		t.Errorf("run_ids = %v", m.RunIDs)
	}
}

func TestPipelineJobRunsSingleRun(t *testing.T) {
	runs, diags := pipelineJobRuns(retriedPipelineJobs(t), 903, "deploy", "deploy")
	if diags.HasError() || len(runs) != 1 || runs[0].ID != 1013 {
		t.Fatalf("runs %v, diags %v; want job 1013", runs, diags)
	}
}

func TestPipelineJobRunsErrors(t *testing.T) {
	for _, tt := range []struct {
		name, jobName, stage string
		jobs                 []*gitlabclient.Job
		wantAttr, want       string
	}{
		{"unknown name", "Deploy", "", retriedPipelineJobs(t), "name",
			`Pipeline 903 has no job named "Deploy". Its jobs are: "build", "deploy", "e2e-test".`},
		{"other stage", "deploy", "test", retriedPipelineJobs(t), "stage",
			`has a job named "deploy" in stage "deploy", not in stage "test"`},
		{"no jobs", "deploy", "", nil, "name", "Pipeline 903 has no jobs"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			runs, diags := pipelineJobRuns(tt.jobs, 903, tt.jobName, tt.stage)
			if runs != nil || len(diags) != 1 || !diags.HasError() {
				t.Fatalf("runs %v, diags %v; want one error", runs, diags)
			}
			d := diags[0]
			if !strings.Contains(d.Detail(), tt.want) {
				t.Errorf("detail %q lacks %q", d.Detail(), tt.want)
			}
			if !strings.Contains(diagPath(d), tt.wantAttr) {
				t.Errorf("the error is on %q, want %q", diagPath(d), tt.wantAttr)
			}
		})
	}
}

// diagPath is the attribute path a diagnostic is about ("" when none).
func diagPath(d diag.Diagnostic) string {
	if wp, ok := d.(diag.DiagnosticWithPath); ok {
		return wp.Path().String()
	}
	return ""
}
