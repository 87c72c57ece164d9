package gitlabsim

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// The Job Artifacts API (GitLab's lib/api/ci/job_artifacts.rb, with the
// file serving Workhorse does for it):
//
//   - GET  /projects/:id/jobs/:job_id/artifacts: the archive;
//   - GET  /projects/:id/jobs/artifacts/:ref_name/download?job=: the archive
//     of the job named job in the latest successful pipeline of the ref;
//   - GET  /projects/:id/jobs/:job_id/artifacts/*artifact_path and
//     GET  /projects/:id/jobs/artifacts/:ref_name/raw/*artifact_path?job=:
//     one file of the archive;
//   - POST /projects/:id/jobs/:job_id/artifacts/keep: artifacts_expire_at
//     cleared (200 with the job; 404 when the job has no unexpired archive);
//   - DELETE /projects/:id/jobs/:job_id/artifacts: every artifact but the
//     log removed (204, also when there was nothing to delete);
//     artifacts_expire_at stays.
//
// The downloads accept CI job tokens (route_setting :authentication,
// job_token_allowed: true), the read_api scope, and anonymous requests for
// public projects (before { authenticate_non_get! }); keep and delete need a
// user's token with the api scope: keep a developer
// (authorize_update_builds!), delete a maintainer (destroy_artifacts).
//
// Expired artifacts (artifacts_expire_at in the past) are gone for every
// endpoint (404), as they are once GitLab's expiry worker has run; the job's
// JSON still lists them until then, as GitLab's does. The project setting
// "keep artifacts from most recent successful jobs" (which locks a ref's
// latest artifacts against expiry) is not simulated: it is off.
//
// Go's ServeMux cannot hold GitLab's artifact routes side by side
// (".../jobs/artifacts/:ref_name/..." overlaps ".../jobs/:job_id/artifacts/..."
// and ".../jobs/:job_id/trace", and a ref name may hold slashes), so one mux
// pattern dispatches the GETs to their routes, which count requests, take
// faults and report answers under their own patterns, as Sim.handle's do.

// The artifact download routes, as Routes lists them and Fault.Route names them.
const (
	RouteArtifactsArchive    = "GET /api/v4/projects/{id}/jobs/{job_id}/artifacts"
	RouteArtifactsFile       = "GET /api/v4/projects/{id}/jobs/{job_id}/artifacts/{artifact_path...}"
	RouteArtifactsRefArchive = "GET /api/v4/projects/{id}/jobs/artifacts/{ref_name}/download"
	RouteArtifactsRefFile    = "GET /api/v4/projects/{id}/jobs/artifacts/{ref_name}/raw/{artifact_path...}"
	RouteArtifactsKeep       = "POST /api/v4/projects/{id}/jobs/{job_id}/artifacts/keep"
	RouteArtifactsDelete     = "DELETE /api/v4/projects/{id}/jobs/{job_id}/artifacts"
)

// Action names of ActionCount for the artifact actions.
const (
	ActionKeepArtifacts   = "artifacts_keep"
	ActionDeleteArtifacts = "artifacts_delete"
)

func (s *Sim) artifactRoutes() {
	archive := s.logicalRoute(RouteArtifactsArchive, s.getArtifactsArchive)
	file := s.logicalRoute(RouteArtifactsFile, s.getArtifactFile)
	refArchive := s.logicalRoute(RouteArtifactsRefArchive, s.getRefArtifactsArchive)
	refFile := s.logicalRoute(RouteArtifactsRefFile, s.getRefArtifactFile)
	s.mux.HandleFunc("GET /api/v4/projects/{id}/jobs/{job_id}/{rest...}", func(w http.ResponseWriter, r *http.Request) {
		rest := r.PathValue("rest")
		if r.PathValue("job_id") == "artifacts" {
			// Grape's ref_name is /.+/: the download route (declared first)
			// takes ".../download", the raw route the last "/raw/".
			if ref, ok := strings.CutSuffix(rest, "/download"); ok && ref != "" {
				r.SetPathValue("ref_name", ref)
				refArchive(w, r)
				return
			}
			if i := strings.LastIndex(rest, "/raw/"); i > 0 {
				r.SetPathValue("ref_name", rest[:i])
				r.SetPathValue("artifact_path", rest[i+len("/raw/"):])
				refFile(w, r)
				return
			}
		}
		switch {
		case rest == "artifacts":
			archive(w, r)
			return
		case strings.HasPrefix(rest, "artifacts/") && len(rest) > len("artifacts/"):
			r.SetPathValue("artifact_path", strings.TrimPrefix(rest, "artifacts/"))
			file(w, r)
			return
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
	})
	s.handle(RouteArtifactsKeep, s.postKeepArtifacts)
	s.handle(RouteArtifactsDelete, s.deleteArtifacts)
}

// logicalRoute is Sim.handle for a route the mux does not dispatch itself.
func (s *Sim) logicalRoute(pattern string, h http.HandlerFunc) http.HandlerFunc {
	s.patterns = append(s.patterns, pattern)
	count := new(atomic.Int64)
	s.requests[pattern] = count
	return func(w http.ResponseWriter, r *http.Request) {
		count.Add(1)
		s.serveWithFaults(pattern, w, r, func(w http.ResponseWriter) { s.serve(pattern, h, w, r) })
	}
}

// notFoundPlain is not_found! without a resource: "404 Not Found".
func notFoundPlain(w http.ResponseWriter) { message(w, http.StatusNotFound, "404 Not Found") }

// artifactsExpired is Ci::Build#artifacts_expired?.
func (s *Sim) artifactsExpired(j *job) bool {
	return j.artifactsExp != nil && !j.artifactsExp.After(s.opts.Now())
}

// downloadableArchive is the job's archive when it can be downloaded
// (an archive entry, not expired: available_artifacts?), else nil.
func (s *Sim) downloadableArchive(j *job) *archiveData {
	if j.bridge || j.archive == nil || s.artifactsExpired(j) {
		return nil
	}
	for _, a := range j.artifacts {
		if a.fileType == "archive" {
			return j.archive
		}
	}
	return nil
}

// artifactsBuild authenticates a download (authenticate_non_get!: an
// anonymous GET sees public projects; job tokens are allowed), validates
// job_id, checks read_build on the project (authorize_download_artifacts!)
// and finds the build (find_build!: builds only).
func (s *Sim) artifactsBuild(w http.ResponseWriter, r *http.Request) (*job, bool) {
	p, outcome := s.authenticateNonGet(w, r, true)
	if outcome != authOK {
		return nil, false
	}
	return s.projectJobFor(w, r, p, true)
}

// latestSuccessfulBuild is Project#latest_successful_build_for_ref!: the
// newest build named name with downloadable artifacts in the newest
// successful pipeline of ref; nil (then answered "404 Not found") when
// there is none.
func (s *Sim) latestSuccessfulBuild(w http.ResponseWriter, r *http.Request) (*job, bool) {
	name := r.URL.Query().Get("job")
	p, outcome := s.authenticateNonGet(w, r, true)
	if outcome != authOK {
		return nil, false
	}
	if !r.URL.Query().Has("job") {
		badParam(w, "job is missing")
		return nil, false
	}
	proj, ok := s.projectFor(w, r, p)
	if !ok {
		return nil, false
	}
	ref := r.PathValue("ref_name")
	var latest *pipeline
	for _, pl := range s.pipelines {
		if pl.projectID != proj.id || pl.ref != ref || (latest != nil && pl.id < latest.id) {
			continue
		}
		if s.pipelineStatusOf(pl) == StatusSuccess {
			latest = pl
		}
	}
	if latest != nil {
		for i := len(latest.jobs) - 1; i >= 0; i-- {
			if j := latest.jobs[i]; j.name == name && s.downloadableArchive(j) != nil {
				return j, true
			}
		}
	}
	notFound(w, "")
	return nil, false
}

// GET /projects/:id/jobs/:job_id/artifacts
func (s *Sim) getArtifactsArchive(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	j, ok := s.artifactsBuild(w, r)
	if !ok {
		return
	}
	s.sendArchive(w, j)
}

// GET /projects/:id/jobs/artifacts/:ref_name/download?job=
func (s *Sim) getRefArtifactsArchive(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	j, ok := s.latestSuccessfulBuild(w, r)
	if !ok {
		return
	}
	s.sendArchive(w, j)
}

// sendArchive is present_artifacts_file! for a file on disk
// (present_disk_file!, sent by Workhorse).
func (s *Sim) sendArchive(w http.ResponseWriter, j *job) {
	ad := s.downloadableArchive(j)
	if ad == nil {
		notFoundPlain(w)
		return
	}
	b := ad.archiveBytes()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="artifacts.zip"; filename*=UTF-8''artifacts.zip`)
	h.Set("Content-Transfer-Encoding", "binary")
	h.Set("Content-Length", itoa(int64(len(b))))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// GET /projects/:id/jobs/:job_id/artifacts/*artifact_path
func (s *Sim) getArtifactFile(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	j, ok := s.artifactsBuild(w, r)
	if !ok {
		return
	}
	ad := s.downloadableArchive(j)
	if ad == nil { // not_found! unless build.available_artifacts?
		notFoundPlain(w)
		return
	}
	s.sendEntry(w, r, ad, false)
}

// GET /projects/:id/jobs/artifacts/:ref_name/raw/*artifact_path?job=
func (s *Sim) getRefArtifactFile(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	j, ok := s.latestSuccessfulBuild(w, r)
	if !ok {
		return
	}
	s.sendEntry(w, r, s.downloadableArchive(j), true)
}

// validArtifactPath is Gitlab::Ci::Build::Artifacts::Path#valid?: no NUL
// byte, valid UTF-8, no ".." segment.
func validArtifactPath(p string) bool {
	if strings.ContainsRune(p, 0) || !utf8.ValidString(p) {
		return false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return false
		}
	}
	return true
}

// sendEntry is send_artifacts_entry as Workhorse serves it (artifacts-entry,
// gitlab-zip-cat): Content-Length, a Content-Type from the extension
// (application/octet-stream when unknown) — sniffed from the content on the
// raw route, which sets Gitlab-Workhorse-Detect-Content-Type — and
// Content-Disposition attachment with the base name. A path not in the
// archive is Workhorse's http.NotFound: "404 page not found", text/plain.
func (s *Sim) sendEntry(w http.ResponseWriter, r *http.Request, ad *archiveData, detect bool) {
	p := r.PathValue("artifact_path")
	if !validArtifactPath(p) {
		message(w, http.StatusBadRequest, "400 Bad request")
		return
	}
	b := ad.archiveBytes()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		message(w, http.StatusInternalServerError, "500 Internal Server Error")
		return
	}
	var f *zip.File
	for _, zf := range zr.File {
		if zf.Name == p {
			f = zf
			break
		}
	}
	if f == nil || f.FileInfo().IsDir() {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "404 page not found\n")
		return
	}
	rc, err := f.Open()
	if err != nil {
		message(w, http.StatusInternalServerError, "500 Internal Server Error")
		return
	}
	defer rc.Close()
	ctype := mime.TypeByExtension(path.Ext(p))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	if detect {
		head := make([]byte, 512)
		n, _ := io.ReadFull(rc, head)
		ctype = http.DetectContentType(head[:n])
		if strings.HasPrefix(ctype, "text/") {
			ctype = "text/plain; charset=utf-8"
		}
		rc.Close()
		if rc, err = f.Open(); err != nil {
			message(w, http.StatusInternalServerError, "500 Internal Server Error")
			return
		}
	}
	h := w.Header()
	h.Set("Content-Length", itoa(int64(f.UncompressedSize64)))
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(path.Base(p), `"`, `\"`)+`"`)
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, rc)
}

// artifactsActionJob is the start of the keep and delete handlers, in
// GitLab's order: authentication and job_id (actionRequest), user_project
// (404), the right to act (allowed: 403), then find_build! (404; a bridge
// is not a build). The caller holds the lock; ok is false when the answer
// is written.
func (s *Sim) artifactsActionJob(w http.ResponseWriter, r *http.Request, allowed func(principal, *project) bool) (*job, bool) {
	p, _, id, ok := s.actionRequest(w, r)
	if !ok {
		return nil, false
	}
	proj, ok := s.actionProject(w, r, p)
	if !ok {
		return nil, false
	}
	if !allowed(p, proj) {
		forbidden(w, "")
		return nil, false
	}
	return s.jobOfProject(w, proj, id, true) // find_build!
}

// POST /projects/:id/jobs/:job_id/artifacts/keep: 200 with the job.
func (s *Sim) postKeepArtifacts(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	j, ok := s.artifactsActionJob(w, r, canUpdateBuilds) // authorize_update_builds!
	if !ok {
		return
	}
	if s.downloadableArchive(j) == nil { // not_found!(build) unless build.artifacts?
		notFoundPlain(w)
		return
	}
	s.countAction(j, ActionKeepArtifacts)
	j.artifactsExp = nil // keep_artifacts!
	s.pipelineChanged(j.pipelineID)
	s.writeJobs(w, r, http.StatusOK, nil, j, false)
}

// DELETE /projects/:id/jobs/:job_id/artifacts: 204.
func (s *Sim) deleteArtifacts(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	j, ok := s.artifactsActionJob(w, r, canAdminBuilds) // authorize_destroy_artifacts!
	if !ok {
		return
	}
	s.deleteJobArtifacts(j)
	w.WriteHeader(http.StatusNoContent)
}

// deleteJobArtifacts is Ci::JobArtifacts::DeleteService: the erasable
// artifacts (all but the trace) destroyed; artifacts_expire_at stays.
func (s *Sim) deleteJobArtifacts(j *job) {
	s.countAction(j, ActionDeleteArtifacts)
	kept := j.artifacts[:0]
	for _, a := range j.artifacts {
		if a.fileType == "trace" {
			kept = append(kept, a)
		}
	}
	if len(kept) == 0 {
		kept = nil
	}
	j.artifacts = kept
	j.archive = nil
	s.pipelineChanged(j.pipelineID)
}

// The out-of-band Go API of artifacts, for tests.

// ArchiveEntries lists the entries of a job's artifacts archive (nil when
// it has none), whether or not it expired.
func (s *Sim) ArchiveEntries(jobID int64) []ArchiveEntry {
	s.lock()
	defer s.mu.Unlock()
	j := s.jobs[jobID]
	if j == nil || j.archive == nil {
		return nil
	}
	j.archive.archiveBytes()
	return append([]ArchiveEntry(nil), j.archive.entries...)
}

// ArtifactsExpireAt is a job's artifacts_expire_at (nil: never, or kept).
func (s *Sim) ArtifactsExpireAt(jobID int64) *time.Time {
	s.lock()
	defer s.mu.Unlock()
	if j := s.jobs[jobID]; j != nil {
		return copyTime(j.artifactsExp)
	}
	return nil
}

// SetArtifactsExpireAt changes a job's artifacts_expire_at out of band
// (nil keeps them), as a later pipeline's settings or a user would.
func (s *Sim) SetArtifactsExpireAt(jobID int64, at *time.Time) error {
	s.lock()
	defer s.mu.Unlock()
	j, err := s.findJob(jobID)
	if err != nil {
		return err
	}
	j.artifactsExp = copyTime(at)
	s.pipelineChanged(j.pipelineID)
	return nil
}

// DeleteJobArtifacts deletes a job's artifacts out of band as DELETE
// .../artifacts does (the log stays).
func (s *Sim) DeleteJobArtifacts(jobID int64) error {
	s.lock()
	defer s.mu.Unlock()
	j, err := s.findJob(jobID)
	if err != nil {
		return err
	}
	if j.bridge {
		return fmt.Errorf("job %d is a bridge", jobID)
	}
	s.deleteJobArtifacts(j)
	return nil
}
