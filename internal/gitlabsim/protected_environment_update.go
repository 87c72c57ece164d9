package gitlabsim

import (
	"net/http"
	"slices"
)

// The approval settings of protected environments through the Protected
// environments API (ee/lib/api/protected_environments.rb): POST takes
// approval_rules next to required_approval_count (environments.go), and
// PUT /projects/:id/protected_environments/:name changes
// required_approval_count, deploy_access_levels and approval_rules as
// nested attributes (ProtectedEnvironments::UpdateService: an item with an
// id changes that access level or rule, with _destroy removes it, without
// an id adds one). The params helpers :deploy_access_levels,
// :optional_approval_rules (required_approvals default 1, at_least_one_of
// access_level, user_id, group_id) and :shared_params
// (group_inheritance_type 0 or 1) decide the 400s; the models'
// validations the 422s ({"message": [full messages]}):
// ProtectedEnvironments::ApprovalRule's required_approvals between 1 and 5,
// ProtectedEnvironment's "Must have at least one deployer.".

// Route pattern of the update.
const RouteUpdateProtectedEnvironment = "PUT /api/v4/projects/{id}/protected_environments/{name}"

// nestedAccess is one item of deploy_access_levels or approval_rules.
type nestedAccess struct {
	refAccess
	requiredApprovals    int64
	groupInheritanceType int64
	destroy              bool
}

// nestedAccessParam reads deploy_access_levels or approval_rules (rules:
// with required_approvals and at_least_one_of); given is false when the
// parameter is absent.
func nestedAccessParam(params map[string]any, name string, levels []int64, rules, update bool, errs *grapeErrors) (items []nestedAccess, given bool) {
	raw, given := params[name]
	if !given {
		return nil, false
	}
	list, isList := raw.([]any)
	if !isList {
		errs.add(name, "is invalid")
		return nil, true
	}
	for _, item := range list {
		m, isHash := item.(map[string]any)
		if !isHash {
			errs.add(name, "is invalid")
			continue
		}
		a := nestedAccess{requiredApprovals: 1}
		ints := []struct {
			key    string
			to     *int64
			values []int64
		}{{"user_id", &a.userID, nil}, {"group_id", &a.groupID, nil},
			{"group_inheritance_type", &a.groupInheritanceType, []int64{0, 1}}}
		if update {
			ints = append(ints, struct {
				key    string
				to     *int64
				values []int64
			}{"id", &a.id, nil})
		}
		var level int64
		ints = append(ints, struct {
			key    string
			to     *int64
			values []int64
		}{"access_level", &level, levels})
		if rules {
			ints = append(ints, struct {
				key    string
				to     *int64
				values []int64
			}{"required_approvals", &a.requiredApprovals, nil})
		}
		for _, f := range ints {
			v, ok := optionalInt(m, f.key)
			switch {
			case !ok:
				errs.add(name+"["+f.key+"]", "is invalid")
			case v != nil && f.values != nil && !slices.Contains(f.values, *v):
				errs.add(name+"["+f.key+"]", "does not have a valid value")
			case v != nil:
				*f.to = *v
			}
		}
		a.accessLevel = int(level)
		if update {
			if d, ok := boolValue(m, "_destroy"); !ok {
				errs.add(name+"[_destroy]", "is invalid")
			} else {
				a.destroy = d
			}
		}
		if rules && a.id == 0 && m["access_level"] == nil && m["user_id"] == nil && m["group_id"] == nil {
			errs.add(name+"[access_level], "+name+"[user_id], "+name+"[group_id]",
				"are missing, at least one parameter must be provided")
		}
		if a.userID != 0 || a.groupID != 0 {
			a.accessLevel = 0
		}
		items = append(items, a)
	}
	return items, true
}

// approvalRulesInvalid are ApprovalRule's validation messages, as the
// protected environment's full messages name them.
func approvalRulesInvalid(rules []*approvalRule) []string {
	var out []string
	for _, r := range rules {
		switch {
		case r.requiredApprovals < 1:
			out = append(out, "Approval rules required approvals must be greater than or equal to 1")
		case r.requiredApprovals > 5:
			out = append(out, "Approval rules required approvals must be less than or equal to 5")
		}
		if r.accessLevel == 0 && r.userID == 0 && r.groupID == 0 {
			out = append(out, "Approval rules base One of the Group ID, User ID or Access Level must be specified.")
		}
	}
	return slices.Compact(out)
}

// newApprovalRules makes the rules of a POST.
func (s *Sim) newApprovalRules(items []nestedAccess) []*approvalRule {
	var out []*approvalRule
	for _, a := range items {
		out = append(out, &approvalRule{refAccess: a.refAccess, requiredApprovals: a.requiredApprovals,
			groupInheritanceType: a.groupInheritanceType})
	}
	return out
}

// PUT /projects/:id/protected_environments/:name: 200.
func (s *Sim) putProtectedEnvironment(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	params, ok := readParams(w, r)
	if !ok {
		return
	}
	_, proj, ok := s.adminProject(w, r)
	if !ok {
		return
	}
	var errs grapeErrors
	count, okCount := optionalInt(params, "required_approval_count")
	if !okCount {
		errs.add("required_approval_count", "is invalid")
	}
	deploy, deployGiven := nestedAccessParam(params, "deploy_access_levels", deployLevels, false, true, &errs)
	rules, rulesGiven := nestedAccessParam(params, "approval_rules", deployLevels, true, true, &errs)
	if len(errs.order) > 0 {
		badParam(w, errs.message())
		return
	}
	pe := s.findProtectedEnvironment(proj.id, r.PathValue("name"))
	if pe == nil {
		notFound(w, "")
		return
	}
	// accepts_nested_attributes_for on a copy, saved when valid.
	newDeploy := slices.Clone(pe.deploy)
	newRules := make([]*approvalRule, 0, len(pe.approvalRules))
	for _, rule := range pe.approvalRules {
		c := *rule
		newRules = append(newRules, &c)
	}
	for _, a := range deploy {
		i := slices.IndexFunc(newDeploy, func(o refAccess) bool { return a.id != 0 && o.id == a.id })
		switch {
		case a.id != 0 && i < 0:
			notFound(w, "") // ActiveRecord::RecordNotFound of the nested attributes
			return
		case a.destroy && i >= 0:
			newDeploy = slices.Delete(newDeploy, i, i+1)
		case i >= 0:
			if item := rawItem(params["deploy_access_levels"], a.id); item["access_level"] != nil ||
				item["user_id"] != nil || item["group_id"] != nil {
				newDeploy[i] = a.refAccess
			}
		case !a.destroy:
			a.id = s.newID("deploy_access_level", 0)
			newDeploy = append(newDeploy, a.refAccess)
		}
	}
	for _, a := range rules {
		i := slices.IndexFunc(newRules, func(o *approvalRule) bool { return a.id != 0 && o.id == a.id })
		switch {
		case a.id != 0 && i < 0:
			notFound(w, "")
			return
		case a.destroy && i >= 0:
			newRules = slices.Delete(newRules, i, i+1)
		case i >= 0:
			// only the attributes given change
			item := rawItem(params["approval_rules"], a.id)
			if item["required_approvals"] != nil {
				newRules[i].requiredApprovals = a.requiredApprovals
			}
			if item["access_level"] != nil || item["user_id"] != nil || item["group_id"] != nil {
				newRules[i].refAccess = refAccess{id: a.id, accessLevel: a.accessLevel, userID: a.userID, groupID: a.groupID}
			}
		case !a.destroy:
			newRules = append(newRules, s.newApprovalRules([]nestedAccess{a})...)
		}
	}
	invalid := approvalRulesInvalid(newRules)
	if len(newDeploy) == 0 {
		invalid = append(invalid, "Must have at least one deployer.")
	}
	if len(invalid) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, obj{"message": invalid})
		return
	}
	for _, rule := range newRules {
		if rule.id == 0 {
			rule.id = s.newID("approval_rule", 0)
		}
	}
	if deployGiven {
		pe.deploy = newDeploy
	}
	if rulesGiven {
		pe.approvalRules = newRules
	}
	if count != nil {
		pe.requiredApprovalCount = *count
	}
	writeJSON(w, http.StatusOK, s.protectedEnvironmentEntity(pe))
}

// rawItem is the item of a nested attributes list with that id.
func rawItem(list any, id int64) map[string]any {
	items, _ := list.([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		if v, ok := optionalInt(m, "id"); ok && v != nil && *v == id {
			return m
		}
	}
	return map[string]any{}
}

// postApprovalRules reads POST's approval_rules; the caller validates
// them with approvalRulesInvalid and gives them IDs when it saves.
func (s *Sim) postApprovalRules(params map[string]any, errs *grapeErrors) []*approvalRule {
	items, _ := nestedAccessParam(params, "approval_rules", deployLevels, true, true, errs)
	return s.newApprovalRules(items)
}

func (s *Sim) saveApprovalRules(pe *protectedEnvironment, rules []*approvalRule) {
	for _, r := range rules {
		r.id = s.newID("approval_rule", 0)
	}
	pe.approvalRules = rules
}
