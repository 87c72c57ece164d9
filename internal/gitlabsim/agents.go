package gitlabsim

import (
	"maps"
	"net/http"
	"slices"
	"time"
)

// GitLab agents for Kubernetes and the groups of project namespaces, as
// GET /job/allowed_agents reports them.

type agent struct {
	id              int64
	name            string
	configProjectID int64
	authorized      []int64 // projects whose CI jobs may use the agent
	config          map[string]any
	createdAt       time.Time
}

// CreateAgent registers an agent configured in configProjectID and
// authorized for the CI jobs of the given projects (a project authorization
// of its ci_access configuration, which is empty); it returns the agent's
// ID. The CI jobs of the configuration project itself may use it too, as
// GitLab's ImplicitAuthorization allows.
func (s *Sim) CreateAgent(configProjectID int64, name string, authorizedProjectIDs ...int64) int64 {
	return s.CreateAgentWithConfig(configProjectID, name, nil, authorizedProjectIDs...)
}

// CreateAgentWithConfig is CreateAgent with the ci_access configuration
// the authorizations carry (GET /job/allowed_agents shows it as
// configuration), e.g. {"default_namespace": "production"}.
func (s *Sim) CreateAgentWithConfig(configProjectID int64, name string, config map[string]any, authorizedProjectIDs ...int64) int64 {
	s.lock()
	defer s.mu.Unlock()
	a := &agent{id: s.newID("agent", 0), name: name, configProjectID: configProjectID,
		authorized: append([]int64{}, authorizedProjectIDs...), config: maps.Clone(config), createdAt: s.opts.Now().UTC()}
	s.agents = append(s.agents, a)
	return a.id
}

// rolesInProject is GET /job/allowed_agents' user.roles_in_project: the
// names of Gitlab::Access.sym_options_with_owner up to the user's access
// level in the project (max_member_access; none for a non-member).
func rolesInProject(level int) []string {
	roles := []string{}
	for _, r := range []struct {
		name  string
		level int
	}{{"guest", GuestAccess}, {"planner", PlannerAccess}, {"reporter", ReporterAccess}, {"developer", DeveloperAccess},
		{"maintainer", MaintainerAccess}, {"owner", OwnerAccess}} {
		if r.level <= level {
			roles = append(roles, r.name)
		}
	}
	return roles
}

func (s *Sim) sortedAgents() []*agent {
	out := slices.Clone(s.agents)
	slices.SortFunc(out, func(a, b *agent) int { return int(a.id - b.id) })
	return out
}

// GET /job/allowed_agents: the job token's job with the GitLab agents
// authorized for its project, as lib/api/ci/jobs.rb builds the answer: the
// agents (Entities::Clusters::Agents::Authorizations::CiAccess: id,
// config_project as Entities::ProjectIdentity, configuration), the job,
// pipeline, project with its groups, and the user with its roles in the
// project; environment is left out (.compact) as the simulated jobs have
// no environment.
func (s *Sim) getAllowedAgents(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	j, ok := s.tokenJob(w, r)
	if !ok {
		return
	}
	proj := s.projects[j.projectID]
	agents := []obj{}
	for _, a := range s.sortedAgents() {
		if a.configProjectID != proj.id && !slices.Contains(a.authorized, proj.id) {
			continue
		}
		cp := s.projects[a.configProjectID]
		config := obj{}
		if a.configProjectID != proj.id || slices.Contains(a.authorized, proj.id) {
			maps.Copy(config, a.config) // an ImplicitAuthorization's config is {}
		}
		agents = append(agents, obj{"id": a.id, "config_project": obj{
			"id": cp.id, "description": nil, "name": cp.name, "name_with_namespace": nameWithNamespace(cp.path),
			"path": lastSegment(cp.path), "path_with_namespace": cp.path, "created_at": apiTime(a.createdAt),
		}, "configuration": config})
	}
	groups := []obj{}
	for _, g := range s.groupIDs(proj) {
		groups = append(groups, obj{"id": g})
	}
	u := s.users[j.userID]
	writeJSON(w, http.StatusOK, obj{
		"allowed_agents": agents,
		"job":            obj{"id": j.id},
		"pipeline":       obj{"id": j.pipelineID},
		"project":        obj{"id": proj.id, "groups": groups},
		"user":           obj{"id": u.id, "username": u.username, "roles_in_project": rolesInProject(proj.access(u.id))},
	})
}
