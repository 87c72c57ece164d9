package provider

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

func importJob(id int64, name, status string, pipeline int64) *gitlabclient.Job {
	return &gitlabclient.Job{ID: id, Name: name, Status: status, Pipeline: &gitlabclient.JobPipeline{ID: pipeline}}
}

// requireImportRefusal checks an import refusal: an error that names the
// import ID, says what is wrong (want) and gives the import ID's form.
func requireImportRefusal(t *testing.T, what, id, format string, diags interface {
	HasError() bool
}, text func() string, want string) {
	t.Helper()
	if !diags.HasError() {
		t.Errorf("%s: accepted, want a refusal containing %q", what, want)
		return
	}
	got := text()
	for _, s := range []string{`"` + id + `"`, format, want} {
		if !strings.Contains(got, s) {
			t.Errorf("%s: refusal %q does not contain %q", what, got, s)
		}
	}
}

func TestCheckPlayImport(t *testing.T) {
	for status, want := range map[string]string{
		"manual":    "never played",
		"scheduled": "has not run yet",
		"created":   "never played",
		"skipped":   "never ran",
		// Played (or finished: GitLab's API cannot tell a finished job that was never manual).
		"pending": "", "running": "", "waiting_for_resource": "", "preparing": "",
		"success": "", "failed": "", "canceled": "",
	} {
		const id = "g/p:7"
		diags := checkPlayImport(id, importJob(7, "deploy", status, 1))
		if want == "" {
			if diags.HasError() {
				t.Errorf("play import of a %s job refused: %v", status, diags)
			}
			continue
		}
		requireImportRefusal(t, "play import of a "+status+" job", id, importFormatJob, diags, func() string {
			return diags[0].Summary() + ": " + diags[0].Detail()
		}, want)
	}
}

func TestCheckCancelAndEraseImport(t *testing.T) {
	const id = "g/p:7"
	for status, ok := range map[string]bool{
		"canceled": true, "canceling": true, "success": true, "failed": true, "skipped": true,
		"running": false, "pending": false, "manual": false, "created": false, "scheduled": false,
	} {
		diags := checkCancelImport(id, importJob(7, "e2e", status, 1))
		if ok == diags.HasError() {
			t.Errorf("cancel import of a %s job: errors %v, want accepted %v", status, diags, ok)
		}
		if !ok {
			requireImportRefusal(t, "cancel import of a "+status+" job", id, importFormatJob, diags, func() string {
				return diags[0].Detail()
			}, "has not been canceled")
		}
	}
	erased := time.Now()
	for _, tc := range []struct {
		status string
		erased bool
		ok     bool
	}{
		{"success", true, true}, {"failed", false, true}, {"success", false, true},
		{"running", false, false}, {"manual", false, false}, {"running", true, true},
	} {
		j := importJob(7, "build", tc.status, 1)
		if tc.erased {
			j.ErasedAt = &erased
		}
		diags := checkEraseImport(id, j)
		if tc.ok == diags.HasError() {
			t.Errorf("erase import of a %s job (erased %v): errors %v, want accepted %v", tc.status, tc.erased, diags, tc.ok)
		}
		if !tc.ok {
			requireImportRefusal(t, "erase import of a "+tc.status+" job", id, importFormatJob, diags, func() string {
				return diags[0].Detail()
			}, "was not erased")
		}
	}
}

func TestCheckRetryImport(t *testing.T) {
	// Pipeline 903: build 1011, e2e-test 1012 retried as 1015, retried
	// again as 1017; deploy 1013 played again as 1016.
	runs := []*gitlabclient.Job{
		importJob(1011, "build", "success", 903),
		importJob(1012, "e2e-test", "failed", 903),
		importJob(1013, "deploy", "success", 903),
		importJob(1015, "e2e-test", "failed", 903),
		importJob(1016, "deploy", "success", 903),
		importJob(1017, "e2e-test", "success", 903),
	}
	byID := map[int64]*gitlabclient.Job{}
	for _, j := range runs {
		byID[j.ID] = j
	}
	byID[2001] = importJob(2001, "e2e-test", "success", 904)
	for _, tc := range []struct {
		job, newJob int64
		want        string // "" = accepted
	}{
		{1012, 1015, ""},
		{1015, 1017, ""},
		{1013, 1016, ""},
		{1012, 1012, "new_job_id is job_id (1012)"},
		{1012, 1011, `job 1011 is "build", but job 1012 is "e2e-test"`},
		{1015, 1012, "job 1012 is older than job 1015"},
		{1012, 1017, "job 1017 is not the retry of job 1012: its retry is job 1015"},
		{1017, 2001, "job 2001 is in pipeline 904, but job 1017 is in pipeline 903"},
		{1011, 1016, `job 1016 is "deploy", but job 1011 is "build"`},
	} {
		id := fmt.Sprintf("demo-group/platform/deploy-service:%d:%d", tc.job, tc.newJob)
		diags := checkRetryImport(id, byID[tc.job], byID[tc.newJob], runs)
		if tc.want == "" {
			if diags.HasError() {
				t.Errorf("%s refused: %v", id, diags)
			}
			continue
		}
		requireImportRefusal(t, id, id, importFormatRetry, diags, func() string { return diags[0].Detail() }, tc.want)
	}
	// The latest run has not been retried: a "retry" that is newer but not
	// listed yet (or listed out of order) cannot make it one.
	latest := importJob(1017, "e2e-test", "success", 903)
	later := importJob(1020, "e2e-test", "success", 903)
	diags := checkRetryImport("g/p:1017:1020", latest, later, runs)
	requireImportRefusal(t, "unlisted retry", "g/p:1017:1020", importFormatRetry, diags, func() string { return diags[0].Detail() },
		"does not list jobs 1017 and 1020")
	diags = checkRetryImport("g/p:1017:1020", latest, later, append(runs, later))
	if diags.HasError() {
		t.Errorf("1017 -> 1020 with 1020 listed: %v", diags)
	}
	diags = checkRetryImport("g/p:1017:1020", latest, later, runs[:5])
	requireImportRefusal(t, "1017 missing from the list", "g/p:1017:1020", importFormatRetry, diags, func() string { return diags[0].Detail() },
		"does not list")
}
