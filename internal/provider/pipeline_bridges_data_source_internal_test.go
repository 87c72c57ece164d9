package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The bridges model: built from GitLab's JSON (newBridgeModel), and its
// hand-built object value equal to the framework's reflection (see
// common_list_test.go).

// fullBridge is fullJob's bridge: every field set, downstream pipeline too.
func fullBridge(variant int) *gitlabclient.Bridge {
	j := fullJob(variant)
	down := *j.Pipeline
	down.ID, down.IID = 9, 3
	return &gitlabclient.Bridge{Job: *j, DownstreamPipeline: &down}
}

func TestBridgeObjectValueEqualsReflection(t *testing.T) {
	ctx := context.Background()
	notTriggered := fullBridge(0)
	notTriggered.DownstreamPipeline = nil
	cases := map[string]bridgeModel{
		"not triggered yet": newBridgeModel(notTriggered),
		"zero (all null)":   {},
		"minimal bridge":    newBridgeModel(&gitlabclient.Bridge{Job: gitlabclient.Job{ID: 8, Name: "later", Status: "manual"}}),
	}
	for v := range fullVariants {
		cases[fmt.Sprintf("full %d", v)] = newBridgeModel(fullBridge(v))
	}
	for name, m := range cases {
		t.Run(name, func(t *testing.T) {
			want, diags := types.ObjectValueFrom(ctx, bridgeObjectType.AttrTypes, m)
			requireNoErrorDiags(t, "reflection", diags)
			got, diags := m.objectValue()
			requireNoErrorDiags(t, "objectValue", diags)
			requireEqual(t, got, want)
			if strings.HasPrefix(name, "full") {
				requireNoNull(t, "bridge", want)
			}
		})
	}
}

func TestNewBridgeModel(t *testing.T) {
	var b gitlabclient.Bridge
	mustDecode(t, `{"id": 7, "name": "trigger", "status": "success", "stage": "deploy",
		"downstream_pipeline": {"id": 5, "sha": "f62a4b2f", "ref": "main", "status": "pending",
			"created_at": "2015-12-24T17:54:27.722Z", "web_url": "https://example.com/d/p/pipelines/5"}}`, &b)
	m := newBridgeModel(&b)
	if m.JobID != types.Int64Value(7) || m.Name != types.StringValue("trigger") {
		t.Errorf("job attributes: got job_id %v name %v", m.JobID, m.Name)
	}
	if m.DownstreamPipeline == nil {
		t.Fatal("downstream_pipeline must be set")
	}
	if got := m.DownstreamPipeline.ID; got != types.Int64Value(5) {
		t.Errorf("downstream_pipeline.id = %v", got)
	}
	if got := m.DownstreamPipeline.CreatedAt; got != types.StringValue("2015-12-24T17:54:27.722Z") {
		t.Errorf("downstream_pipeline.created_at = %v", got)
	}

	var notYet gitlabclient.Bridge
	mustDecode(t, `{"id": 8, "name": "later", "status": "manual", "downstream_pipeline": null}`, &notYet)
	if newBridgeModel(&notYet).DownstreamPipeline != nil {
		t.Error("a bridge that has not triggered has a null downstream_pipeline")
	}
}
