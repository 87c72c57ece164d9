package gitlabsim

import (
	"slices"
	"strings"
	"time"
)

// GitLab agents for Kubernetes and the groups of project namespaces, as
// GET /job/allowed_agents reports them.

type agent struct {
	id              int64
	name            string
	configProjectID int64
	authorized      []int64 // projects whose CI jobs may use the agent
	createdAt       time.Time
}

// CreateAgent registers an agent configured in configProjectID and
// authorized for the CI jobs of the given projects; it returns the agent's ID.
func (s *Sim) CreateAgent(configProjectID int64, name string, authorizedProjectIDs ...int64) int64 {
	s.lock()
	defer s.mu.Unlock()
	a := &agent{id: s.newID("agent", 0), name: name, configProjectID: configProjectID,
		authorized: append([]int64{}, authorizedProjectIDs...), createdAt: s.opts.Now().UTC()}
	s.agents = append(s.agents, a)
	return a.id
}

func (s *Sim) sortedAgents() []*agent {
	out := slices.Clone(s.agents)
	slices.SortFunc(out, func(a, b *agent) int { return int(a.id - b.id) })
	return out
}

// groupIDs are the IDs of the groups a project path lives in, outermost
// first ("a/b/p" → groups "a" and "a/b"), created on first use.
func (s *Sim) groupIDs(projectPath string) []int64 {
	parts := strings.Split(projectPath, "/")
	var ids []int64
	for i := 1; i < len(parts); i++ {
		g := strings.ToLower(strings.Join(parts[:i], "/"))
		id, ok := s.groups[g]
		if !ok {
			id = s.newID("group", 0)
			s.groups[g] = id
		}
		ids = append(ids, id)
	}
	return ids
}
