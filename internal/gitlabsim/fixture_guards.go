package gitlabsim

import (
	"cmp"
	"fmt"
	"slices"
)

// The seed's guards of a project, set up as the Protected branches, tags
// and environments APIs and the Resource groups API would: protected refs
// (push, merge and create access levels: roles, or users by username),
// protected environments (deploy access levels) and resource groups with
// their process modes. fixture.go reads them with the project.
type fixtureGuards struct {
	ProtectedBranches []struct {
		Name             string   `json:"name"`
		PushAccessLevel  *int     `json:"push_access_level"`  // default 40 (Maintainers)
		MergeAccessLevel *int     `json:"merge_access_level"` // default 40
		AllowedToPush    []string `json:"allowed_to_push"`    // usernames
		AllowedToMerge   []string `json:"allowed_to_merge"`   // usernames
	} `json:"protected_branches"`
	ProtectedTags []struct {
		Name              string   `json:"name"`
		CreateAccessLevel *int     `json:"create_access_level"` // default 40
		AllowedToCreate   []string `json:"allowed_to_create"`   // usernames
	} `json:"protected_tags"`
	ProtectedEnvironments []struct {
		Name               string               `json:"name"`
		DeployAccessLevels []fixtureAccessLevel `json:"deploy_access_levels"`
		fixtureApprovals                        // required_approval_count, approval_rules (fixture_approvals.go)
	} `json:"protected_environments"`
	ResourceGroups []struct {
		Key         string `json:"key"`
		ProcessMode string `json:"process_mode"` // default unordered
	} `json:"resource_groups"`

	// AllowPipelineTriggerApproveDeployment is the project setting (deployment_approvals.go).
	AllowPipelineTriggerApproveDeployment bool `json:"allow_pipeline_trigger_approve_deployment"`
}

// loadGuards adds a seeded project's guards; at names the project for errors.
func (s *Sim) loadGuards(projectID int64, g fixtureGuards, users map[string]int64, at string) error {
	levels := func(what string, level *int, allowed []string, valid []int64, defaultToo bool) ([]refAccess, error) {
		var out []refAccess
		if level != nil {
			if !slices.Contains(valid, int64(*level)) {
				return nil, fmt.Errorf("%s: access level %d is not one of %v", what, *level, valid)
			}
			out = append(out, refAccess{accessLevel: *level})
		}
		for _, name := range allowed {
			id, ok := users[name]
			if !ok {
				return nil, fmt.Errorf("%s: unknown user %q", what, name)
			}
			out = append(out, refAccess{userID: id})
		}
		if len(out) == 0 && defaultToo {
			out = []refAccess{{accessLevel: MaintainerAccess}}
		}
		for i := range out {
			out[i].id = s.newID("protected_ref_access", 0)
		}
		return out, nil
	}
	for i, b := range g.ProtectedBranches {
		what := fmt.Sprintf("%s.protected_branches[%d]", at, i)
		if b.Name == "" || findRef(s.protectedRefs(projectID, false), b.Name) != nil {
			return fmt.Errorf("%s: a name, not yet protected, is required", what)
		}
		push, err := levels(what+".push_access_level", b.PushAccessLevel, b.AllowedToPush, protectedBranchLevels, true)
		if err != nil {
			return err
		}
		merge, err := levels(what+".merge_access_level", b.MergeAccessLevel, b.AllowedToMerge, protectedBranchLevels, true)
		if err != nil {
			return err
		}
		pr := &protectedRef{id: s.newID("protected_branch", 0), name: b.Name, push: push, merge: merge, unprotect: []refAccess{}}
		s.setProtectedRefs(projectID, false, append(s.protectedRefs(projectID, false), pr))
	}
	for i, tg := range g.ProtectedTags {
		what := fmt.Sprintf("%s.protected_tags[%d]", at, i)
		if tg.Name == "" || findRef(s.protectedRefs(projectID, true), tg.Name) != nil {
			return fmt.Errorf("%s: a name, not yet protected, is required", what)
		}
		create, err := levels(what+".create_access_level", tg.CreateAccessLevel, tg.AllowedToCreate, protectedTagLevels, true)
		if err != nil {
			return err
		}
		pr := &protectedRef{id: s.newID("protected_tag", 0), name: tg.Name, create: create}
		s.setProtectedRefs(projectID, true, append(s.protectedRefs(projectID, true), pr))
	}
	for i, e := range g.ProtectedEnvironments {
		what := fmt.Sprintf("%s.protected_environments[%d]", at, i)
		if e.Name == "" || s.findProtectedEnvironment(projectID, e.Name) != nil || len(e.DeployAccessLevels) == 0 {
			return fmt.Errorf("%s: a name, not yet protected, and deploy_access_levels are required", what)
		}
		pe := &protectedEnvironment{name: e.Name}
		for k, d := range e.DeployAccessLevels {
			a, err := s.fixtureAccess(projectID, d, users, fmt.Sprintf("%s.deploy_access_levels[%d]", what, k))
			if err != nil {
				return err
			}
			a.id = s.newID("deploy_access_level", 0)
			pe.deploy = append(pe.deploy, a)
		}
		if err := s.loadApprovals(projectID, pe, e.fixtureApprovals, users, what); err != nil { // fixture_approvals.go
			return err
		}
		s.addProtectedEnvironment(projectID, pe)
	}
	s.projects[projectID].allowPipelineTriggerApproveDeployment = g.AllowPipelineTriggerApproveDeployment
	for i, rg := range g.ResourceGroups {
		what := fmt.Sprintf("%s.resource_groups[%d]", at, i)
		mode := cmp.Or(rg.ProcessMode, "unordered")
		if !resourceGroupKey.MatchString(rg.Key) || !slices.Contains(resourceGroupProcessModes, mode) ||
			s.findResourceGroup(projectID, rg.Key) != nil {
			return fmt.Errorf("%s: a new key and a process mode of %v are required", what, resourceGroupProcessModes)
		}
		s.ensureResourceGroup(projectID, rg.Key, s.opts.Now()).processMode = mode
	}
	return nil
}
