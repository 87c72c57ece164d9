package gitlabsim

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// Protected branches and tags, as GitLab's APIs set them up and its
// policies enforce them. Sources (gitlabhq/gitlabhq, diffblue/gitlab for EE):
//
//   - lib/api/protected_branches.rb: GET/POST /projects/:id/protected_branches,
//     GET/DELETE /projects/:id/protected_branches/:name (authorize_admin_project;
//     409 "Protected branch '<name>' already exists"; find_by! 404 "404 Not found";
//     DELETE 204), with ProtectedBranches::ApiService and
//     ProtectedRefs::AccessLevelParams (push_access_level, merge_access_level,
//     allowed_to_push, allowed_to_merge; Maintainers by default).
//   - lib/api/protected_tags.rb: the same for tags with create_access_level
//     and allowed_to_create; a name taken is the model's 422
//     {"message":["Name has already been taken"]}.
//   - lib/api/entities/protected_branch.rb, protected_tag.rb,
//     protected_ref_access.rb (and their EE additions: user_id, group_id,
//     unprotect_access_levels, code_owner_approval_required).
//   - app/models/concerns/protected_ref.rb and lib/gitlab/ref_matcher.rb: a
//     rule protects the ref of its name, or the refs its wildcard (*) matches.
//   - app/models/concerns/protected_ref_access.rb#check_access: nobody for
//     "No one" (0), administrators for 60, else a member with push_code
//     (Developer) whose role in the project is at least the level; a user
//     rule lets that user through.
//   - lib/gitlab/user_access.rb: can_update_branch? (can_push_to_branch? or
//     can_merge_to_branch?) and can_create_tag?.
//   - app/policies/ci/build_policy.rb (protected_ref): play, retry, cancel and
//     erase of a job of a ref the user may not update are refused, a plain
//     403 Forbidden from the action endpoints (guards.go: canWriteJob).
//   - lib/gitlab/ci/pipeline/chain/validate/abilities.rb: a pipeline for an
//     existing protected ref the user may not update is refused with "You do
//     not have sufficient permission to run a pipeline on '<ref>'. ...".

// protectedRef is a protected branch or tag (a name or a wildcard).
type protectedRef struct {
	id             int64
	name           string
	push, merge    []refAccess // a branch's
	unprotect      []refAccess // a branch's (EE)
	create         []refAccess // a tag's
	allowForcePush bool
	codeOwners     bool
}

// refAccess is one access level of a protected ref (or a deploy access
// level or an approval rule of a protected environment): a role, a user
// or a group.
type refAccess struct {
	id          int64
	accessLevel int // 0 with a user or group
	userID      int64
	groupID     int64
	// A protected environment's group_inheritance_type
	// (ProtectedEnvironments::Authorizable::GROUP_INHERITANCE_TYPE):
	// groupDirect or groupAllInherited.
	groupInheritanceType int64
}

// The group inheritance types of protected environments' access levels
// and approval rules: a group rule lets its direct members through, or
// (ALL) its members inherited from parent groups too.
const (
	groupDirect       = 0
	groupAllInherited = 1
)

// AdminAccess is Gitlab::Access::ADMIN, the access level of administrators
// on protected refs and environments.
const AdminAccess = 60

// Route patterns of the protected branches and tags APIs.
const (
	RouteProtectedBranches = "GET /api/v4/projects/{id}/protected_branches"
	RouteProtectBranch     = "POST /api/v4/projects/{id}/protected_branches"
	RouteProtectedBranch   = "GET /api/v4/projects/{id}/protected_branches/{name}"
	RouteUnprotectBranch   = "DELETE /api/v4/projects/{id}/protected_branches/{name}"
	RouteProtectedTags     = "GET /api/v4/projects/{id}/protected_tags"
	RouteProtectTag        = "POST /api/v4/projects/{id}/protected_tags"
	RouteProtectedTag      = "GET /api/v4/projects/{id}/protected_tags/{name}"
	RouteUnprotectTag      = "DELETE /api/v4/projects/{id}/protected_tags/{name}"
)

func (s *Sim) protectedRefRoutes() {
	s.handle(RouteProtectedBranches, func(w http.ResponseWriter, r *http.Request) { s.listProtectedRefs(w, r, false) })
	s.handle(RouteProtectBranch, s.postProtectedBranch)
	s.handle(RouteProtectedBranch, func(w http.ResponseWriter, r *http.Request) { s.getProtectedRef(w, r, false) })
	s.handle(RouteUnprotectBranch, func(w http.ResponseWriter, r *http.Request) { s.deleteProtectedRef(w, r, false) })
	s.handle(RouteProtectedTags, func(w http.ResponseWriter, r *http.Request) { s.listProtectedRefs(w, r, true) })
	s.handle(RouteProtectTag, s.postProtectedTag)
	s.handle(RouteProtectedTag, func(w http.ResponseWriter, r *http.Request) { s.getProtectedRef(w, r, true) })
	s.handle(RouteUnprotectTag, func(w http.ResponseWriter, r *http.Request) { s.deleteProtectedRef(w, r, true) })
}

func (s *Sim) protectedRefs(projectID int64, tags bool) []*protectedRef {
	if tags {
		return s.guards.tags[projectID]
	}
	return s.guards.branches[projectID]
}

func (s *Sim) setProtectedRefs(projectID int64, tags bool, list []*protectedRef) {
	m := &s.guards.branches
	if tags {
		m = &s.guards.tags
	}
	if *m == nil {
		*m = map[int64][]*protectedRef{}
	}
	(*m)[projectID] = list
}

func findRef(list []*protectedRef, name string) *protectedRef {
	for _, pr := range list {
		if pr.name == name {
			return pr
		}
	}
	return nil
}

// GET /projects/:id/protected_branches and /protected_tags.
func (s *Sim) listProtectedRefs(w http.ResponseWriter, r *http.Request, tags bool) {
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
	writePage(s, w, r, lp, s.protectedRefs(proj.id, tags), func(pr *protectedRef) obj { return s.protectedRefEntity(pr, tags) })
}

// GET /projects/:id/protected_branches/:name and /protected_tags/:name.
func (s *Sim) getProtectedRef(w http.ResponseWriter, r *http.Request, tags bool) {
	s.lock()
	defer s.mu.Unlock()
	_, proj, ok := s.adminProject(w, r)
	if !ok {
		return
	}
	pr := findRef(s.protectedRefs(proj.id, tags), r.PathValue("name"))
	if pr == nil { // find_by!
		notFound(w, "")
		return
	}
	writeJSON(w, http.StatusOK, s.protectedRefEntity(pr, tags))
}

// DELETE /projects/:id/protected_branches/:name and /protected_tags/:name: 204.
func (s *Sim) deleteProtectedRef(w http.ResponseWriter, r *http.Request, tags bool) {
	s.lock()
	defer s.mu.Unlock()
	_, proj, ok := s.adminProject(w, r)
	if !ok {
		return
	}
	list := s.protectedRefs(proj.id, tags)
	pr := findRef(list, r.PathValue("name"))
	if pr == nil {
		notFound(w, "")
		return
	}
	s.setProtectedRefs(proj.id, tags, slices.DeleteFunc(list, func(o *protectedRef) bool { return o == pr }))
	w.WriteHeader(http.StatusNoContent)
}

// protectedBranchLevels and protectedTagLevels are the access levels the
// API takes (ProtectedRefAccess.allowed_access_levels).
var (
	protectedBranchLevels = []int64{MaintainerAccess, DeveloperAccess, 0, AdminAccess}
	protectedTagLevels    = []int64{MaintainerAccess, DeveloperAccess, 0, AdminAccess}
)

// accessLevelsParam is ProtectedRefs::AccessLevelParams#access_levels for
// one action: <action>_access_level (Maintainers when neither it nor
// allowed_to_<action> is given) and the allowed_to_<action> entries.
func (s *Sim) accessLevelsParam(params map[string]any, action string, levels []int64, errs *grapeErrors) []refAccess {
	var out []refAccess
	level, ok := optionalInt(params, action+"_access_level")
	switch {
	case !ok:
		errs.add(action+"_access_level", "is invalid")
	case level != nil && !slices.Contains(levels, *level):
		errs.add(action+"_access_level", "does not have a valid value")
	case level != nil:
		out = append(out, refAccess{accessLevel: int(*level)})
	}
	key := "allowed_to_" + action
	if raw, given := params[key]; given && raw != nil {
		out = append(out, accessEntriesParam(raw, key, levels, errs)...)
	}
	if len(out) == 0 && level == nil {
		out = []refAccess{{accessLevel: MaintainerAccess}}
	}
	for i := range out {
		out[i].id = s.newID("protected_ref_access", 0)
	}
	return out
}

// POST /projects/:id/protected_branches: 201 with the protected branch.
func (s *Sim) postProtectedBranch(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	params, proj, ok := s.adminWrite(w, r)
	if !ok {
		return
	}
	var errs grapeErrors
	name := requiredString(params, "name", &errs)
	push := s.accessLevelsParam(params, "push", protectedBranchLevels, &errs)
	merge := s.accessLevelsParam(params, "merge", protectedBranchLevels, &errs)
	unprotect := []refAccess{}
	if _, given := params["unprotect_access_level"]; given {
		unprotect = s.accessLevelsParam(params, "unprotect", []int64{MaintainerAccess, DeveloperAccess, 0, AdminAccess, OwnerAccess}, &errs)
	}
	force, okForce := boolValue(params, "allow_force_push")
	if !okForce {
		errs.add("allow_force_push", "is invalid")
	}
	owners, okOwners := boolValue(params, "code_owner_approval_required")
	if !okOwners {
		errs.add("code_owner_approval_required", "is invalid")
	}
	if len(errs.order) > 0 {
		badParam(w, errs.message())
		return
	}
	list := s.protectedRefs(proj.id, false)
	if findRef(list, name) != nil {
		message(w, http.StatusConflict, "Protected branch '"+name+"' already exists") // conflict!
		return
	}
	var invalid []string
	if name == "" {
		invalid = append(invalid, "Name can't be blank")
	}
	invalid = append(invalid, unsharedGroupAccess(proj, "Merge access levels", merge)...)
	invalid = append(invalid, unsharedGroupAccess(proj, "Push access levels", push)...)
	invalid = append(invalid, unsharedGroupAccess(proj, "Unprotect access levels", unprotect)...)
	if len(invalid) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, obj{"message": invalid})
		return
	}
	pr := &protectedRef{id: s.newID("protected_branch", 0), name: name, push: push, merge: merge, unprotect: unprotect,
		allowForcePush: force, codeOwners: owners}
	s.setProtectedRefs(proj.id, false, append(list, pr))
	writeJSON(w, http.StatusCreated, s.protectedRefEntity(pr, false))
}

// POST /projects/:id/protected_tags: 201 with the protected tag.
func (s *Sim) postProtectedTag(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	params, proj, ok := s.adminWrite(w, r)
	if !ok {
		return
	}
	var errs grapeErrors
	name := requiredString(params, "name", &errs)
	create := s.accessLevelsParam(params, "create", protectedTagLevels, &errs)
	if len(errs.order) > 0 {
		badParam(w, errs.message())
		return
	}
	list := s.protectedRefs(proj.id, true)
	var invalid []string
	if name == "" {
		invalid = append(invalid, "Name can't be blank")
	}
	if findRef(list, name) != nil {
		invalid = append(invalid, "Name has already been taken") // the model's uniqueness validation
	}
	invalid = append(invalid, unsharedGroupAccess(proj, "Create access levels", create)...)
	if len(invalid) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, obj{"message": invalid})
		return
	}
	pr := &protectedRef{id: s.newID("protected_tag", 0), name: name, create: create}
	s.setProtectedRefs(proj.id, true, append(list, pr))
	writeJSON(w, http.StatusCreated, s.protectedRefEntity(pr, true))
}

// unsharedGroupAccess is EE::ProtectedRefAccess#validate_group_membership
// of one action's access levels, as the protected ref's full messages
// name it: a group rule needs a group the project is shared with
// (project_group_links; the project's own group and its ancestors are
// not). (validate_user_membership, a user rule's "user is not a member of
// the project", is not simulated.)
func unsharedGroupAccess(proj *project, association string, list []refAccess) []string {
	for _, a := range list {
		if a.groupID != 0 && !proj.sharedWith(a.groupID) {
			return []string{association + " group does not have access to the project"}
		}
	}
	return nil
}

// protectedRefEntity is Entities::ProtectedBranch or Entities::ProtectedTag.
func (s *Sim) protectedRefEntity(pr *protectedRef, tag bool) obj {
	if tag {
		return obj{"name": pr.name, "create_access_levels": s.accessEntities(pr.create, humanizeRefAccess)}
	}
	return obj{
		"id": pr.id, "name": pr.name,
		"push_access_levels":           s.accessEntities(pr.push, humanizeRefAccess),
		"merge_access_levels":          s.accessEntities(pr.merge, humanizeRefAccess),
		"allow_force_push":             pr.allowForcePush,
		"unprotect_access_levels":      s.accessEntities(pr.unprotect, humanizeRefAccess),
		"code_owner_approval_required": pr.codeOwners,
	}
}

// accessEntities are Entities::ProtectedRefAccess (with EE's user_id and
// group_id): a role's access_level, or null for a user or a group, and
// its description (humanize: the role, the user's name, the group's name).
func (s *Sim) accessEntities(list []refAccess, role func(int) any) []obj {
	out := make([]obj, 0, len(list))
	for _, a := range list {
		e := obj{"id": a.id, "access_level": a.accessLevel, "access_level_description": role(a.accessLevel),
			"user_id": nil, "group_id": nil}
		switch {
		case a.userID != 0:
			e["access_level"] = nil
			e["user_id"] = a.userID
			if u := s.users[a.userID]; u != nil {
				e["access_level_description"] = u.name
			}
		case a.groupID != 0:
			e["access_level"] = nil
			e["group_id"] = a.groupID
			e["access_level_description"] = s.groupName(a.groupID)
		}
		out = append(out, e)
	}
	return out
}

// humanizeRefAccess is ProtectedRefAccess.humanize of a role.
func humanizeRefAccess(level int) any {
	switch level {
	case 0:
		return "No one"
	case DeveloperAccess:
		return "Developers + Maintainers"
	case MaintainerAccess:
		return "Maintainers"
	case AdminAccess:
		return "Administrators"
	}
	return nil
}

// refMatches is ProtectedRef's match of a rule's name (RefMatcher): the
// name itself, or a wildcard whose * matches any characters.
func refMatches(pattern, ref string) bool {
	if pattern == ref {
		return true
	}
	if !strings.Contains(pattern, "*") {
		return false
	}
	parts := strings.Split(pattern, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(`\A` + strings.Join(parts, ".*?") + `\z`).MatchString(ref)
}

// matchingRefs are the rules protecting ref.
func matchingRefs(list []*protectedRef, ref string) []*protectedRef {
	var out []*protectedRef
	for _, pr := range list {
		if refMatches(pr.name, ref) {
			out = append(out, pr)
		}
	}
	return out
}

// canPushCode is push_code: developers (and administrators), not in an archived project.
func canPushCode(u *user, proj *project) bool {
	return u != nil && !proj.archived && (u.admin || proj.access(u.id) >= DeveloperAccess)
}

// refAccessAllows is ProtectedRefAccess#check_access with the project: no
// one for 0, administrators for 60; a user rule its user, being a member;
// a group rule (EE::ProtectedRefAccess#check_access:
// group.users.exists?) a direct member of the group, not one inherited
// from its parent groups, with push_code in the project (the group's
// share gives it); a role rule a member with push_code and at least that
// role (the membership, not an administrator's implied rights).
func (s *Sim) refAccessAllows(a refAccess, u *user, proj *project) bool {
	if u == nil {
		return false
	}
	switch {
	case a.userID != 0:
		return u.id == a.userID && proj.isMember(u.id) && canPushCode(u, proj)
	case a.groupID != 0:
		g := s.groups.byID[a.groupID]
		return g != nil && g.members[u.id] != nil && canPushCode(u, proj)
	case a.accessLevel == 0:
		return false
	case a.accessLevel == AdminAccess:
		return u.admin
	}
	return canPushCode(u, proj) && proj.access(u.id) >= a.accessLevel
}

func (s *Sim) anyAccessAllows(rules []*protectedRef, levels func(*protectedRef) []refAccess, u *user, proj *project) bool {
	for _, pr := range rules {
		for _, a := range levels(pr) {
			if s.refAccessAllows(a, u, proj) {
				return true
			}
		}
	}
	return false
}

// refGuard is the protected branch or tag that keeps u from updating ref
// (Gitlab::UserAccess#can_update_branch? or #can_create_tag? false on a
// protected ref), or nil when u may update it or it is not protected.
func (s *Sim) refGuard(u *user, proj *project, ref string, tag bool) *protectedRef {
	if tag {
		rules := matchingRefs(s.guards.tags[proj.id], ref)
		if len(rules) == 0 || s.anyAccessAllows(rules, func(pr *protectedRef) []refAccess { return pr.create }, u, proj) {
			return nil
		}
		return rules[0]
	}
	rules := matchingRefs(s.guards.branches[proj.id], ref)
	if len(rules) == 0 {
		return nil
	}
	// can_push_to_branch? needs push_code first; can_merge_to_branch? does not.
	if canPushCode(u, proj) && s.anyAccessAllows(rules, func(pr *protectedRef) []refAccess { return pr.push }, u, proj) ||
		s.anyAccessAllows(rules, func(pr *protectedRef) []refAccess { return pr.merge }, u, proj) {
		return nil
	}
	return rules[0]
}

// onProtectedRef is the negation of Ci::BuildPolicy's unprotected_ref: the
// job's ref is a protected branch or tag, whoever asks.
func (s *Sim) onProtectedRef(j *job) bool {
	pl := s.pipelines[j.pipelineID]
	return pl != nil && len(matchingRefs(s.protectedRefs(j.projectID, pl.tag), pl.ref)) > 0
}

// pipelineRefRefusal is Chain::Validate::Abilities' refusal of a pipeline
// for an existing ref the user may not update, as ref was given.
func pipelineRefRefusal(ref string) string {
	return "You do not have sufficient permission to run a pipeline on '" + ref +
		"'. Please select a different branch or contact your administrator for assistance."
}

// ProtectedRefSpec protects a branch or a tag out of band, as the
// Protected branches and tags APIs do. Levels are roles (0 no one, 30
// developers, 40 maintainers, 60 administrators); none means Maintainers.
type ProtectedRefSpec struct {
	Name        string
	Tag         bool
	PushLevels  []int   // a branch's
	MergeLevels []int   // a branch's
	CreateLevel []int   // a tag's
	PushUsers   []int64 // users allowed to push to the branch (or create the tag)
	// Groups whose direct members may push to the branch (or create the
	// tag); the project must be shared with them (ShareProjectWithGroup).
	PushGroups []int64
}

// ProtectRef protects a branch or tag of a project; it panics, a test
// bug, on a group the project is not shared with (GitLab's 422).
func (s *Sim) ProtectRef(projectID int64, spec ProtectedRefSpec) {
	s.lock()
	defer s.mu.Unlock()
	for _, g := range spec.PushGroups {
		if proj := s.projects[projectID]; proj == nil || !proj.sharedWith(g) {
			panic("ProtectRef: group " + itoa(g) + " does not have access to the project")
		}
	}
	levels := func(ls []int, users, groups []int64) []refAccess {
		var out []refAccess
		for _, l := range ls {
			out = append(out, refAccess{id: s.newID("protected_ref_access", 0), accessLevel: l})
		}
		for _, u := range users {
			out = append(out, refAccess{id: s.newID("protected_ref_access", 0), userID: u})
		}
		for _, g := range groups {
			out = append(out, refAccess{id: s.newID("protected_ref_access", 0), groupID: g})
		}
		if len(out) == 0 {
			out = []refAccess{{id: s.newID("protected_ref_access", 0), accessLevel: MaintainerAccess}}
		}
		return out
	}
	list := s.protectedRefs(projectID, spec.Tag)
	if spec.Tag {
		pr := &protectedRef{id: s.newID("protected_tag", 0), name: spec.Name, create: levels(spec.CreateLevel, spec.PushUsers, spec.PushGroups)}
		s.setProtectedRefs(projectID, true, append(list, pr))
		return
	}
	pr := &protectedRef{id: s.newID("protected_branch", 0), name: spec.Name, push: levels(spec.PushLevels, spec.PushUsers, spec.PushGroups),
		merge: levels(spec.MergeLevels, nil, nil), unprotect: []refAccess{}}
	s.setProtectedRefs(projectID, false, append(list, pr))
}
