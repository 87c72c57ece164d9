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

// Environments and protected environments. Sources (gitlabhq/gitlabhq and,
// for EE, diffblue/gitlab):
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
// Deployments, required_approval_count and approval_rules are
// (deployments.go, deployment_approvals.go, protected_environment_update.go).

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

// protectedEnvironment is a project-level ProtectedEnvironment.
type protectedEnvironment struct {
	name                  string
	deploy                []refAccess
	requiredApprovalCount int64
	approvalRules         []*approvalRule // deployment_approvals.go
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
	s.handle(RouteProtectedEnvironments, s.listProtectedEnvironments)
	s.handle(RouteProtectEnvironment, s.postProtectedEnvironment)
	s.handle(RouteProtectedEnvironment, s.getProtectedEnvironment)
	s.handle(RouteUnprotectEnvironment, s.deleteProtectedEnvironment)
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

// deployAccessAllows is ProtectedEnvironments::Authorizable#check_access.
func deployAccessAllows(a refAccess, u *user, proj *project) bool {
	switch {
	case u == nil:
		return false
	case u.admin:
		return true
	case a.userID != 0:
		return u.id == a.userID
	case a.groupID != 0:
		return false // group memberships are not simulated
	}
	return proj.members[u.id] >= a.accessLevel
}

// accessibleTo is ProtectedEnvironment#accessible_to?.
func (pe *protectedEnvironment) accessibleTo(u *user, proj *project) bool {
	return slices.ContainsFunc(pe.deploy, func(a refAccess) bool { return deployAccessAllows(a, u, proj) })
}

// environmentGuard is Environment#protected_from?: the first protection
// of the job's environment the user may not deploy through, or nil.
func (s *Sim) environmentGuard(p principal, proj *project, j *job) *protectedEnvironment {
	for _, pe := range s.protectionsOf(j) {
		if !pe.accessibleTo(p.user, proj) {
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
		if !pe.accessibleTo(p.user, proj) {
			return false
		}
	}
	return true
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
	for _, l := range levels {
		l["group_inheritance_type"] = 0
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
	_, proj, ok := s.adminProject(w, r)
	if !ok {
		return
	}
	pe := s.findProtectedEnvironment(proj.id, r.PathValue("name"))
	if pe == nil { // find_by_name!
		notFound(w, "")
		return
	}
	writeJSON(w, http.StatusOK, s.protectedEnvironmentEntity(pe))
}

// DELETE /projects/:id/protected_environments/:name: 204.
func (s *Sim) deleteProtectedEnvironment(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	_, proj, ok := s.adminProject(w, r)
	if !ok {
		return
	}
	pe := s.findProtectedEnvironment(proj.id, r.PathValue("name"))
	if pe == nil {
		notFound(w, "")
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
	if raw, given := params["deploy_access_levels"]; given {
		deploy = accessEntriesParam(raw, "deploy_access_levels", deployLevels, &errs)
	} else {
		errs.add("deploy_access_levels", "is missing")
	}
	rules := s.postApprovalRules(params, &errs) // protected_environment_update.go
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
// Protected environments API does: the roles (20, 30, 40, 60) and user
// IDs that may deploy to it.
type ProtectedEnvironmentSpec struct {
	Name         string
	AccessLevels []int
	UserIDs      []int64
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
	s.addProtectedEnvironment(projectID, pe)
}
