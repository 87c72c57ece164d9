package gitlabsim

import (
	"net/http"
	"strconv"
)

// One job through the Jobs API (GitLab's lib/api/ci/jobs.rb): GET
// /projects/:id/jobs/:job_id, its /trace, and GET /job (the CI job token's
// own job), with the lookups the other job routes share (jobID,
// jobOfProject, tokenJob). Lists are jobs_list.go, actions job_actions.go.

// jobID parses the {job_id} path parameter as Grape's Integer type does.
func jobID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("job_id"), 10, 64)
	if err != nil {
		badParam(w, "job_id is invalid")
		return 0, false
	}
	return id, true
}

// projectJob authenticates, validates job_id, resolves the project and
// finds one of its builds, answering errors as GitLab does: GET
// /projects/:id/jobs/:job_id and its /trace use find_build!
// (user_project.builds.find, lib/api/helpers.rb), so a bridge is 404 "404
// Not found" there. These routes do not allow CI job tokens (no
// job_token_allowed route setting in current GitLab): a JOB-TOKEN header or
// job_token= is not read, so such a request has no credentials and gets 401.
func (s *Sim) projectJob(w http.ResponseWriter, r *http.Request) (*job, bool) {
	p, outcome := s.authenticate(w, r, false, readScopes...)
	if outcome != authOK {
		return nil, false
	}
	return s.projectJobFor(w, r, p, true)
}

// projectJobFor validates job_id, resolves the project for principal p (its
// read_build check) and finds the job in it (user_project.builds.find with
// buildsOnly, all_jobs otherwise), answering errors as GitLab does.
func (s *Sim) projectJobFor(w http.ResponseWriter, r *http.Request, p principal, buildsOnly bool) (*job, bool) {
	id, ok := jobID(w, r)
	if !ok {
		return nil, false
	}
	proj, ok := s.projectFor(w, r, p)
	if !ok {
		return nil, false
	}
	return s.jobOfProject(w, proj, id, buildsOnly)
}

// jobOfProject finds a job of the project as lib/api/helpers.rb does:
// find_build! (user_project.builds.find) with buildsOnly, so a bridge is
// 404 there, find_job! (all_jobs) otherwise; a missing job is 404 "404 Not
// found", and ok is false when that answer is written.
func (s *Sim) jobOfProject(w http.ResponseWriter, proj *project, id int64, buildsOnly bool) (*job, bool) {
	j := s.jobs[id]
	if j == nil || j.projectID != proj.id || (buildsOnly && j.bridge) {
		notFound(w, "")
		return nil, false
	}
	return j, true
}

// GET /projects/:id/jobs/:job_id
func (s *Sim) getJob(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	j, ok := s.projectJob(w, r)
	if !ok {
		return
	}
	s.writeJobs(w, r, http.StatusOK, nil, j, false)
}

// GET /projects/:id/jobs/:job_id/trace: the raw log, empty when there is none.
func (s *Sim) getJobTrace(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	j, ok := s.projectJob(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Disposition", `infile; filename="`+itoa(j.id)+`.log"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(j.log))
}

// GET /job: the job owning the request's CI job token.
func (s *Sim) getJobTokenJob(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	j, ok := s.tokenJob(w, r)
	if !ok {
		return
	}
	s.writeJobs(w, r, http.StatusOK, nil, j, false)
}

// tokenJob is the job of the request's CI job token, for the routes of
// the job token's own job (GET /job, /job/allowed_agents): 404 Job Not
// Found for another credential; ok is false when the answer is written.
func (s *Sim) tokenJob(w http.ResponseWriter, r *http.Request) (*job, bool) {
	p, outcome := s.authenticate(w, r, true, readScopes...)
	if outcome != authOK {
		return nil, false
	}
	if p.job == nil {
		notFound(w, "Job")
		return nil, false
	}
	return p.job, true
}
