package gitlabsim

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Members of groups and projects, and the access they give, as GitLab
// computes it:
//
//   - app/models/members/group_member.rb: a group's direct members and
//     their access levels; Group#users (group.users) are they alone;
//     Group#max_member_access_for_user and Group#member? count the
//     members of its ancestors too (members_with_parents).
//   - lib/gitlab/project_authorizations.rb (ProjectAuthorization, which
//     Project#team.max_member_access reads): a user's access to a project
//     is the highest of their project membership, their membership of the
//     project's group or any ancestor group, and, for each group the
//     project is shared with (project_group_links), the lower of their
//     access to that group (direct or inherited) and the link's
//     group_access. Minimal access (5) gives no project access; group
//     shares with groups (group_group_links) are not simulated.
//   - lib/api/members.rb with API::Helpers::MembersHelpers (authenticate!;
//     find_group!/find_project!: 404 "404 Group Not Found"/"404 Project
//     Not Found"): GET /groups/:id/members (direct members), GET
//     /groups/:id/members/all and /projects/:id/members/all (MembersFinder
//     and GroupMembersFinder with inherited, direct and invited groups:
//     each user once, at their highest access level, by user ID here),
//     POST /groups/:id/members (user_id, access_level, expires_at): a
//     Maintainer of the group (direct or inherited) may add members, an
//     Owner only may add an Owner (else 403 "403 Forbidden", as
//     spec/requests/api/members_spec.rb's "a 403 response when user does
//     not have rights to manage members of a specific access level"); 404
//     "404 User Not Found"; 409 "Member already exists"; the member's
//     validations, 400 {"message":{"access_level":[...]}}: "is not
//     included in the list" and Member#higher_access_level_than_group's
//     "should be greater than or equal to <Role> inherited membership from
//     group <name>"; 201 with the member.
//   - lib/api/projects.rb's POST /projects/:id/share: see postProjectShare.
//   - lib/api/entities/member.rb: Entities::UserBasic merged with
//     access_level, created_at, created_by (when known), expires_at, and
//     EE's membership_state.
//
// Not modelled: several user IDs in one POST, usernames, invitations and
// access requests, PUT and DELETE of members, project members' routes
// but members/all, expiry, hiding members of private invited groups.

// groupMember is a GroupMember.
type groupMember struct {
	accessLevel int
	createdAt   time.Time
	createdBy   int64 // 0: unknown (the seed, the Go API)
	seq         int64 // creation order
}

// projectShare is a ProjectGroupLink: the project is shared with a group
// up to an access level.
type projectShare struct {
	id          int64
	group       *group
	groupAccess int
	expiresAt   any // a date string, or nil
}

// memberAccessLevels are Gitlab::Access.all_values a member may have
// (minimal access is EE's, for top-level groups, and not simulated).
var memberAccessLevels = []int64{GuestAccess, PlannerAccess, ReporterAccess, DeveloperAccess, MaintainerAccess, OwnerAccess}

// inheritedAccess is Group#max_member_access_for_user: the highest access
// of the user's membership of the group or an ancestor, 0 for none.
func (g *group) inheritedAccess(userID int64) int {
	best := 0
	for _, a := range g.selfAndAncestors() {
		if m := a.members[userID]; m != nil {
			best = max(best, m.accessLevel)
		}
	}
	return best
}

// access is the user's access level in the project (ProjectAuthorization,
// Project#team.max_member_access): the highest of the project membership,
// the membership of its group or an ancestor, and the shares.
func (proj *project) access(userID int64) int {
	best := proj.members[userID]
	if proj.namespace != nil {
		best = max(best, proj.namespace.inheritedAccess(userID))
	}
	for _, sh := range proj.shares {
		best = max(best, min(sh.group.inheritedAccess(userID), sh.groupAccess))
	}
	return best
}

// isMember is Project#member? (team.member?): a direct member, or a user
// with access through a group.
func (proj *project) isMember(userID int64) bool {
	_, direct := proj.members[userID]
	return direct || proj.access(userID) >= GuestAccess
}

// Route patterns of the members API.
const (
	RouteGroupMembers       = "GET /api/v4/groups/{id}/members"
	RouteGroupMembersAll    = "GET /api/v4/groups/{id}/members/all"
	RouteAddGroupMember     = "POST /api/v4/groups/{id}/members"
	RouteProjectMembersAll  = "GET /api/v4/projects/{id}/members/all"
	RouteShareProject       = "POST /api/v4/projects/{id}/share"
	roleNameOwner           = "Owner"
	msgMemberAlreadyExists  = "Member already exists"
	msgAccessLevelNotInList = "is not included in the list"
)

func (s *Sim) memberRoutes() {
	s.handle(RouteGroupMembers, func(w http.ResponseWriter, r *http.Request) { s.listGroupMembers(w, r, false) })
	s.handle(RouteGroupMembersAll, func(w http.ResponseWriter, r *http.Request) { s.listGroupMembers(w, r, true) })
	s.handle(RouteAddGroupMember, s.postGroupMember)
	s.handle(RouteProjectMembersAll, s.listProjectMembersAll)
	s.handle(RouteShareProject, s.postProjectShare)
}

// memberRow is one member as the routes present it.
type memberRow struct {
	userID      int64
	accessLevel int
	createdAt   time.Time
	createdBy   int64
	expiresAt   any
}

// memberEntity is Entities::Member.
func (s *Sim) memberEntity(m memberRow, base string) obj {
	e := s.userBasicEntity(s.users[m.userID], base)
	e["access_level"] = m.accessLevel
	e["created_at"] = apiTime(m.createdAt)
	e["expires_at"] = m.expiresAt
	e["membership_state"] = "active"
	if u := s.users[m.createdBy]; u != nil {
		e["created_by"] = s.userBasicEntity(u, base)
	}
	return e
}

// mergeMember keeps each user once, at their highest access level.
func mergeMember(rows map[int64]memberRow, m memberRow) {
	if old, seen := rows[m.userID]; !seen || m.accessLevel > old.accessLevel {
		rows[m.userID] = m
	}
}

func groupMemberRows(g *group, rows map[int64]memberRow, capAt int) {
	for uid, m := range g.members {
		mergeMember(rows, memberRow{userID: uid, accessLevel: min(m.accessLevel, capAt), createdAt: m.createdAt,
			createdBy: m.createdBy, expiresAt: nil})
	}
}

// allMembers are a group's members with those of its ancestors, or a
// project's with those of its groups and of the groups it is shared with
// (capped at the share's access), each user once, by user ID.
func (s *Sim) allMembers(g *group, proj *project) []memberRow {
	rows := map[int64]memberRow{}
	if proj != nil {
		for uid, level := range proj.members {
			mergeMember(rows, memberRow{userID: uid, accessLevel: level, createdAt: proj.createdAt})
		}
		for _, sh := range proj.shares {
			for _, a := range sh.group.selfAndAncestors() {
				groupMemberRows(a, rows, sh.groupAccess)
			}
		}
		g = proj.namespace
	}
	for _, a := range g.selfAndAncestors() {
		groupMemberRows(a, rows, OwnerAccess)
	}
	out := make([]memberRow, 0, len(rows))
	for _, m := range rows {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b memberRow) int { return cmp.Compare(a.userID, b.userID) })
	return out
}

// membersRequest is the start of the members lists: authenticate! (no job
// tokens), then the pagination parameters. It answers errors itself.
func (s *Sim) membersRequest(w http.ResponseWriter, r *http.Request) (principal, listParams, bool) {
	p, outcome := s.authenticate(w, r, false, readScopes...)
	if outcome != authOK {
		return principal{}, listParams{}, false
	}
	lp, ok := readPageParams(w, r)
	return p, lp, ok
}

// canReadGroupMembers is GroupPolicy's read_group_member: a user who reads
// a private group only through a subgroup or project below it may not
// list its members (members_spec.rb: "subgroup member cannot get parent
// group members list", 403 Forbidden).
func canReadGroupMembers(w http.ResponseWriter, p principal, g *group) bool {
	if g.visibility == "public" || p.user != nil && (p.user.admin || g.visibility == "internal" && !p.user.bot ||
		g.inheritedAccess(p.user.id) > 0) {
		return true
	}
	forbidden(w, "")
	return false
}

// GET /groups/:id/members and /groups/:id/members/all.
func (s *Sim) listGroupMembers(w http.ResponseWriter, r *http.Request, all bool) {
	s.lock()
	defer s.mu.Unlock()
	p, lp, ok := s.membersRequest(w, r)
	if !ok {
		return
	}
	g, ok := s.groupOfPath(w, r, p)
	if !ok || !canReadGroupMembers(w, p, g) {
		return
	}
	var rows []memberRow
	if all {
		rows = s.allMembers(g, nil)
	} else {
		type direct struct {
			uid int64
			m   *groupMember
		}
		var list []direct
		for uid, m := range g.members {
			list = append(list, direct{uid, m})
		}
		slices.SortFunc(list, func(a, b direct) int { return cmp.Compare(a.m.seq, b.m.seq) })
		for _, d := range list {
			rows = append(rows, memberRow{userID: d.uid, accessLevel: d.m.accessLevel, createdAt: d.m.createdAt, createdBy: d.m.createdBy})
		}
	}
	base := s.externalURL(r)
	writePage(s, w, r, lp, rows, func(m memberRow) obj { return s.memberEntity(m, base) })
}

// GET /projects/:id/members/all.
func (s *Sim) listProjectMembersAll(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, lp, ok := s.membersRequest(w, r)
	if !ok {
		return
	}
	proj := s.findProject(r.PathValue("id"))
	if proj == nil || !s.canSeeProject(p, proj) {
		notFound(w, "Project")
		return
	}
	base := s.externalURL(r)
	writePage(s, w, r, lp, s.allMembers(nil, proj), func(m memberRow) obj { return s.memberEntity(m, base) })
}

// humanAccess is Gitlab::Access.human_access of a member's level.
func humanAccess(level int) string {
	switch level {
	case GuestAccess:
		return "Guest"
	case PlannerAccess:
		return "Planner"
	case ReporterAccess:
		return "Reporter"
	case DeveloperAccess:
		return "Developer"
	case MaintainerAccess:
		return "Maintainer"
	case OwnerAccess:
		return roleNameOwner
	}
	return ""
}

// memberInvalid is GroupMember's validation of a new member's access
// level: one of Gitlab::Access's, and not below an inherited membership
// (Member#higher_access_level_than_group, the highest ancestor's).
func memberInvalid(g *group, userID int64, level int) string {
	if !slices.Contains(memberAccessLevels, int64(level)) {
		return msgAccessLevelNotInList
	}
	var highest *group
	for _, a := range g.selfAndAncestors()[1:] {
		if m := a.members[userID]; m != nil && (highest == nil || m.accessLevel > highest.members[userID].accessLevel) {
			highest = a
		}
	}
	if highest != nil && highest.members[userID].accessLevel > level {
		return "should be greater than or equal to " + humanAccess(highest.members[userID].accessLevel) +
			" inherited membership from group " + highest.name
	}
	return ""
}

// POST /groups/:id/members: 201 with the member.
func (s *Sim) postGroupMember(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, params, ok := s.writeRequest(w, r)
	if !ok {
		return
	}
	var errs grapeErrors
	level, okLevel := optionalInt(params, "access_level")
	switch {
	case params["access_level"] == nil:
		errs.add("access_level", "is missing")
	case !okLevel:
		errs.add("access_level", "is invalid")
	}
	uid, okUser := optionalInt(params, "user_id")
	if params["user_id"] == nil {
		errs.add("user_id", "is missing")
	}
	if len(errs.order) > 0 {
		badParam(w, errs.message())
		return
	}
	g, ok := s.groupOfPath(w, r, p)
	if !ok {
		return
	}
	// authorize_admin_source_member!: Maintainers manage members, an
	// Owner only makes an Owner (Members::CreateService).
	mine := g.inheritedAccess(p.user.id)
	if p.user.admin {
		mine = OwnerAccess
	}
	if mine < MaintainerAccess || *level == OwnerAccess && mine < OwnerAccess {
		forbidden(w, "")
		return
	}
	var u *user
	if okUser {
		u = s.users[*uid]
	}
	if u == nil {
		notFound(w, "User")
		return
	}
	if g.members[u.id] != nil {
		message(w, http.StatusConflict, msgMemberAlreadyExists)
		return
	}
	if msg := memberInvalid(g, u.id, int(*level)); msg != "" {
		writeJSON(w, http.StatusBadRequest, obj{"message": obj{"access_level": []string{msg}}})
		return
	}
	m := s.addGroupMember(g, u.id, int(*level), p.user.id)
	writeJSON(w, http.StatusCreated, s.memberEntity(memberRow{userID: u.id, accessLevel: m.accessLevel,
		createdAt: m.createdAt, createdBy: m.createdBy}, s.externalURL(r)))
}

func (s *Sim) addGroupMember(g *group, userID int64, level int, by int64) *groupMember {
	m := &groupMember{accessLevel: level, createdAt: s.opts.Now().UTC(), createdBy: by, seq: s.newID("group_member", 0)}
	g.members[userID] = m
	return m
}

// AddGroupMember makes a user a direct member of a group, or changes
// their access level, as an Owner would through POST
// /groups/:id/members; the level is a member's (10 to 50), and not below
// an inherited membership.
func (s *Sim) AddGroupMember(groupID, userID int64, level int) error {
	s.lock()
	defer s.mu.Unlock()
	g := s.groups.byID[groupID]
	if g == nil || s.users[userID] == nil {
		return fmt.Errorf("no group %d or user %d", groupID, userID)
	}
	if msg := memberInvalid(g, userID, level); msg != "" {
		return fmt.Errorf("access level %d: %s", level, msg)
	}
	if m := g.members[userID]; m != nil {
		m.accessLevel = level
		return nil
	}
	s.addGroupMember(g, userID, level, 0)
	return nil
}

// ShareProjectWithGroup shares a project with a group up to an access
// level (10 to 50), as POST /projects/:id/share does
// (Projects::GroupLinks::CreateService): the group's members, direct or
// inherited, get the lower of their access and groupAccess. As
// ProjectGroupLink validates it, a project is not shared with the group it
// is in or an ancestor ("Project cannot be shared with the group it is in
// or one of its ancestors."), nor twice ("Group already shared with this
// group").
func (s *Sim) ShareProjectWithGroup(projectID, groupID int64, groupAccess int) error {
	s.lock()
	defer s.mu.Unlock()
	proj, g := s.projects[projectID], s.groups.byID[groupID]
	if proj == nil || g == nil {
		return fmt.Errorf("no project %d or group %d", projectID, groupID)
	}
	_, err := s.shareProject(proj, g, groupAccess, nil)
	return err
}

// shareProject is ProjectGroupLink's creation with its validations (the
// messages are its full messages).
func (s *Sim) shareProject(proj *project, g *group, groupAccess int, expiresAt any) (projectShare, error) {
	switch {
	case !slices.Contains(memberAccessLevels, int64(groupAccess)):
		return projectShare{}, fmt.Errorf("group access %d is not one of %v", groupAccess, memberAccessLevels)
	case slices.Contains(proj.namespace.selfAndAncestors(), g):
		return projectShare{}, errorString("Project cannot be shared with the group it is in or one of its ancestors.")
	case proj.sharedWith(g.id):
		return projectShare{}, errorString("Group already shared with this group")
	}
	sh := projectShare{id: s.newID("project_group_link", 0), group: g, groupAccess: groupAccess, expiresAt: expiresAt}
	proj.shares = append(proj.shares, sh)
	return sh, nil
}

// POST /projects/:id/share (lib/api/projects.rb with
// Projects::GroupLinks::CreateService): group_id and group_access
// (Gitlab::Access.all_values) required, expires_at optional; the project
// (404 Project Not Found), admin_project (Maintainer, else 403); a group
// the user may not read is the service's 404 {"message":"Not Found"}; the
// link's validations are 409 {"message": "<full messages>"}; 201 with
// Entities::ProjectGroupLink.
func (s *Sim) postProjectShare(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, params, ok := s.writeRequest(w, r)
	if !ok {
		return
	}
	var errs grapeErrors
	ints := map[string]*int64{}
	for _, name := range []string{"group_id", "group_access"} {
		v, okInt := optionalInt(params, name)
		switch {
		case params[name] == nil:
			errs.add(name, "is missing")
		case !okInt:
			errs.add(name, "is invalid")
		case name == "group_access" && !slices.Contains(memberAccessLevels, *v):
			errs.add(name, "does not have a valid value")
		}
		ints[name] = v
	}
	expiresAt, okDate := params["expires_at"], true
	if v, given := params["expires_at"]; given && v != nil {
		str, isStr := v.(string)
		_, err := time.Parse(time.DateOnly, str)
		okDate = isStr && err == nil
		expiresAt = str
	}
	if !okDate {
		errs.add("expires_at", "is invalid")
	}
	if len(errs.order) > 0 {
		badParam(w, errs.message())
		return
	}
	proj, ok := s.actionProject(w, r, p)
	if !ok || !adminOf(w, p, proj) {
		return
	}
	g := s.groups.byID[*ints["group_id"]]
	if g == nil || !s.canReadGroup(p, g) {
		message(w, http.StatusNotFound, "Not Found")
		return
	}
	sh, err := s.shareProject(proj, g, int(*ints["group_access"]), expiresAt)
	if err != nil {
		message(w, http.StatusConflict, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, obj{"id": sh.id, "project_id": proj.id, "group_id": g.id,
		"group_access": sh.groupAccess, "expires_at": sh.expiresAt})
}

// sharedWith is whether the project is shared with the group
// (project.invited_groups).
func (proj *project) sharedWith(groupID int64) bool {
	return slices.ContainsFunc(proj.shares, func(sh projectShare) bool { return sh.group.id == groupID })
}

// sharesEntity is Entities::Project's shared_with_groups.
func sharesEntity(proj *project) []obj {
	out := []obj{}
	for _, sh := range proj.shares {
		out = append(out, obj{"group_id": sh.group.id, "group_name": sh.group.name, "group_full_path": sh.group.fullPath,
			"group_access_level": sh.groupAccess, "expires_at": sh.expiresAt})
	}
	return out
}

// sharedProjectEntities are Entities::GroupDetail's shared_projects: the
// projects shared with the group the user may see.
func (s *Sim) sharedProjectEntities(r *http.Request, p principal, g *group) []obj {
	out := []obj{}
	for _, proj := range s.sortedProjects() {
		if slices.ContainsFunc(proj.shares, func(sh projectShare) bool { return sh.group == g }) && s.canSeeProject(p, proj) {
			out = append(out, s.projectEntity(r, p, proj))
		}
	}
	return out
}
