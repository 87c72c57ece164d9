package gitlabclient

import (
	"context"
	"fmt"
	"net/http"
)

// PipelineVariablesSetting is a project's pipeline variables setting as GET
// /projects/:id shows it (lib/api/entities/project.rb exposes both fields
// only to users who may administer the project, Maintainers and up): nil
// fields when GitLab did not show them.
type PipelineVariablesSetting struct {
	// RestrictUserDefinedVariables turns the minimum role on.
	RestrictUserDefinedVariables *bool `json:"restrict_user_defined_variables"`
	// MinimumOverrideRole is ci_pipeline_variables_minimum_override_role:
	// no_one_allowed, developer, maintainer or owner.
	MinimumOverrideRole *string `json:"ci_pipeline_variables_minimum_override_role"`
}

// Role names of ci_pipeline_variables_minimum_override_role
// (ProjectCiCdSetting::PIPELINE_VARIABLES_OVERRIDE_ROLES).
const RoleNoOneAllowed = "no_one_allowed"

// ForbidsPipelineVariables reports whether the setting, as shown, forbids
// pipeline variables to everyone (restricted, with no_one_allowed:
// ProjectCiCdSetting#override_pipeline_variables_allowed?). A setting
// GitLab did not show forbids nothing that is known.
func (s *PipelineVariablesSetting) ForbidsPipelineVariables() bool {
	return s != nil && s.RestrictUserDefinedVariables != nil && *s.RestrictUserDefinedVariables &&
		s.MinimumOverrideRole != nil && *s.MinimumOverrideRole == RoleNoOneAllowed
}

// AllowsMaintainers reports whether the setting, as shown, lets a
// Maintainer set pipeline variables: not restricted, or restricted to
// Developers or Maintainers and up. GitLab shows the setting only to
// Maintainers and up, so a user who reads such a setting may set variables.
func (s *PipelineVariablesSetting) AllowsMaintainers() bool {
	if s == nil || s.RestrictUserDefinedVariables == nil || s.MinimumOverrideRole == nil {
		return false // not shown: unknown
	}
	role := *s.MinimumOverrideRole
	return !*s.RestrictUserDefinedVariables || role == "developer" || role == "maintainer"
}

// GetPipelineVariablesSetting is GET /projects/:id, read for the project's
// pipeline variables setting.
func (c *Client) GetPipelineVariablesSetting(ctx context.Context, project string) (*PipelineVariablesSetting, error) {
	p, err := ParseProject(project)
	if err != nil {
		return nil, err
	}
	var s PipelineVariablesSetting
	if _, err := c.do(ctx, http.MethodGet, fmt.Sprintf("projects/%s", p.Escaped()), nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}
