package provider

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The conversion of GitLab's allowed agents answer (JSON) to the data source's model.

func TestNewAllowedAgentsModel(t *testing.T) {
	// The answer of jobs_spec.rb's "when token is valid and user is
	// authorized", with an environment and a configured agent.
	var a gitlabclient.AllowedAgents
	mustDecode(t, `{
	  "allowed_agents": [{"id": 1, "config_project": {"id": 3, "description": null, "name": "project1",
	    "name_with_namespace": "John Doe2 / project1", "path": "project1", "path_with_namespace": "namespace1/project1",
	    "created_at": "2022-11-16T14:51:50.579Z"},
	    "configuration": {"protected_branches_only": true, "default_namespace": "production",
	      "access_as": {"user": {}}, "environments": ["prod*"], "resource_quota": 12345678901234567890}},
	    {"id": 5, "config_project": {"id": 4, "description": "agents", "name": "app", "name_with_namespace": "g / app",
	    "path": "app", "path_with_namespace": "g/app", "created_at": "2022-11-16T14:51:50.579Z"}, "configuration": {}}],
	  "job": {"id": 11}, "pipeline": {"id": 2},
	  "project": {"id": 4, "groups": [{"id": 1}, {"id": 2}, {"id": 3}]},
	  "user": {"id": 2, "username": "user2", "roles_in_project": ["guest", "planner", "reporter", "developer"]},
	  "environment": {"tier": "production", "slug": "prod"}}`, &a)
	m, err := newAllowedAgentsModel(&a)
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string][2]any{
		"id":                                {m.ID, types.StringValue("11")},
		"job_id":                            {m.JobID, types.Int64Value(11)},
		"pipeline_id":                       {m.PipelineID, types.Int64Value(2)},
		"project_id":                        {m.ProjectID, types.Int64Value(4)},
		"groups":                            {len(m.ProjectGroupIDs), 3},
		"project_group_ids[2]":              {m.ProjectGroupIDs[2], types.Int64Value(3)},
		"allowed_agents":                    {len(m.AllowedAgents), 2},
		"config_project.path_with_ns":       {m.AllowedAgents[0].ConfigProject.PathWithNamespace, types.StringValue("namespace1/project1")},
		"config_project.description (null)": {m.AllowedAgents[0].ConfigProject.Description, types.StringNull()},
		"config_project.description":        {m.AllowedAgents[1].ConfigProject.Description, types.StringValue("agents")},
		"config_project.created_at":         {m.AllowedAgents[0].ConfigProject.CreatedAt, types.StringValue("2022-11-16T14:51:50.579Z")},
		// Keys sorted as jsonencode writes them, a number beyond float64's
		// precision kept as written.
		"configuration": {m.AllowedAgents[0].Configuration, types.StringValue(`{"access_as":{"user":{}},"default_namespace":"production",` +
			`"environments":["prod*"],"protected_branches_only":true,"resource_quota":12345678901234567890}`)},
		"configuration (empty)": {m.AllowedAgents[1].Configuration, types.StringValue("{}")},
		"agent id":              {m.AllowedAgents[1].ID, types.Int64Value(5)},
		"user.id":               {m.User.ID, types.Int64Value(2)},
		"user.username":         {m.User.Username, types.StringValue("user2")},
		"user.roles_in_project": {fmt.Sprint(m.User.RolesInProject), `["guest" "planner" "reporter" "developer"]`},
		"environment.tier":      {m.Environment.Tier, types.StringValue("production")},
		"environment.slug":      {m.Environment.Slug, types.StringValue("prod")},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}

	// A non-member's roles are an empty list, not null; a configuration
	// GitLab did not send (or sent as null) is null.
	var bare gitlabclient.AllowedAgents
	mustDecode(t, `{"allowed_agents": [{"id": 7, "config_project": {"id": 1}}, {"id": 8, "config_project": {"id": 1}, "configuration": null}],
	  "job": {"id": 1}, "pipeline": {"id": 2}, "project": {"id": 3, "groups": []}, "user": {"id": 4, "username": "u", "roles_in_project": []}}`, &bare)
	mb, err := newAllowedAgentsModel(&bare)
	if err != nil {
		t.Fatal(err)
	}
	if mb.ProjectGroupIDs == nil || mb.User.RolesInProject == nil || len(mb.User.RolesInProject) != 0 {
		t.Errorf("empty lists must be empty, not null: groups %v, roles %v", mb.ProjectGroupIDs, mb.User.RolesInProject)
	}
	for i, ag := range mb.AllowedAgents {
		if !ag.Configuration.IsNull() {
			t.Errorf("agent %d: configuration %v, want null", i, ag.Configuration)
		}
	}
	mustDecode(t, `{"allowed_agents": [], "job": {"id": 1}, "pipeline": {"id": 2}, "project": {"id": 3, "groups": []}, "user": {"id": 4, "username": "u"}}`, &bare)
	if mb, _ = newAllowedAgentsModel(&bare); mb.AllowedAgents == nil || mb.User.RolesInProject == nil || mb.Environment != nil {
		t.Errorf("agents %v, roles %v must be empty lists, environment %v null", mb.AllowedAgents, mb.User.RolesInProject, mb.Environment)
	}
	mustDecode(t, `{"allowed_agents": [], "job": {"id": 1}, "pipeline": {"id": 2}, "project": {"id": 3, "groups": []}, "user": null}`, &bare)
	if mb, _ = newAllowedAgentsModel(&bare); mb.User != nil {
		t.Error("absent user must be null")
	}

	// A configuration that is not JSON (only a hand-made answer can hold
	// one) is an error, not a silent null.
	bad := gitlabclient.AllowedAgents{AllowedAgents: []gitlabclient.AllowedAgent{{ID: 9, Configuration: json.RawMessage(`{"a":`)}}}
	if _, err := newAllowedAgentsModel(&bad); err == nil || !strings.Contains(err.Error(), "agent 9") {
		t.Errorf("invalid configuration: err = %v, want one naming agent 9", err)
	}
}
