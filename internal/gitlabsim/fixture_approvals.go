package gitlabsim

import (
	"fmt"
	"slices"
	"strings"
)

// fixtureApprovals are a seeded protected environment's approval
// settings, as the Protected environments API sets them
// (protected_environments.go): the unified required_approval_count
// and approval rules, each one user (by username), or one role
// (access_level 20, 30, 40 or 60), with required_approvals (default 1,
// at most 5).
type fixtureApprovals struct {
	RequiredApprovalCount int64 `json:"required_approval_count"`
	ApprovalRules         []struct {
		fixtureAccessLevel
		RequiredApprovals int64 `json:"required_approvals"`
	} `json:"approval_rules"`
}

// fixtureAccessLevel is a seeded deploy access level or approval rule:
// a user (by username), a group (by full path, one the project is shared
// with, with its group_inheritance_type: 0 its direct members, 1 its
// inherited members too) or a role.
type fixtureAccessLevel struct {
	User                 string `json:"user"`
	Group                string `json:"group"`
	GroupInheritanceType int64  `json:"group_inheritance_type"`
	AccessLevel          int    `json:"access_level"`
}

// loadApprovals sets a seeded protected environment's approval settings;
// what names it for errors.
func (s *Sim) loadApprovals(projectID int64, pe *protectedEnvironment, f fixtureApprovals, users map[string]int64, what string) error {
	if f.RequiredApprovalCount < 0 {
		return fmt.Errorf("%s.required_approval_count: %d is negative", what, f.RequiredApprovalCount)
	}
	pe.requiredApprovalCount = f.RequiredApprovalCount
	for k, r := range f.ApprovalRules {
		a, err := s.fixtureAccess(projectID, r.fixtureAccessLevel, users, fmt.Sprintf("%s.approval_rules[%d]", what, k))
		if err != nil {
			return err
		}
		a.id = s.newID("approval_rule", 0)
		rule := &approvalRule{refAccess: a, requiredApprovals: max(r.RequiredApprovals, 1)}
		if msgs := approvalRulesInvalid([]*approvalRule{rule}); len(msgs) > 0 {
			return fmt.Errorf("%s.approval_rules[%d]: %s", what, k, msgs[0])
		}
		pe.approvalRules = append(pe.approvalRules, rule)
	}
	return nil
}

// fixtureAccess is a seeded deploy access level or approval rule of a
// project's protected environment: a user by username, a group the
// project is shared with by full path (the API keeps no other:
// sharedGroupsOnly), or a role of ProtectedEnvironments::Authorizable's
// levels; what names it for errors.
func (s *Sim) fixtureAccess(projectID int64, f fixtureAccessLevel, users map[string]int64, what string) (refAccess, error) {
	switch {
	case f.User != "":
		id, ok := users[f.User]
		if !ok {
			return refAccess{}, fmt.Errorf("%s: unknown user %q", what, f.User)
		}
		return refAccess{userID: id}, nil
	case f.Group != "":
		g := s.groups.byPath[strings.ToLower(f.Group)]
		if g == nil || !s.projects[projectID].sharedWith(g.id) {
			return refAccess{}, fmt.Errorf("%s: group %q is not one the project is shared with (shared_with_groups)", what, f.Group)
		}
		if f.GroupInheritanceType != groupDirect && f.GroupInheritanceType != groupAllInherited {
			return refAccess{}, fmt.Errorf("%s: group_inheritance_type %d is not 0 or 1", what, f.GroupInheritanceType)
		}
		return refAccess{groupID: g.id, groupInheritanceType: f.GroupInheritanceType}, nil
	case slices.Contains(deployLevels, int64(f.AccessLevel)):
		return refAccess{accessLevel: f.AccessLevel}, nil
	}
	return refAccess{}, fmt.Errorf("%s: a user, a group or an access level of %v is required", what, deployLevels)
}
