package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

func TestNewJobModelFull(t *testing.T) {
	plus1 := time.FixedZone("CET", 3600)
	created := time.Date(2015, 12, 24, 16, 51, 21, 802_000_000, plus1)
	started := time.Date(2015, 12, 24, 17, 54, 27, 722_000_000, time.UTC)
	cov, dur, queued := 98.29, 0.173, 0.01
	runnerName := "r1"
	job := &gitlabclient.Job{
		ID: 7, Name: "teaspoon", Status: "failed", Stage: "test", Ref: "main", Tag: true,
		Coverage: &cov, AllowFailure: true, CreatedAt: &created, StartedAt: &started,
		Duration: &dur, QueuedDuration: &queued, FailureReason: "script_failure",
		WebURL: "https://example.com/foo/bar/-/jobs/7", TagList: []string{"docker runner", "ubuntu18"},
		Archived: true, Project: &gitlabclient.JobProject{CIJobTokenScopeEnabled: true},
		User:     &gitlabclient.User{ID: 1, Username: "root", Name: "Administrator", State: "active"},
		Commit:   &gitlabclient.Commit{ID: "0ff3ae198f8601a285adcf5c0fff204ee6fba5fd", ShortID: "0ff3ae19", CreatedAt: &created},
		Pipeline: &gitlabclient.JobPipeline{ID: 6, ProjectID: 1, Ref: "main", SHA: "0ff3ae19", Status: "pending"},
		Runner:   &gitlabclient.Runner{ID: 3, Name: &runnerName, Status: "online", IsShared: true},
		Artifacts: []gitlabclient.Artifact{
			{FileType: "archive", Size: 1000, Filename: "artifacts.zip", FileFormat: "zip"},
		},
		ArtifactsFile: &gitlabclient.ArtifactsFile{Filename: "artifacts.zip", Size: 1000},
	}
	m := newJobModel(job)

	eq := func(name string, got, want any) {
		t.Helper()
		if g, ok := got.(attr.Value); ok {
			if !g.Equal(want.(attr.Value)) {
				t.Errorf("%s = %v, want %v", name, got, want)
			}
			return
		}
		if got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	eq("job_id", m.JobID, types.Int64Value(7))
	eq("status", m.Status, types.StringValue("failed"))
	eq("tag", m.Tag, types.BoolValue(true))
	eq("coverage", m.Coverage, types.Float64Value(98.29))
	eq("created_at in UTC with milliseconds", m.CreatedAt, types.StringValue("2015-12-24T15:51:21.802Z"))
	eq("started_at", m.StartedAt, types.StringValue("2015-12-24T17:54:27.722Z"))
	eq("finished_at", m.FinishedAt, types.StringNull())
	eq("erased_at", m.ErasedAt, types.StringNull())
	eq("duration", m.Duration, types.Float64Value(0.173))
	eq("failure_reason", m.FailureReason, types.StringValue("script_failure"))
	eq("archived", m.Archived, types.BoolValue(true))
	eq("ci_job_token_scope_enabled", m.CIJobTokenScopeEnabled, types.BoolValue(true))
	eq("tag_list length", len(m.TagList), 2)
	eq("tag_list[0]", m.TagList[0], types.StringValue("docker runner"))
	eq("user.username", m.User.Username, types.StringValue("root"))
	eq("commit.created_at", m.Commit.CreatedAt, types.StringValue("2015-12-24T15:51:21.802Z"))
	eq("commit.authored_date", m.Commit.AuthoredDate, types.StringNull())
	eq("pipeline.id", m.Pipeline.ID, types.Int64Value(6))
	eq("pipeline.iid absent", m.Pipeline.IID, types.Int64Null())
	eq("pipeline.source absent", m.Pipeline.Source, types.StringNull())
	eq("runner.name", m.Runner.Name, types.StringValue("r1"))
	eq("runner.runner_type absent", m.Runner.RunnerType, types.StringNull())
	eq("runner_manager", m.RunnerManager == nil, true)
	eq("artifacts", len(m.Artifacts), 1)
	eq("artifacts[0].size", m.Artifacts[0].Size, types.Int64Value(1000))
	eq("artifacts_file.filename", m.ArtifactsFile.Filename, types.StringValue("artifacts.zip"))
}

func TestNewJobModelNulls(t *testing.T) {
	m := newJobModel(&gitlabclient.Job{ID: 1, Name: "deploy", Status: "manual"})
	if !m.Coverage.IsNull() || !m.Duration.IsNull() || !m.QueuedDuration.IsNull() {
		t.Error("absent numbers must be null, not 0")
	}
	if !m.StartedAt.IsNull() || !m.CreatedAt.IsNull() || !m.ArtifactsExpireAt.IsNull() {
		t.Error("absent timestamps must be null")
	}
	if !m.FailureReason.IsNull() {
		t.Error("failure_reason of a job that did not fail must be null")
	}
	if !m.CIJobTokenScopeEnabled.IsNull() {
		t.Error("ci_job_token_scope_enabled must be null when GitLab does not send project")
	}
	if m.User != nil || m.Commit != nil || m.Pipeline != nil || m.Runner != nil || m.ArtifactsFile != nil {
		t.Error("absent nested objects must be null")
	}
	if m.Artifacts == nil || len(m.Artifacts) != 0 || m.TagList == nil {
		t.Error("absent lists must be empty lists, not null, so configurations can iterate them")
	}
}

// fullJob sets every field of a job, so that no attribute of its model is
// null and no list is empty (checked by requireNoNull). Attributes of one
// object that share a type have distinct values, so that a conversion that
// swaps two of them differs from the reflection; for the booleans that takes
// the variants 0 to 3 (boolean k is bit v of k+1, a distinct code for each).
func fullJob(variant int) *gitlabclient.Job {
	bit := func(k int) bool { return (k+1)>>variant&1 == 1 }
	plus1 := time.FixedZone("CET", 3600)
	at := func(min int) *time.Time {
		t := time.Date(2015, 12, 24, 16, min, 21, 802_000_000, plus1)
		return &t
	}
	cov, dur, queued := 98.29, 0.173, 0.01
	runnerName := "r1"
	return &gitlabclient.Job{
		ID: 7, Name: "teaspoon", Status: "failed", Stage: "test", Ref: "main", Tag: bit(0),
		Coverage: &cov, AllowFailure: bit(1), CreatedAt: at(1), StartedAt: at(2), FinishedAt: at(3), ErasedAt: at(4),
		Duration: &dur, QueuedDuration: &queued, FailureReason: "script_failure",
		WebURL: "https://example.com/foo/bar/-/jobs/7", ArtifactsExpireAt: at(5),
		TagList:  []string{"docker runner", "ubuntu18"},
		Archived: bit(2), Project: &gitlabclient.JobProject{CIJobTokenScopeEnabled: bit(3)},
		User: &gitlabclient.User{ID: 1, Username: "root", Name: "Administrator", State: "active",
			AvatarURL: "https://example.com/avatar.png", WebURL: "https://example.com/root", Bot: bit(4)},
		Commit: &gitlabclient.Commit{ID: "0ff3ae198f8601a285adcf5c0fff204ee6fba5fd", ShortID: "0ff3ae19",
			Title: "Test the CI integration.", Message: "Test the CI integration.\n", AuthorName: "Administrator",
			AuthorEmail: "admin@example.com", AuthoredDate: at(6), CommitterName: "Committer",
			CommitterEmail: "committer@example.com", CommittedDate: at(7), CreatedAt: at(8),
			WebURL: "https://example.com/foo/bar/-/commit/0ff3ae19"},
		Pipeline: &gitlabclient.JobPipeline{ID: 6, IID: 2, ProjectID: 1, Ref: "main", SHA: "0ff3ae19", Status: "pending",
			Source: "push", CreatedAt: at(9), UpdatedAt: at(10), WebURL: "https://example.com/foo/bar/-/pipelines/6"},
		Runner: &gitlabclient.Runner{ID: 3, Description: "shared", Active: bit(5), Paused: bit(6), IsShared: bit(7),
			RunnerType: "instance_type", Name: &runnerName, Online: bit(8), Status: "online"},
		RunnerManager: &gitlabclient.RunnerManager{ID: 4, SystemID: "s_0e6850b2bce1", Version: "17.0.0",
			Revision: "1b659122", Platform: "linux", Architecture: "amd64", CreatedAt: at(11), ContactedAt: at(12),
			IPAddress: "127.0.0.1", Status: "online"},
		Artifacts: []gitlabclient.Artifact{
			{FileType: "archive", Size: 1000, Filename: "artifacts.zip", FileFormat: "zip"},
			{FileType: "trace", Size: 1500, Filename: "job.log", FileFormat: "raw"},
		},
		ArtifactsFile: &gitlabclient.ArtifactsFile{Filename: "artifacts.zip", Size: 1000},
	}
}

// jobModelCases are the models the hand-built conversion must agree on with
// the reflection: every field set, none (all null, nil slices and
// pointers), and what the API's sparsest job becomes.
func jobModelCases() map[string]jobModel {
	cases := map[string]jobModel{
		"zero (all null)": {},
		"minimal job":     newJobModel(&gitlabclient.Job{ID: 1, Name: "deploy", Status: "manual"}),
		"empty job":       newJobModel(&gitlabclient.Job{}),
	}
	for v := range fullVariants {
		cases[fmt.Sprintf("full %d", v)] = newJobModel(fullJob(v))
	}
	return cases
}

func TestJobObjectValueEqualsReflection(t *testing.T) {
	ctx := context.Background()
	for name, m := range jobModelCases() {
		t.Run(name, func(t *testing.T) {
			want, diags := types.ObjectValueFrom(ctx, jobObjectType.AttrTypes, m)
			requireNoErrorDiags(t, "reflection", diags)
			got, diags := m.objectValue()
			requireNoErrorDiags(t, "objectValue", diags)
			requireEqual(t, got, want)
			if strings.HasPrefix(name, "full") {
				requireNoNull(t, "job", want)
			}
		})
	}
}
