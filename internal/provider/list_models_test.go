package provider

import (
	"encoding/json"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// Conversions of the list and job-token data sources, from GitLab's JSON.

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

func TestNewAllowedAgentsModel(t *testing.T) {
	var a gitlabclient.AllowedAgents
	mustDecode(t, `{
	  "allowed_agents": [{"id": 1, "config_project": {"id": 3, "description": null, "name": "project1",
	    "name_with_namespace": "John Doe2 / project1", "path": "project1", "path_with_namespace": "namespace1/project1",
	    "created_at": "2022-11-16T14:51:50.579Z"}}],
	  "job": {"id": 11}, "pipeline": {"id": 2},
	  "project": {"id": 4, "groups": [{"id": 1}, {"id": 2}, {"id": 3}]},
	  "user": {"id": 2, "name": "John Doe3", "username": "user2", "state": "active", "web_url": "http://localhost/user2"},
	  "environment": {"tier": "production", "slug": "prod"}}`, &a)
	m := newAllowedAgentsModel(&a)
	checks := map[string][2]any{
		"id":                                {m.ID, types.StringValue("11")},
		"job_id":                            {m.JobID, types.Int64Value(11)},
		"pipeline_id":                       {m.PipelineID, types.Int64Value(2)},
		"project_id":                        {m.ProjectID, types.Int64Value(4)},
		"groups":                            {len(m.ProjectGroupIDs), 3},
		"project_group_ids[2]":              {m.ProjectGroupIDs[2], types.Int64Value(3)},
		"allowed_agents":                    {len(m.AllowedAgents), 1},
		"config_project.path_with_ns":       {m.AllowedAgents[0].ConfigProject.PathWithNamespace, types.StringValue("namespace1/project1")},
		"config_project.description (null)": {m.AllowedAgents[0].ConfigProject.Description, types.StringNull()},
		"config_project.created_at":         {m.AllowedAgents[0].ConfigProject.CreatedAt, types.StringValue("2022-11-16T14:51:50.579Z")},
		"user.username":                     {m.User.Username, types.StringValue("user2")},
		"environment.tier":                  {m.Environment.Tier, types.StringValue("production")},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}

	var bare gitlabclient.AllowedAgents
	mustDecode(t, `{"allowed_agents": [], "job": {"id": 1}, "pipeline": {"id": 2}, "project": {"id": 3, "groups": []}, "user": null}`, &bare)
	mb := newAllowedAgentsModel(&bare)
	if mb.AllowedAgents == nil || mb.ProjectGroupIDs == nil {
		t.Error("empty lists must be empty, not null")
	}
	if mb.User != nil || mb.Environment != nil {
		t.Error("absent user and environment must be null")
	}
}

func mustDecode(t *testing.T, s string, out any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), out); err != nil {
		t.Fatal(err)
	}
}
