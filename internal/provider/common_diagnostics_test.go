package provider

import (
	"strings"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

func TestJobFailureDiagnostic(t *testing.T) {
	d := jobFailure(&gitlabclient.Job{ID: 5, Name: "deploy", Status: "failed", FailureReason: "script_failure", WebURL: "https://g/-/jobs/5"}, false, "")
	if !d.HasError() || !strings.Contains(d[0].Detail(), "script_failure") || !strings.Contains(d[0].Detail(), "https://g/-/jobs/5") {
		t.Errorf("failure diagnostic must give the reason and URL: %v", d)
	}
	if jobFailure(&gitlabclient.Job{Status: "success"}, false, "").HasError() {
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
