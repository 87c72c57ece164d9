package gitlabsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// The guards production GitLab puts on release jobs, configured through
// GitLab's own APIs: protected branches and tags (protected_refs.go),
// environments and protected environments (environments.go) and resource
// groups (resource_groups.go). This file holds their share of the store
// and what they have in common: authorize_admin_project, the pagination of
// their lists, and Ci::BuildPolicy's write abilities over a job
// (canWriteJob), which the action endpoints ask.

// guardState is the store's part for the guards, by project.
type guardState struct {
	branches       map[int64][]*protectedRef // protected branches, in creation order
	tags           map[int64][]*protectedRef // protected tags
	environments   map[int64][]*environment
	protectedEnvs  map[int64][]*protectedEnvironment
	resourceGroups map[int64][]*resourceGroup
	deploys        deploymentState // deployments and their approvals (deployments.go)
}

func (s *Sim) guardRoutes() {
	s.protectedRefRoutes()  // protected_refs.go
	s.environmentRoutes()   // environments.go
	s.resourceGroupRoutes() // resource_groups.go
	s.deploymentRoutes()    // deployments_api.go
}

// projectRequest authenticates a request of the guards' routes (no job
// tokens; GET takes read_api tokens too) and finds its project (404
// Project Not Found).
func (s *Sim) projectRequest(w http.ResponseWriter, r *http.Request) (principal, *project, bool) {
	allowed := writeScopes
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		allowed = readScopes
	}
	p, outcome := s.authenticateScopes(w, r, false, allowed, readScopes)
	if outcome != authOK {
		return principal{}, nil, false
	}
	proj, ok := s.actionProject(w, r, p)
	if !ok {
		return principal{}, nil, false
	}
	return p, proj, true
}

// adminProject is the before filter authorize_admin_project of the
// protected branches, tags and environments APIs: projectRequest, then
// admin_project (maintainers; 403 Forbidden).
func (s *Sim) adminProject(w http.ResponseWriter, r *http.Request) (principal, *project, bool) {
	p, proj, ok := s.projectRequest(w, r)
	if !ok {
		return principal{}, nil, false
	}
	if accessLevel(p, proj) < MaintainerAccess {
		forbidden(w, "")
		return principal{}, nil, false
	}
	return p, proj, true
}

// adminWrite is a write route's start under authorize_admin_project: the
// body's parameters (Grape's formatter runs first), then adminProject.
func (s *Sim) adminWrite(w http.ResponseWriter, r *http.Request) (map[string]any, *project, bool) {
	params, ok := readParams(w, r)
	if !ok {
		return nil, nil, false
	}
	_, proj, ok := s.adminProject(w, r)
	return params, proj, ok
}

// accessEntriesParam reads an Array of access levels ({access_level,
// user_id, group_id}, each optional; a user or group makes the entry
// theirs): allowed_to_<action> of protected refs, deploy_access_levels of
// protected environments. levels are the access levels the route takes.
func accessEntriesParam(raw any, key string, levels []int64, errs *grapeErrors) []refAccess {
	items, isList := raw.([]any)
	if !isList {
		errs.add(key, "is invalid")
		return nil
	}
	var out []refAccess
	for _, item := range items {
		m, isHash := item.(map[string]any)
		if !isHash {
			errs.add(key, "is invalid")
			continue
		}
		var a refAccess
		if v, ok := optionalInt(m, "access_level"); !ok {
			errs.add(key+"[access_level]", "is invalid")
		} else if v != nil && !slices.Contains(levels, *v) {
			errs.add(key+"[access_level]", "does not have a valid value")
		} else if v != nil {
			a.accessLevel = int(*v)
		}
		for _, f := range []struct {
			name string
			to   *int64
		}{{"user_id", &a.userID}, {"group_id", &a.groupID}} {
			if v, ok := optionalInt(m, f.name); !ok {
				errs.add(key+"["+f.name+"]", "is invalid")
			} else if v != nil {
				*f.to = *v
			}
		}
		if a.userID != 0 || a.groupID != 0 {
			a.accessLevel = 0
		}
		out = append(out, a)
	}
	return out
}

// readPageParams reads `use :pagination` (page, per_page) of a list route
// without other parameters; on failure it has answered Grape's 400.
func readPageParams(w http.ResponseWriter, r *http.Request) (listParams, bool) {
	params := map[string]any{}
	_ = rackParse(params, r.URL.RawQuery) // malformedRequest has refused what Rack cannot parse
	var errs grapeErrors
	lp := listParams{page: 1, perPage: defaultPerPage}
	readPagination(params, &lp, &errs)
	if len(errs.order) > 0 {
		badParam(w, errs.message())
		return listParams{}, false
	}
	return lp, true
}

// writePage answers 200 with the page of items that r asks for, with
// offset pagination headers (paginate(...)).
func writePage[T any](s *Sim, w http.ResponseWriter, r *http.Request, lp listParams, items []T, present func(T) obj) {
	from, to := s.paginateOffset(w, r, lp, len(items), true)
	out := make([]obj, 0, to-from)
	for _, it := range items[from:to] {
		out = append(out, present(it))
	}
	writeJSON(w, http.StatusOK, out)
}

// optionalInt reads an optional Grape Integer from a request body's params
// (a JSON number or a string, as Grape's Integer coerces it); ok is false when it is not an integer.
func optionalInt(params map[string]any, name string) (*int64, bool) {
	raw, present := params[name]
	if !present || raw == nil {
		return nil, true
	}
	switch v := raw.(type) {
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			return nil, false
		}
		return &n, true
	case string:
		if v == "" {
			return nil, true
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, false
		}
		return &n, true
	}
	return nil, false
}

// canWriteJob is Ci::BuildPolicy's job write abilities (play_job,
// retry_job, cancel_build, erase_build) for a user who already holds them
// through the project (canUpdateBuilds): app/policies/ci/build_policy.rb
// prevents them on a protected ref the user may not update
// (`~reporter_has_access_to_protected_environment & protected_ref`), and
// ee/app/policies/ee/ci/deployable_policy.rb on a protected environment
// the user may not deploy to (`~can?(:jailbreak) & protected_environment`).
// A reporter allowed to deploy to every protected environment of the job
// is let through both (the jailbreak; reporterDeployer).
func (s *Sim) canWriteJob(p principal, proj *project, j *job) bool {
	if s.reporterDeployer(p, proj, j) {
		return !proj.archived
	}
	if !canUpdateBuilds(p, proj) {
		return false
	}
	return s.jobGuard(p, proj, j) == nil
}

// guardRefusal says which guard refuses a job's write abilities to a user.
type guardRefusal struct {
	ref         *protectedRef         // a protected branch or tag the user may not update
	environment *protectedEnvironment // a protected environment the user may not deploy to
}

// jobGuard is the guard that keeps a user from acting on a job, if any.
func (s *Sim) jobGuard(p principal, proj *project, j *job) *guardRefusal {
	if s.reporterDeployer(p, proj, j) {
		return nil
	}
	pl := s.pipelines[j.pipelineID]
	if pl != nil {
		if ref := s.refGuard(p.user, proj, pl.ref, pl.tag); ref != nil {
			return &guardRefusal{ref: ref}
		}
	}
	if pe := s.environmentGuard(p, proj, j); pe != nil {
		return &guardRefusal{environment: pe}
	}
	return nil
}

// validateGuardKeywords validates a CI job's environment: and resource_group:.
func validateGuardKeywords(j CIJob) error {
	if err := validateEnvironment(j.Environment); err != nil {
		return err
	}
	if j.ResourceGroup != "" && (len(j.ResourceGroup) > 255 || !resourceGroupKey.MatchString(j.ResourceGroup)) {
		return fmt.Errorf("resource_group %q: can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', and spaces", j.ResourceGroup)
	}
	return nil
}

// ensureGuardRecords persists, as a pipeline is created, the environments
// (Chain::EnsureEnvironments) and resource groups
// (Seed::Processable::ResourceGroup) its jobs name.
func (s *Sim) ensureGuardRecords(projectID int64, jobs []ciJob, at time.Time) {
	for _, cj := range jobs {
		if cj.Environment != nil {
			s.ensureEnvironment(projectID, cj.Environment, at)
		}
		if cj.ResourceGroup != "" {
			s.ensureResourceGroup(projectID, cj.ResourceGroup, at)
		}
	}
}
