package gitlabsim

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Groups: the namespaces projects live in, nested (app/models/group.rb,
// app/models/namespace.rb: parent, ancestors, full_path), with their
// members (members.go). Every project lives in a group: creating a project
// "a/b/p" creates the groups "a" and "a/b" it needs (named after their
// paths, private), or puts it into the groups CreateGroup made. GET
// /groups/:id (lib/api/groups.rb, authenticate_non_get!; find_group!'s 404
// "404 Group Not Found" for a group the user may not read) presents
// Entities::GroupDetail's fields the simulator knows, its projects as the
// user sees them. A group is at least as visible as its projects: GitLab
// refuses a project more visible than its group
// (Project#visibility_level_allowed_by_group); the simulator opens the
// group instead, so that a seed's public project stays public.

// groupState is the store's part for the groups.
type groupState struct {
	byID   map[int64]*group
	byPath map[string]*group // by lower-cased full path
}

// group is a Group (a namespace of kind "group").
type group struct {
	id         int64
	name       string
	path       string // its own segment
	fullPath   string
	parent     *group
	visibility string
	members    map[int64]*groupMember // its direct members (members.go)
	createdAt  time.Time
}

// selfAndAncestors is Namespace#self_and_ancestors, the group first.
func (g *group) selfAndAncestors() []*group {
	var out []*group
	for ; g != nil; g = g.parent {
		out = append(out, g)
	}
	return out
}

// fullName is Namespace#full_name: the names from the top, " / "-joined.
func (g *group) fullName() string {
	chain := g.selfAndAncestors()
	names := make([]string, len(chain))
	for i, a := range chain {
		names[len(chain)-1-i] = a.name
	}
	return strings.Join(names, " / ")
}

// visibilityRank orders private, internal and public.
func visibilityRank(v string) int { return slices.Index([]string{"private", "internal", "public"}, v) }

// ensureGroupPath is the group of a full path, created with the groups it
// lives in when missing; name names a group it creates (default its path).
func (s *Sim) ensureGroupPath(fullPath, name string) *group {
	if g := s.groups.byPath[strings.ToLower(fullPath)]; g != nil {
		return g
	}
	var parent *group
	if i := strings.LastIndex(fullPath, "/"); i >= 0 {
		parent = s.ensureGroupPath(fullPath[:i], "")
	}
	seg := lastSegment(fullPath)
	g := &group{id: s.newID("group", 0), name: firstNonEmpty(name, seg), path: seg, fullPath: fullPath, parent: parent,
		visibility: "private", members: map[int64]*groupMember{}, createdAt: s.opts.Now().UTC()}
	s.groups.byID[g.id] = g
	s.groups.byPath[strings.ToLower(fullPath)] = g
	return g
}

// openGroups makes a project's groups at least as visible as it.
func openGroups(g *group, visibility string) {
	for _, a := range g.selfAndAncestors() {
		if visibilityRank(a.visibility) < visibilityRank(visibility) {
			a.visibility = visibility
		}
	}
}

// groupIDs are the IDs of the groups a project lives in, outermost first
// ("a/b/p": groups "a" and "a/b").
func (s *Sim) groupIDs(proj *project) []int64 {
	chain := proj.namespace.selfAndAncestors()
	ids := make([]int64, len(chain))
	for i, g := range chain {
		ids[len(chain)-1-i] = g.id
	}
	return ids
}

func (s *Sim) groupName(id int64) string {
	if g := s.groups.byID[id]; g != nil {
		return g.name
	}
	return ""
}

// findGroup resolves a numeric ID or a (decoded) full path, case-insensitively.
func (s *Sim) findGroup(id string) *group {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		return s.groups.byID[n]
	}
	if dec, err := url.PathUnescape(id); err == nil {
		id = dec
	}
	return s.groups.byPath[strings.ToLower(id)]
}

// canReadGroup is GroupPolicy's read_group: administrators; anyone for a
// public group, any signed-in user but external ones (bots here) for an
// internal one; for a private one its members, direct or inherited from
// an ancestor, and users with access to a group or project below it
// (has_projects, access to descendants).
func (s *Sim) canReadGroup(p principal, g *group) bool {
	switch {
	case g.visibility == "public":
		return true
	case p.user == nil:
		return false
	case p.user.admin, g.visibility == "internal" && !p.user.bot:
		return true
	case g.inheritedAccess(p.user.id) > 0:
		return true
	}
	for _, d := range s.groups.byID {
		if d != g && slices.Contains(d.selfAndAncestors(), g) && d.members[p.user.id] != nil {
			return true
		}
	}
	for _, proj := range s.projects {
		if slices.Contains(proj.namespace.selfAndAncestors(), g) && proj.isMember(p.user.id) {
			return true
		}
	}
	return false
}

// groupOfPath is find_group!: the group of the path's {id} the principal
// may read, else 404 Group Not Found.
func (s *Sim) groupOfPath(w http.ResponseWriter, r *http.Request, p principal) (*group, bool) {
	g := s.findGroup(r.PathValue("id"))
	if g == nil || !s.canReadGroup(p, g) {
		notFound(w, "Group")
		return nil, false
	}
	return g, true
}

// Route pattern of GET /groups/:id.
const RouteGroup = "GET /api/v4/groups/{id}"

func (s *Sim) groupRoutes() {
	s.handle(RouteGroup, s.getGroup)
}

// GET /groups/:id: Entities::GroupDetail, anonymously for public groups.
func (s *Sim) getGroup(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, outcome := s.authenticateNonGet(w, r, false)
	if outcome != authOK {
		return
	}
	g, ok := s.groupOfPath(w, r, p)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.groupEntity(r, p, g))
}

// groupEntity is Entities::GroupDetail (Entities::Group with
// shared_with_groups, projects and shared_projects), for the fields the
// simulator knows; the settings are GitLab's defaults.
func (s *Sim) groupEntity(r *http.Request, p principal, g *group) obj {
	base := s.externalURL(r)
	var parent any
	if g.parent != nil {
		parent = g.parent.id
	}
	projects := []obj{}
	for _, proj := range s.sortedProjects() {
		if proj.namespace == g && s.canSeeProject(p, proj) {
			projects = append(projects, s.projectEntity(r, p, proj))
		}
	}
	return obj{
		"id": g.id, "web_url": base + "/groups/" + g.fullPath, "name": g.name, "path": g.path, "description": "",
		"visibility": g.visibility, "share_with_group_lock": false, "require_two_factor_authentication": false,
		"two_factor_grace_period": 48, "project_creation_level": "developer", "auto_devops_enabled": nil,
		"subgroup_creation_level": "maintainer", "emails_disabled": false, "emails_enabled": true,
		"mentions_disabled": nil, "lfs_enabled": true, "default_branch_protection": 2, "avatar_url": nil,
		"request_access_enabled": true, "full_name": g.fullName(), "full_path": g.fullPath,
		"created_at": apiTime(g.createdAt), "parent_id": parent, "shared_runners_setting": "enabled",
		"ldap_cn": nil, "ldap_access": nil, "wiki_access_level": "enabled",
		"shared_with_groups": []obj{}, "projects": projects, "shared_projects": s.sharedProjectEntities(r, p, g),
	}
}

func (s *Sim) sortedProjects() []*project {
	out := make([]*project, 0, len(s.projects))
	for _, proj := range s.projects {
		out = append(out, proj)
	}
	slices.SortFunc(out, func(a, b *project) int { return int(a.id - b.id) })
	return out
}

// Group is a snapshot of a simulated group.
type Group struct {
	ID       int64
	FullPath string
	Name     string
	ParentID int64 // 0 for a top-level group
}

// GroupSpec describes a group to create: its full path ("a/b" is a
// subgroup of "a", created when missing), its name (default its path's
// last segment) and visibility (private by default).
type GroupSpec struct {
	Path, Name, Visibility string
}

// CreateGroup adds a group, or names and opens an existing one; projects
// created under its path live in it.
func (s *Sim) CreateGroup(spec GroupSpec) (Group, error) {
	s.lock()
	defer s.mu.Unlock()
	return s.createGroup(spec)
}

func (s *Sim) createGroup(spec GroupSpec) (Group, error) {
	parts := strings.Split(spec.Path, "/")
	if spec.Path == "" || slicesContainsEmpty(parts) {
		return Group{}, fmt.Errorf("group path %q is empty or has an empty segment", spec.Path)
	}
	if spec.Visibility != "" && visibilityRank(spec.Visibility) < 0 {
		return Group{}, fmt.Errorf("group %q: visibility %q is not private, internal or public", spec.Path, spec.Visibility)
	}
	g := s.ensureGroupPath(spec.Path, spec.Name)
	if spec.Name != "" {
		g.name = spec.Name
	}
	if spec.Visibility != "" {
		openGroups(g, spec.Visibility)
	}
	return groupSnapshot(g), nil
}

func groupSnapshot(g *group) Group {
	out := Group{ID: g.id, FullPath: g.fullPath, Name: g.name}
	if g.parent != nil {
		out.ParentID = g.parent.id
	}
	return out
}

// GroupByPath is the group of a full path.
func (s *Sim) GroupByPath(fullPath string) (Group, bool) {
	s.lock()
	defer s.mu.Unlock()
	g := s.groups.byPath[strings.ToLower(fullPath)]
	if g == nil {
		return Group{}, false
	}
	return groupSnapshot(g), true
}
