package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

func TestNoArtifactsReason(t *testing.T) {
	now := time.Date(2031, 3, 1, 12, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	archive := &gitlabclient.ArtifactsFile{Filename: "artifacts.zip", Size: 100}
	for _, c := range []struct {
		job  gitlabclient.Job
		want string
	}{
		{gitlabclient.Job{ID: 1, Name: "b", Status: "success", ArtifactsFile: archive, ArtifactsExpireAt: &future}, ""},
		{gitlabclient.Job{ID: 1, Name: "b", Status: "success", ArtifactsFile: archive}, ""},
		{gitlabclient.Job{ID: 1, Name: "b", Status: "success", ArtifactsFile: archive, ArtifactsExpireAt: &past}, "expired at 2031-03-01T11:00:00Z"},
		{gitlabclient.Job{ID: 1, Name: "b", Status: "success", ErasedAt: &past}, "was erased at"},
		{gitlabclient.Job{ID: 1, Name: "b", Status: "running"}, "has not uploaded artifacts yet"},
		{gitlabclient.Job{ID: 1, Name: "b", Status: "success", Artifacts: []gitlabclient.Artifact{{FileType: "trace"}}}, "has no artifacts archive"},
		{gitlabclient.Job{ID: 1, Name: "b", Status: "failed", Artifacts: []gitlabclient.Artifact{{FileType: "archive"}}}, ""},
	} {
		got := noArtifactsReason(&c.job, now)
		if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.job, got, c.want)
		}
	}
	if !gitlabclient.HasDeletableArtifacts(&gitlabclient.Job{Artifacts: []gitlabclient.Artifact{{FileType: "junit"}}}) ||
		gitlabclient.HasDeletableArtifacts(&gitlabclient.Job{Artifacts: []gitlabclient.Artifact{{FileType: "trace"}}}) {
		t.Error("HasDeletableArtifacts: a report is deletable, the trace is not")
	}
}
