package gitlabsim

import (
	"net/http"
)

// The start every handler makes, in GitLab's order: authenticate, read
// the parameters, find the project (404 Project Not Found, or what a CI job
// token outside its scope gets) and check the route's role (403). The job
// actions use actionRequest and writeRequest, the guards' routes
// projectRequest, adminProject and adminWrite (authorize_admin_project).

// projectFor resolves the {id} of a request to a project the principal may
// read jobs of (policy read_build), answering 404/403 as GitLab does.
func (s *Sim) projectFor(w http.ResponseWriter, r *http.Request, p principal) (*project, bool) {
	proj := s.findProject(r.PathValue("id"))
	if proj == nil {
		notFound(w, "Project")
		return nil, false
	}
	if !s.canSeeProject(p, proj) {
		s.projectRefused(w, p, proj)
		return nil, false
	}
	if !s.canReadJobs(p, proj) {
		forbidden(w, "")
		return nil, false
	}
	return proj, true
}

// projectRefused is find_project!'s answer to a project the principal may
// not read: 404 Project Not Found, or for a CI job token
// handle_job_token_failure!'s 403 naming both projects by their path
// (lib/api/helpers.rb).
func (s *Sim) projectRefused(w http.ResponseWriter, p principal, proj *project) {
	if p.job != nil {
		if source := s.projects[p.job.projectID]; source != nil {
			forbidden(w, "Authentication by CI/CD job token not allowed from "+lastSegment(source.path)+" to "+lastSegment(proj.path)+".")
			return
		}
	}
	notFound(w, "Project")
}

// actionRequest reads the body (Grape's formatter runs first), authenticates
// and reads job_id. It answers errors itself.
func (s *Sim) actionRequest(w http.ResponseWriter, r *http.Request) (principal, map[string]any, int64, bool) {
	p, params, ok := s.writeRequest(w, r)
	if !ok {
		return principal{}, nil, 0, false
	}
	id, ok := jobID(w, r)
	if !ok {
		return principal{}, nil, 0, false
	}
	return p, params, id, true
}

// actionJob is the start of an action on a job that takes no parameters of
// its own (retry, erase): actionRequest, user_project (actionProject: 404),
// then the job of the project (jobOfProject: find_build! with buildsOnly,
// else find_job!). It answers errors itself.
func (s *Sim) actionJob(w http.ResponseWriter, r *http.Request, buildsOnly bool) (principal, *project, *job, bool) {
	p, _, id, ok := s.actionRequest(w, r)
	if !ok {
		return principal{}, nil, nil, false
	}
	proj, ok := s.actionProject(w, r, p)
	if !ok {
		return principal{}, nil, nil, false
	}
	j, ok := s.jobOfProject(w, proj, id, buildsOnly)
	if !ok {
		return principal{}, nil, nil, false
	}
	return p, proj, j, true
}

// writeRequest is the start of a route that changes something: the body
// read (Grape's formatter runs first), then authentication with the api
// scope. It answers errors itself.
func (s *Sim) writeRequest(w http.ResponseWriter, r *http.Request) (principal, map[string]any, bool) {
	params, ok := readParams(w, r)
	if !ok {
		return principal{}, nil, false
	}
	p, outcome := s.authenticateScopes(w, withParams(r, params), false, writeScopes, readScopes)
	if outcome != authOK {
		return principal{}, nil, false
	}
	return p, params, true
}

// actionProject is user_project: the project, or 404 when it cannot be seen.
func (s *Sim) actionProject(w http.ResponseWriter, r *http.Request, p principal) (*project, bool) {
	proj := s.findProject(r.PathValue("id"))
	if proj == nil || !s.canSeeProject(p, proj) {
		notFound(w, "Project")
		return nil, false
	}
	return proj, true
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
// admin_project (adminOf).
func (s *Sim) adminProject(w http.ResponseWriter, r *http.Request) (principal, *project, bool) {
	p, proj, ok := s.projectRequest(w, r)
	if !ok || !adminOf(w, p, proj) {
		return principal{}, nil, false
	}
	return p, proj, true
}

// adminOf is admin_project: maintainers (403 Forbidden otherwise).
func adminOf(w http.ResponseWriter, p principal, proj *project) bool {
	if accessLevel(p, proj) < MaintainerAccess {
		forbidden(w, "")
		return false
	}
	return true
}

// adminWrite is a write route's start under authorize_admin_project: the
// body and authentication (writeRequest), the project, admin_project.
func (s *Sim) adminWrite(w http.ResponseWriter, r *http.Request) (map[string]any, *project, bool) {
	p, params, ok := s.writeRequest(w, r)
	if !ok {
		return nil, nil, false
	}
	proj, ok := s.actionProject(w, r, p)
	if !ok || !adminOf(w, p, proj) {
		return nil, nil, false
	}
	return params, proj, true
}
