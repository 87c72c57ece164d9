package gitlabsim

import (
	"fmt"
	"slices"
)

// fixtureApprovals are a seeded protected environment's approval
// settings, as the Protected environments API sets them
// (protected_environment_update.go): the unified required_approval_count
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
		rule := &approvalRule{refAccess: refAccess{id: s.newID("approval_rule", 0)}, requiredApprovals: max(r.RequiredApprovals, 1)}
		switch {
		case r.User != "":
			id, ok := users[r.User]
			if !ok {
				return fmt.Errorf("%s.approval_rules[%d]: unknown user %q", what, k, r.User)
			}
			rule.userID = id
		case slices.Contains(deployLevels, int64(r.AccessLevel)):
			rule.accessLevel = r.AccessLevel
		default:
			return fmt.Errorf("%s.approval_rules[%d]: a user or an access level of %v is required", what, k, deployLevels)
		}
		if msgs := approvalRulesInvalid([]*approvalRule{rule}); len(msgs) > 0 {
			return fmt.Errorf("%s.approval_rules[%d]: %s", what, k, msgs[0])
		}
		pe.approvalRules = append(pe.approvalRules, rule)
	}
	return nil
}
