package gitlabsim

import (
	"fmt"
	"slices"
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
		User              string `json:"user"` // a username
		AccessLevel       int    `json:"access_level"`
		RequiredApprovals int64  `json:"required_approvals"`
	} `json:"approval_rules"`
}

// loadApprovals sets a seeded protected environment's approval settings;
// what names it for errors.
func (s *Sim) loadApprovals(pe *protectedEnvironment, f fixtureApprovals, users map[string]int64, what string) error {
	if f.RequiredApprovalCount < 0 {
		return fmt.Errorf("%s.required_approval_count: %d is negative", what, f.RequiredApprovalCount)
	}
	pe.requiredApprovalCount = f.RequiredApprovalCount
	for k, r := range f.ApprovalRules {
		a, err := fixtureAccess(r.User, r.AccessLevel, users, fmt.Sprintf("%s.approval_rules[%d]", what, k))
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

// fixtureAccess is a seeded deploy access level or approval rule: a user
// by username, or a role of ProtectedEnvironments::Authorizable's levels;
// what names it for errors.
func fixtureAccess(username string, level int, users map[string]int64, what string) (refAccess, error) {
	switch {
	case username != "":
		id, ok := users[username]
		if !ok {
			return refAccess{}, fmt.Errorf("%s: unknown user %q", what, username)
		}
		return refAccess{userID: id}, nil
	case slices.Contains(deployLevels, int64(level)):
		return refAccess{accessLevel: level}, nil
	}
	return refAccess{}, fmt.Errorf("%s: a user or an access level of %v is required", what, deployLevels)
}
