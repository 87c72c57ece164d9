package gitlabsim

import (
	"net/http"
	"slices"
	"strings"
)

// Protected environments (sources: diffblue/gitlab, EE):
//
//   - ee/lib/api/protected_environments.rb: GET/POST
//     /projects/:id/protected_environments, GET/DELETE .../:name
//     (authorize_admin_project; 409 "Protected environment '<name>' already
//     exists"), presented as EE::API::Entities::ProtectedEnvironment.
//   - ee/app/models/protected_environments/authorizable.rb#check_access: an
//     administrator, the user of a user rule, else the project role at least
//     the rule's access level (Reporter, Developer, Maintainer; 60 for
//     administrators); ProtectedEnvironment#accessible_to? is any of its
//     deploy access levels.
//   - ee/app/models/ee/environment.rb: protected_from?(user) (some
//     protection of the environment is not accessible to the user) and
//     protected_by?(user) (all are).
//   - ee/app/policies/ee/ci/deployable_policy.rb: a job of a protected
//     environment the user may not deploy to cannot be played, retried,
//     canceled or erased (403 Forbidden); a Reporter who may deploy to it
//     can (the jailbreak), on a protected ref too (guards.go: canWriteJob).
//
// Group-level protected environments (by tier) are not simulated.
//
// Their approval settings through the same API: POST takes approval_rules
// next to required_approval_count, and PUT /projects/:id/protected_environments/:name changes
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

func (s *Sim) protectedEnvironmentRoutes() {
	s.handle(RouteProtectedEnvironments, s.listProtectedEnvironments)
	s.handle(RouteProtectEnvironment, s.postProtectedEnvironment)
	s.handle(RouteProtectedEnvironment, s.getProtectedEnvironment)
	s.handle(RouteUnprotectEnvironment, s.deleteProtectedEnvironment)
	s.handle(RouteUpdateProtectedEnvironment, s.putProtectedEnvironment)
}

// Route pattern of the update.
const RouteUpdateProtectedEnvironment = "PUT /api/v4/projects/{id}/protected_environments/{name}"

// nestedAccess is one item of deploy_access_levels or approval_rules.
type nestedAccess struct {
	refAccess
	requiredApprovals int64
	destroy           bool
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
		// An integer key of the hash, where it goes, and the values it may take (nil: any).
		type intKey struct {
			key    string
			to     *int64
			values []int64
		}
		ints := []intKey{{"user_id", &a.userID, nil}, {"group_id", &a.groupID, nil},
			{"group_inheritance_type", &a.groupInheritanceType, []int64{0, 1}}}
		if update {
			ints = append(ints, intKey{"id", &a.id, nil})
		}
		var level int64
		ints = append(ints, intKey{"access_level", &level, levels})
		if rules {
			ints = append(ints, intKey{"required_approvals", &a.requiredApprovals, nil})
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
		out = append(out, &approvalRule{refAccess: a.refAccess, requiredApprovals: a.requiredApprovals})
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
	deploy, rules = sharedGroupsOnly(proj, deploy), sharedGroupsOnly(proj, rules)
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
	newDeploy, found := s.updateDeployAccess(newDeploy, deploy, params["deploy_access_levels"])
	if found {
		newRules, found = s.updateApprovalRules(newRules, rules, params["approval_rules"])
	}
	if !found {
		notFound(w, "") // ActiveRecord::RecordNotFound of the nested attributes
		return
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

// updateDeployAccess applies deploy_access_levels' nested attributes to a
// copy of the deploy access levels: an item with an id changes that level
// (only when a level, user or group is given), with _destroy removes it,
// without an id adds one. found is false when an id is not the
// environment's.
func (s *Sim) updateDeployAccess(list []refAccess, items []nestedAccess, raw any) (updated []refAccess, found bool) {
	for _, a := range items {
		i := slices.IndexFunc(list, func(o refAccess) bool { return a.id != 0 && o.id == a.id })
		switch {
		case a.id != 0 && i < 0:
			return nil, false
		case a.destroy && i >= 0:
			list = slices.Delete(list, i, i+1)
		case i >= 0:
			item := rawItem(raw, a.id)
			if item["access_level"] != nil || item["user_id"] != nil || item["group_id"] != nil {
				list[i] = refAccess{id: a.id, accessLevel: a.accessLevel, userID: a.userID, groupID: a.groupID,
					groupInheritanceType: list[i].groupInheritanceType}
			}
			if item["group_inheritance_type"] != nil {
				list[i].groupInheritanceType = a.groupInheritanceType
			}
		case !a.destroy:
			a.id = s.newID("deploy_access_level", 0)
			list = append(list, a.refAccess)
		}
	}
	return list, true
}

// updateApprovalRules applies approval_rules' nested attributes to a copy
// of the rules as updateDeployAccess does, an existing rule changing only
// in the attributes given.
func (s *Sim) updateApprovalRules(list []*approvalRule, items []nestedAccess, raw any) (updated []*approvalRule, found bool) {
	for _, a := range items {
		i := slices.IndexFunc(list, func(o *approvalRule) bool { return a.id != 0 && o.id == a.id })
		switch {
		case a.id != 0 && i < 0:
			return nil, false
		case a.destroy && i >= 0:
			list = slices.Delete(list, i, i+1)
		case i >= 0:
			item := rawItem(raw, a.id)
			if item["required_approvals"] != nil {
				list[i].requiredApprovals = a.requiredApprovals
			}
			if item["access_level"] != nil || item["user_id"] != nil || item["group_id"] != nil {
				list[i].refAccess = refAccess{id: a.id, accessLevel: a.accessLevel, userID: a.userID, groupID: a.groupID,
					groupInheritanceType: list[i].groupInheritanceType}
			}
			if item["group_inheritance_type"] != nil {
				list[i].groupInheritanceType = a.groupInheritanceType
			}
		case !a.destroy:
			list = append(list, s.newApprovalRules([]nestedAccess{a})...)
		}
	}
	return list, true
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
func (s *Sim) postApprovalRules(proj *project, params map[string]any, errs *grapeErrors) []*approvalRule {
	items, _ := nestedAccessParam(params, "approval_rules", deployLevels, true, true, errs)
	return s.newApprovalRules(sharedGroupsOnly(proj, items))
}

// sharedGroupsOnly is ProtectedEnvironments::BaseService#sanitized_params
// of a project's protected environment: a deploy access level or approval
// rule of a group the project is not shared with (qualified_group_ids:
// project.invited_groups; not its own group nor an ancestor) is dropped,
// silently; a removal (_destroy) passes. (Its user_id filter, users with
// Developer access, is not simulated.)
func sharedGroupsOnly(proj *project, items []nestedAccess) []nestedAccess {
	return slices.DeleteFunc(items, func(a nestedAccess) bool {
		return !a.destroy && a.groupID != 0 && !proj.sharedWith(a.groupID)
	})
}

func (s *Sim) saveApprovalRules(pe *protectedEnvironment, rules []*approvalRule) {
	for _, r := range rules {
		r.id = s.newID("approval_rule", 0)
	}
	pe.approvalRules = rules
}

// protectedEnvironment is a project-level ProtectedEnvironment.
type protectedEnvironment struct {
	name                  string
	deploy                []refAccess
	requiredApprovalCount int64
	approvalRules         []*approvalRule // deployment_approvals.go
}

// protectionsOf are the protected environments of the job's persisted environment.
func (s *Sim) protectionsOf(j *job) []*protectedEnvironment {
	e := s.jobEnvironment(j)
	if e == nil {
		return nil
	}
	var out []*protectedEnvironment
	for _, pe := range s.guards.protectedEnvs[j.projectID] {
		if pe.name == e.Name {
			out = append(out, pe)
		}
	}
	return out
}

// deployAccessAllows is ProtectedEnvironments::Authorizable#check_access
// of a deploy access level or an approval rule: administrators; a user
// rule its user; a group rule, by its group_inheritance_type, the group's
// direct members (group.users.exists?) or all its members, inherited from
// parent groups too (Group#member?, members.go); a role rule a user whose
// access to the project (container_access_level: direct, through groups
// and shares) is at least the role.
func (s *Sim) deployAccessAllows(a refAccess, u *user, proj *project) bool {
	switch {
	case u == nil:
		return false
	case u.admin:
		return true
	case a.userID != 0:
		return u.id == a.userID
	case a.groupID != 0:
		g := s.groups.byID[a.groupID]
		if g == nil {
			return false
		}
		if a.groupInheritanceType == groupAllInherited {
			return g.inheritedAccess(u.id) >= GuestAccess
		}
		return g.members[u.id] != nil
	}
	return proj.access(u.id) >= a.accessLevel
}

// accessibleTo is ProtectedEnvironment#accessible_to?.
func (s *Sim) accessibleTo(pe *protectedEnvironment, u *user, proj *project) bool {
	return slices.ContainsFunc(pe.deploy, func(a refAccess) bool { return s.deployAccessAllows(a, u, proj) })
}

// environmentGuard is Environment#protected_from?: the first protection
// of the job's environment the user may not deploy through, or nil.
func (s *Sim) environmentGuard(p principal, proj *project, j *job) *protectedEnvironment {
	for _, pe := range s.protectionsOf(j) {
		if !s.accessibleTo(pe, p.user, proj) {
			return pe
		}
	}
	return nil
}

// reporterDeployer is EE::Ci::DeployablePolicy's
// reporter_has_access_to_protected_environment: the job's environment is
// protected, every protection lets the user deploy (protected_by?), and the
// user is at least a Reporter of the project.
func (s *Sim) reporterDeployer(p principal, proj *project, j *job) bool {
	pes := s.protectionsOf(j)
	if len(pes) == 0 || p.user == nil || accessLevel(p, proj) < ReporterAccess {
		return false
	}
	for _, pe := range pes {
		if !s.accessibleTo(pe, p.user, proj) {
			return false
		}
	}
	return true
}

// humanizeDeployAccess is Authorizable#humanize of a role (Reporters and
// administrators have no description).
func humanizeDeployAccess(level int) any {
	switch level {
	case MaintainerAccess:
		return "Maintainers"
	case DeveloperAccess:
		return "Developers + Maintainers"
	}
	return nil
}

// protectedEnvironmentEntity is EE::API::Entities::ProtectedEnvironment.
func (s *Sim) protectedEnvironmentEntity(pe *protectedEnvironment) obj {
	levels := s.accessEntities(pe.deploy, humanizeDeployAccess)
	for i, l := range levels {
		l["group_inheritance_type"] = pe.deploy[i].groupInheritanceType
	}
	return obj{"name": pe.name, "deploy_access_levels": levels, "required_approval_count": pe.requiredApprovalCount,
		"approval_rules": s.approvalRuleEntities(pe)}
}

func (s *Sim) findProtectedEnvironment(projectID int64, name string) *protectedEnvironment {
	for _, pe := range s.guards.protectedEnvs[projectID] {
		if pe.name == name {
			return pe
		}
	}
	return nil
}

// protectedEnvironmentOfPath is the start of the routes on one protected
// environment: authorize_admin_project (adminProject), then the
// environment of :name (find_by_name!: 404). It answers errors itself.
func (s *Sim) protectedEnvironmentOfPath(w http.ResponseWriter, r *http.Request) (*project, *protectedEnvironment, bool) {
	_, proj, ok := s.adminProject(w, r)
	if !ok {
		return nil, nil, false
	}
	pe := s.findProtectedEnvironment(proj.id, r.PathValue("name"))
	if pe == nil { // find_by_name!
		notFound(w, "")
		return nil, nil, false
	}
	return proj, pe, true
}

// GET /projects/:id/protected_environments: sorted by name.
func (s *Sim) listProtectedEnvironments(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	_, proj, ok := s.adminProject(w, r)
	if !ok {
		return
	}
	lp, ok := readPageParams(w, r)
	if !ok {
		return
	}
	list := slices.Clone(s.guards.protectedEnvs[proj.id])
	slices.SortFunc(list, func(a, b *protectedEnvironment) int { return strings.Compare(a.name, b.name) })
	writePage(s, w, r, lp, list, s.protectedEnvironmentEntity)
}

// GET /projects/:id/protected_environments/:name.
func (s *Sim) getProtectedEnvironment(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	_, pe, ok := s.protectedEnvironmentOfPath(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.protectedEnvironmentEntity(pe))
}

// DELETE /projects/:id/protected_environments/:name: 204.
func (s *Sim) deleteProtectedEnvironment(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	proj, pe, ok := s.protectedEnvironmentOfPath(w, r)
	if !ok {
		return
	}
	s.guards.protectedEnvs[proj.id] = slices.DeleteFunc(s.guards.protectedEnvs[proj.id],
		func(o *protectedEnvironment) bool { return o == pe })
	w.WriteHeader(http.StatusNoContent)
}

// POST /projects/:id/protected_environments: 201.
func (s *Sim) postProtectedEnvironment(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	params, proj, ok := s.adminWrite(w, r)
	if !ok {
		return
	}
	var errs grapeErrors
	name := requiredString(params, "name", &errs)
	approvals, okCount := optionalInt(params, "required_approval_count")
	if !okCount {
		errs.add("required_approval_count", "is invalid")
	}
	var deploy []refAccess
	items, given := nestedAccessParam(params, "deploy_access_levels", deployLevels, false, false, &errs)
	if !given {
		errs.add("deploy_access_levels", "is missing")
	}
	for _, a := range sharedGroupsOnly(proj, items) {
		deploy = append(deploy, a.refAccess)
	}
	rules := s.postApprovalRules(proj, params, &errs)
	if len(errs.order) > 0 {
		badParam(w, errs.message())
		return
	}
	if s.findProtectedEnvironment(proj.id, name) != nil {
		message(w, http.StatusConflict, "Protected environment '"+name+"' already exists") // conflict!
		return
	}
	var invalid []string
	if name == "" {
		invalid = append(invalid, "Name can't be blank")
	}
	for _, a := range deploy {
		if a.accessLevel == 0 && a.userID == 0 && a.groupID == 0 {
			// DeployAccessLevel#authorizable_attributes_presence, through the association.
			invalid = append(invalid, "Deploy access levels base One of the Group ID, User ID or Access Level must be specified.")
			break
		}
	}
	if len(deploy) == 0 {
		invalid = append(invalid, "Must have at least one deployer.")
	}
	invalid = append(invalid, approvalRulesInvalid(rules)...)
	if len(invalid) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, obj{"message": invalid})
		return
	}
	for i := range deploy {
		deploy[i].id = s.newID("deploy_access_level", 0)
	}
	pe := &protectedEnvironment{name: name, deploy: deploy}
	if approvals != nil {
		pe.requiredApprovalCount = *approvals
	}
	s.saveApprovalRules(pe, rules)
	s.addProtectedEnvironment(proj.id, pe)
	writeJSON(w, http.StatusCreated, s.protectedEnvironmentEntity(pe))
}

func (s *Sim) addProtectedEnvironment(projectID int64, pe *protectedEnvironment) {
	if s.guards.protectedEnvs == nil {
		s.guards.protectedEnvs = map[int64][]*protectedEnvironment{}
	}
	s.guards.protectedEnvs[projectID] = append(s.guards.protectedEnvs[projectID], pe)
}

// ProtectedEnvironmentSpec protects an environment out of band, as the
// Protected environments API does: the roles (20, 30, 40, 60), user IDs
// and groups that may deploy to it. A group counts only when the project
// is shared with it (ShareProjectWithGroup), as the API keeps only those.
type ProtectedEnvironmentSpec struct {
	Name         string
	AccessLevels []int
	UserIDs      []int64
	Groups       []GroupAccessSpec
}

// GroupAccessSpec is a group's deploy access level or approval rule: its
// direct members, or with Inherited (group_inheritance_type 1) its
// members inherited from parent groups too.
type GroupAccessSpec struct {
	GroupID   int64
	Inherited bool
}

func (g GroupAccessSpec) refAccess(id int64) refAccess {
	a := refAccess{id: id, groupID: g.GroupID}
	if g.Inherited {
		a.groupInheritanceType = groupAllInherited
	}
	return a
}

// ProtectEnvironment protects an environment of a project.
func (s *Sim) ProtectEnvironment(projectID int64, spec ProtectedEnvironmentSpec) {
	s.lock()
	defer s.mu.Unlock()
	pe := &protectedEnvironment{name: spec.Name}
	for _, l := range spec.AccessLevels {
		pe.deploy = append(pe.deploy, refAccess{id: s.newID("deploy_access_level", 0), accessLevel: l})
	}
	for _, u := range spec.UserIDs {
		pe.deploy = append(pe.deploy, refAccess{id: s.newID("deploy_access_level", 0), userID: u})
	}
	for _, g := range spec.Groups {
		if proj := s.projects[projectID]; proj != nil && proj.sharedWith(g.GroupID) {
			pe.deploy = append(pe.deploy, g.refAccess(s.newID("deploy_access_level", 0)))
		}
	}
	s.addProtectedEnvironment(projectID, pe)
}
