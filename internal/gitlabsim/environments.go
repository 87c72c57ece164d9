package gitlabsim

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Environments. Sources (gitlabhq/gitlabhq):
//
//   - The CI keyword environment: (name, action, deployment_tier, url) of
//     lib/gitlab/ci/config/entry/environment.rb; a pipeline's jobs with an
//     environment get it persisted when the pipeline is created
//     (Gitlab::Ci::Pipeline::Chain::EnsureEnvironments,
//     Environments::CreateForJobService), with the tier guessed from the name
//     when not given (Environment#guess_tier) and Gitlab::Slug::Environment's
//     slug.
//   - lib/api/environments.rb: GET /projects/:id/environments (name, search
//     of at least 3 characters, states) and /:environment_id
//     (read_environment: Reporters; CI job tokens accepted), presented as
//     Entities::Environment.
//
// Protected environments, their approval settings and the guard they put
// on jobs are protected_environments.go; deployments deployments.go.

// CIEnvironment is a job's environment: keyword; in the seed's JSON either
// a name ("production") or an object.
type CIEnvironment struct {
	Name           string `json:"name"`
	Action         string `json:"action"`          // start (default), prepare, stop, verify, access
	DeploymentTier string `json:"deployment_tier"` // production, staging, testing, development, other
	URL            string `json:"url"`
}

// UnmarshalJSON takes environment: as GitLab's YAML does: a string is the name.
func (e *CIEnvironment) UnmarshalJSON(b []byte) error {
	var name string
	if json.Unmarshal(b, &name) == nil {
		*e = CIEnvironment{Name: name}
		return nil
	}
	type plain CIEnvironment
	var p plain
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*e = CIEnvironment(p)
	return nil
}

// environmentTiers are Environment.tiers.
var environmentTiers = []string{"production", "staging", "testing", "development", "other"}

// validateEnvironment is Entry::Environment's validation of a job's environment.
func validateEnvironment(e *CIEnvironment) error {
	if e == nil {
		return nil
	}
	if e.Name == "" {
		return fmt.Errorf("environment name can't be blank")
	}
	switch e.Action {
	case "", "start", "prepare", "stop", "verify", "access":
	default:
		return fmt.Errorf("environment action should be start, stop, prepare, verify, or access")
	}
	if e.DeploymentTier != "" && !slices.Contains(environmentTiers, e.DeploymentTier) {
		return fmt.Errorf("environment deployment tier must be one of %s", strings.Join(environmentTiers, ", "))
	}
	return nil
}

// environment is an Environment record of a project.
type environment struct {
	id          int64
	projectID   int64
	name, slug  string
	tier        string
	externalURL string
	state       string
	createdAt   time.Time
	updatedAt   time.Time
}

// Route patterns of the environments and protected environments APIs.
const (
	RouteEnvironments          = "GET /api/v4/projects/{id}/environments"
	RouteEnvironment           = "GET /api/v4/projects/{id}/environments/{environment_id}"
	RouteProtectedEnvironments = "GET /api/v4/projects/{id}/protected_environments"
	RouteProtectEnvironment    = "POST /api/v4/projects/{id}/protected_environments"
	RouteProtectedEnvironment  = "GET /api/v4/projects/{id}/protected_environments/{name}"
	RouteUnprotectEnvironment  = "DELETE /api/v4/projects/{id}/protected_environments/{name}"
)

func (s *Sim) environmentRoutes() {
	s.handle(RouteEnvironments, s.listEnvironments)
	s.handle(RouteEnvironment, s.getEnvironment)
}

// guessTier is Environment#guess_tier.
func guessTier(name string) string {
	for _, t := range []struct{ re, tier string }{
		{`(?i)(dev|review|trunk)`, "development"},
		{`(?i)(test|tst|int|ac(ce|)pt|qa|qc|control|quality)`, "testing"},
		{`(?i)(st(a|)g|mod(e|)l|pre|demo|non)`, "staging"},
		{`(?i)(pr(o|)d|live)`, "production"},
	} {
		if regexp.MustCompile(t.re).MatchString(name) {
			return t.tier
		}
	}
	return "other"
}

// environmentSlug is Gitlab::Slug::Environment#generate: lowercase
// alphanumerics and hyphens, starting with a letter, at most 24
// characters, with a 6-character suffix from the name's SHA-256 when the
// slug is not the name.
func environmentSlug(name string) string {
	slug := regexp.MustCompile(`[^a-z0-9]`).ReplaceAllString(strings.ToLower(name), "-")
	slug = regexp.MustCompile(`-+`).ReplaceAllString(slug, "-")
	if slug == "" || slug[0] < 'a' || slug[0] > 'z' {
		slug = "env-" + slug
	}
	if len(slug) > 24 {
		slug = slug[:24]
	}
	if slug != name {
		slug = strings.TrimRight(slug[:min(len(slug), 17)], "-") + "-" + slugSuffix(name)
	}
	return slug
}

func slugSuffix(name string) string {
	sum := sha256.Sum256([]byte(name))
	s := new(big.Int).SetBytes(sum[:]).Text(36)
	return s[len(s)-6:]
}

// ensureEnvironment is Environments::CreateForJobService: the project's
// environment of that name, created when missing.
func (s *Sim) ensureEnvironment(projectID int64, e *CIEnvironment, at time.Time) *environment {
	for _, env := range s.guards.environments[projectID] {
		if env.name == e.Name {
			return env
		}
	}
	env := &environment{id: s.newID("environment", 0), projectID: projectID, name: e.Name, slug: environmentSlug(e.Name),
		tier: firstNonEmpty(e.DeploymentTier, guessTier(e.Name)), externalURL: e.URL, state: "available",
		createdAt: at.UTC(), updatedAt: at.UTC()}
	if s.guards.environments == nil {
		s.guards.environments = map[int64][]*environment{}
	}
	s.guards.environments[projectID] = append(s.guards.environments[projectID], env)
	return env
}

// jobEnvironment is the environment: of a job of a pipeline created from
// a CI configuration (its retries included), or nil.
func (s *Sim) jobEnvironment(j *job) *CIEnvironment {
	if run := s.ci.runs[j.pipelineID]; run != nil {
		return run.byName[j.name].Environment
	}
	return nil
}

// environmentEntity is Entities::Environment.
func (s *Sim) environmentEntity(r *http.Request, env *environment, withProject bool) obj {
	e := obj{
		"id": env.id, "name": env.name, "slug": env.slug, "external_url": nilIfEmpty(env.externalURL),
		"created_at": apiTime(env.createdAt), "updated_at": apiTime(env.updatedAt), "tier": env.tier,
		"state": env.state, "auto_stop_at": nil, "auto_stop_setting": "always", "description": nil,
		"kubernetes_namespace": nil, "flux_resource_path": nil,
	}
	if withProject {
		proj := s.projects[env.projectID]
		e["project"] = obj{
			"id": proj.id, "description": nil, "name": proj.name, "name_with_namespace": nameWithNamespace(proj.path),
			"path": lastSegment(proj.path), "path_with_namespace": proj.path,
			"web_url": s.externalURL(r) + "/" + proj.path,
		}
	} else {
		e["last_deployment"] = s.lastDeploymentEntity(r, env) // deployments_api.go
	}
	return e
}

func nilIfEmpty(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// GET /projects/:id/environments.
func (s *Sim) listEnvironments(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, outcome := s.authenticate(w, r, true, readScopes...)
	if outcome != authOK {
		return
	}
	lp, ok := readPageParams(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	if q.Has("name") && q.Has("search") {
		badParam(w, "name, search cannot be used together")
		return
	}
	if st := q.Get("states"); q.Has("states") && st != "available" && st != "stopping" && st != "stopped" {
		badParam(w, "states does not have a valid value")
		return
	}
	proj, ok := s.projectFor(w, r, p)
	if !ok {
		return
	}
	if search := q.Get("search"); search != "" && len(search) < 3 {
		badRequest(w, "Search query is less than 3 characters")
		return
	}
	var list []*environment
	for _, env := range s.guards.environments[proj.id] {
		if q.Has("name") && env.name != q.Get("name") || q.Get("search") != "" && !strings.Contains(env.name, q.Get("search")) ||
			q.Has("states") && env.state != q.Get("states") {
			continue
		}
		list = append(list, env)
	}
	writePage(s, w, r, lp, list, func(env *environment) obj { return s.environmentEntity(r, env, true) })
}

// GET /projects/:id/environments/:environment_id.
func (s *Sim) getEnvironment(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, outcome := s.authenticate(w, r, true, readScopes...)
	if outcome != authOK {
		return
	}
	id, isInt := rubyInteger(r.PathValue("environment_id"))
	if !isInt {
		badParam(w, "environment_id is invalid")
		return
	}
	proj, ok := s.projectFor(w, r, p)
	if !ok {
		return
	}
	for _, env := range s.guards.environments[proj.id] {
		if env.id == id {
			writeJSON(w, http.StatusOK, s.environmentEntity(r, env, false))
			return
		}
	}
	notFound(w, "") // environments.find
}

// deployLevels are ProtectedEnvironments::Authorizable::ALLOWED_ACCESS_LEVELS.
var deployLevels = []int64{MaintainerAccess, DeveloperAccess, ReporterAccess, AdminAccess}
