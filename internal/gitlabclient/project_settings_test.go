package gitlabclient_test

import (
	"context"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestGetPipelineVariablesSetting reads the setting a Maintainer sees, and
// tells only no_one_allowed (restricted) as forbidding variables to everyone.
func TestGetPipelineVariablesSetting(t *testing.T) {
	e := newSimEnv(t)
	ctx := context.Background()
	for _, tc := range []struct {
		restrict           bool
		role               string
		forbids, maintains bool
	}{
		{true, gitlabsim.RoleNoOneAllowed, true, false},
		{false, gitlabsim.RoleNoOneAllowed, false, true},
		{true, gitlabsim.RoleDeveloper, false, true},
		{true, gitlabsim.RoleMaintainer, false, true},
		{true, gitlabsim.RoleOwner, false, false},
	} {
		p := e.sim.CreateProject(gitlabsim.ProjectSpec{Path: "g/vars-" + tc.role + map[bool]string{true: "-r", false: ""}[tc.restrict],
			Members: map[int64]int{e.admin: gitlabsim.MaintainerAccess}, RestrictUserDefinedVariables: tc.restrict,
			PipelineVariablesMinimumOverrideRole: tc.role})
		s, err := e.client.GetPipelineVariablesSetting(ctx, p.PathWithNamespace)
		if err != nil {
			t.Fatal(err)
		}
		if s.RestrictUserDefinedVariables == nil || *s.RestrictUserDefinedVariables != tc.restrict || s.MinimumOverrideRole == nil || *s.MinimumOverrideRole != tc.role {
			t.Errorf("%+v: read %+v", tc, s)
		}
		if s.ForbidsPipelineVariables() != tc.forbids {
			t.Errorf("%+v: forbids = %v", tc, !tc.forbids)
		}
		if s.AllowsMaintainers() != tc.maintains {
			t.Errorf("%+v: allows maintainers = %v", tc, !tc.maintains)
		}
	}
	// Not shown (to a Developer): forbids nothing known.
	hidden := &gitlabclient.PipelineVariablesSetting{}
	if hidden.ForbidsPipelineVariables() || (*gitlabclient.PipelineVariablesSetting)(nil).ForbidsPipelineVariables() ||
		hidden.AllowsMaintainers() || (*gitlabclient.PipelineVariablesSetting)(nil).AllowsMaintainers() {
		t.Error("a setting GitLab did not show must neither forbid nor allow")
	}
	if _, err := e.client.GetPipelineVariablesSetting(ctx, "g/missing"); !gitlabclient.IsNotFound(err) {
		t.Errorf("missing project: %v", err)
	}
}
