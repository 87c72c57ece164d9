package gitlabclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// The Job Artifacts API (https://docs.gitlab.com/api/job_artifacts/):
// reading one file of a job's artifacts archive, and the two actions on a
// job's artifacts, keep and delete.
//
// Downloads are read as streams with a size cap enforced while reading: no
// more than the cap is ever held in memory, and a file over the cap stops
// the download at once (the request is canceled, not drained). A download
// whose body breaks off midway is a GET, so it is sent again (at most
// maxBodyRetries times).
//
// Keep and delete change GitLab's state and are never re-sent blindly.
// Both are idempotent in GitLab (keeping kept artifacts answers 200 again,
// deleting nothing answers 204), but a caller may not have meant a second
// request (the artifacts may have been replaced meanwhile), so after an
// ambiguous failure the job is re-read, as for the job actions (actions.go):
//
//   - keep: the archive is there and artifacts_expire_at is null → applied;
//     the archive is there and expires → not applied (sent again, at most
//     maxResends times); no archive → GitLab's answer would be 404, so the
//     outcome is unknown (someone deleted them, or they expired);
//   - delete: no archive (artifacts_file null and no artifact but the
//     trace) → applied; else → not applied (sent again, at most maxResends
//     times).

// ArtifactSource names the job whose artifacts are read: by ID, or by ref
// and job name (the job of that name in the latest successful pipeline of
// the ref, GitLab's /jobs/artifacts/:ref_name/... routes).
type ArtifactSource struct {
	JobID   int64
	Ref     string
	JobName string
}

func (s ArtifactSource) String() string {
	if s.JobID > 0 {
		return fmt.Sprintf("job %d", s.JobID)
	}
	return fmt.Sprintf("job %q of the latest successful pipeline of ref %q", s.JobName, s.Ref)
}

// ArtifactFile is one file read from a job's artifacts archive.
type ArtifactFile struct {
	Content     []byte
	ContentType string // as GitLab (Workhorse) sent it
}

// ArtifactTooLargeError says a file is larger than the caller's cap; the
// download was stopped at the cap.
type ArtifactTooLargeError struct {
	Path   string
	Source ArtifactSource
	Limit  int64
	Size   int64 // the size GitLab announced (Content-Length), or -1
}

func (e *ArtifactTooLargeError) Error() string {
	size := "more than that"
	if e.Size >= 0 {
		size = fmt.Sprintf("%d bytes", e.Size)
	}
	return fmt.Sprintf("artifact file %q of %s is larger than the limit of %d bytes (it has %s)", e.Path, e.Source, e.Limit, size)
}

// maxBodyRetries bounds how often a download whose body broke off is sent again.
const maxBodyRetries = 2

var errOverCap = errors.New("over the size cap")

// cappedWriter passes at most limit bytes on to dst; past that it cancels
// the request (so the rest is not downloaded) and fails.
type cappedWriter struct {
	dst    io.Writer
	n      int64
	limit  int64
	cancel context.CancelFunc
	over   bool
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	if w.n+int64(len(p)) > w.limit {
		w.over = true
		w.cancel()
		return 0, errOverCap
	}
	n, err := w.dst.Write(p)
	w.n += int64(n)
	return n, err
}

// artifactFilePath is the API path of one file: by job, or by ref.
func artifactFilePath(project string, src ArtifactSource, file string) (string, any, error) {
	if err := CheckArtifactPath(file); err != nil {
		return "", nil, err
	}
	escaped := escapeSegments(file)
	if src.JobID > 0 {
		p, err := jobPath(project, src.JobID, "/artifacts/"+escaped)
		return p, nil, err
	}
	if src.Ref == "" || src.JobName == "" {
		return "", nil, errors.New("give a job ID, or a ref and a job name")
	}
	p, err := ParseProject(project)
	if err != nil {
		return "", nil, err
	}
	q := struct {
		Job string `url:"job"`
	}{src.JobName}
	return fmt.Sprintf("projects/%s/jobs/artifacts/%s/raw/%s", p.Escaped(), escapeSegments(src.Ref), escaped), &q, nil
}

// CheckArtifactPath checks a path inside an artifacts archive as GitLab
// does (Gitlab::Ci::Build::Artifacts::Path#valid?): relative, no ".."
// segment, no NUL byte, and not a directory.
func CheckArtifactPath(p string) error {
	switch {
	case p == "":
		return errors.New("the path is empty: give a file's path inside the archive, e.g. \"dist/version.txt\"")
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("the path %q starts with \"/\": give it relative to the archive's root, e.g. %q", p, strings.TrimLeft(p, "/"))
	case strings.HasSuffix(p, "/"):
		return fmt.Errorf("the path %q is a directory: give a file's path", p)
	case strings.ContainsRune(p, 0):
		return fmt.Errorf("the path %q holds a NUL byte", p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return fmt.Errorf("the path %q holds a \"..\" segment, which GitLab refuses", p)
		}
	}
	return nil
}

func escapeSegments(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// ReadArtifactFile is GET /projects/:id/jobs/:job_id/artifacts/*artifact_path
// (or /jobs/artifacts/:ref_name/raw/*artifact_path?job=): one file of a
// job's artifacts archive, of at most limit bytes (else an
// *ArtifactTooLargeError). A 404 is an *APIError: the job, or its archive,
// or the file in it, is not there (GitLab does not say which; see
// ExplainArtifactNotFound).
func (c *Client) ReadArtifactFile(ctx context.Context, project string, src ArtifactSource, file string, limit int64) (*ArtifactFile, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("the size limit must be positive, got %d", limit)
	}
	path, query, err := artifactFilePath(project, src, file)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	ctype, err := c.download(ctx, path, query, limit, src, file, func() io.Writer { buf.Reset(); return &buf })
	if err != nil {
		return nil, err
	}
	return &ArtifactFile{Content: buf.Bytes(), ContentType: ctype}, nil
}

// download GETs path into the writer dst gives (afresh for each attempt),
// at most limit bytes, sending it again when the body breaks off.
func (c *Client) download(ctx context.Context, path string, query any, limit int64, src ArtifactSource, file string, dst func() io.Writer) (string, error) {
	for attempt := 0; ; attempt++ {
		ctype, err := c.readCapped(ctx, path, query, limit, dst())
		var tooLarge *ArtifactTooLargeError
		switch {
		case errors.As(err, &tooLarge):
			tooLarge.Path, tooLarge.Source = file, src
			return "", tooLarge
		case errors.Is(err, errBodyBroken) && attempt < maxBodyRetries && ctx.Err() == nil:
			tflog.Warn(ctx, fmt.Sprintf("download of the artifacts of %s broke off; reading it again", src), map[string]any{"error": err.Error()})
			continue
		}
		return ctype, err
	}
}

var errBodyBroken = errors.New("the download broke off")

// readCapped GETs path and copies its body to dst, up to limit bytes; it
// returns the answer's Content-Type.
func (c *Client) readCapped(ctx context.Context, path string, query any, limit int64, dst io.Writer) (string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ex := &exchange{}
	ctx = context.WithValue(ctx, exchangeKey{}, ex)
	req, err := c.gl.NewRequest(http.MethodGet, path, query, []gitlab.RequestOptionFunc{gitlab.WithContext(ctx)})
	if err != nil {
		return "", c.requestError(http.MethodGet, path, 0, err)
	}
	w := &cappedWriter{dst: dst, limit: limit, cancel: cancel}
	resp, err := c.gl.Do(req, w)
	if w.over {
		size := int64(-1)
		if resp != nil && resp.ContentLength >= 0 {
			size = resp.ContentLength
		}
		return "", &ArtifactTooLargeError{Limit: limit, Size: size}
	}
	if err != nil {
		if resp != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return "", fmt.Errorf("%w: GET %s: %s", errBodyBroken, cleanPath(path), c.redact(err.Error()))
		}
		return "", c.wrapError(http.MethodGet, path, resp, err, ex)
	}
	if resp.ContentLength >= 0 && w.n != resp.ContentLength {
		return "", fmt.Errorf("%w: GET %s: %d of %d bytes", errBodyBroken, cleanPath(path), w.n, resp.ContentLength)
	}
	return resp.Header.Get("Content-Type"), nil
}

// WorkhorseNotFound reports whether a 404 is Workhorse's answer for a path
// the archive does not hold ("404 page not found"), as opposed to GitLab's
// (no such job, no archive, expired, no successful pipeline).
func WorkhorseNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound && strings.Contains(e.Message, "page not found")
}

// HasArchive reports whether a job, as GitLab shows it, has an artifacts
// archive (which may have expired: see ArtifactsExpired).
func HasArchive(j *Job) bool {
	if j.ArtifactsFile != nil {
		return true
	}
	for _, a := range j.Artifacts {
		if a.FileType == "archive" {
			return true
		}
	}
	return false
}

// HasDeletableArtifacts reports whether a job has artifacts DELETE
// .../artifacts removes: any but the trace (Ci::JobArtifact.erasable).
func HasDeletableArtifacts(j *Job) bool {
	if j.ArtifactsFile != nil {
		return true
	}
	for _, a := range j.Artifacts {
		if a.FileType != "trace" {
			return true
		}
	}
	return false
}

// ArtifactsExpired reports whether a job's artifacts have expired at now
// (Ci::Build#artifacts_expired?).
func ArtifactsExpired(j *Job, now time.Time) bool {
	return j.ArtifactsExpireAt != nil && !j.ArtifactsExpireAt.After(now)
}

// KeepArtifacts is POST /projects/:id/jobs/:job_id/artifacts/keep: the job's
// artifacts no longer expire. GitLab answers with the job.
func (c *Client) KeepArtifacts(ctx context.Context, project string, jobID int64) (*Job, error) {
	path, err := jobPath(project, jobID, "/artifacts/keep")
	if err != nil {
		return nil, err
	}
	a := jobAction{name: "artifacts keep", project: project, jobID: jobID, path: path}
	a.check = func(ctx context.Context) (*Job, string, error) {
		job, err := c.GetJob(ctx, project, jobID)
		if err != nil {
			return nil, "", readFailed(err)
		}
		switch {
		case !HasArchive(job):
			return nil, "", fmt.Errorf("job %d has no artifacts archive any more (deleted, erased or expired), so whether they were kept before cannot be told", jobID)
		case job.ArtifactsExpireAt == nil:
			return job, "the job's artifacts no longer expire, so the keep was applied", nil
		}
		return nil, fmt.Sprintf("the job's artifacts still expire at %s, so the keep was not applied", job.ArtifactsExpireAt.UTC().Format(time.RFC3339)), nil
	}
	return c.act(ctx, a)
}

// DeleteArtifacts is DELETE /projects/:id/jobs/:job_id/artifacts: every
// artifact of the job but its log is deleted (GitLab answers 204, also
// when there was nothing to delete). It returns the job as re-read after.
func (c *Client) DeleteArtifacts(ctx context.Context, project string, jobID int64) (*Job, error) {
	path, err := jobPath(project, jobID, "/artifacts")
	if err != nil {
		return nil, err
	}
	fields := map[string]any{"action": "artifacts delete", "job_id": jobID}
	check := func(ctx context.Context) (*Job, bool, error) {
		job, err := c.GetJob(ctx, project, jobID)
		if err != nil {
			return nil, false, readFailed(err)
		}
		return job, !HasDeletableArtifacts(job), nil
	}
	var open error
	for sent := 1; ; sent++ {
		_, err := c.do(ctx, http.MethodDelete, path, nil, nil)
		if err == nil {
			job, _, cerr := check(ctx)
			if cerr != nil {
				return nil, fmt.Errorf("the artifacts of job %d were deleted, but %w", jobID, cerr)
			}
			return job, nil
		}
		if !fateUnknown(err) {
			if open != nil {
				// A re-send refused: an earlier attempt may have been applied.
				if job, deleted, cerr := check(ctx); cerr == nil && deleted {
					return job, nil
				}
			}
			return nil, err
		}
		open = err
		if ctx.Err() != nil {
			return nil, &UnknownOutcomeError{Action: "artifacts delete", Project: project, JobID: jobID, Cause: open,
				Err: fmt.Errorf("the job was not re-read because the operation ended (%w)", ctx.Err())}
		}
		job, deleted, cerr := check(ctx)
		if cerr == nil && !deleted && mayBeUnderWay(err) {
			if c.sleep(ctx, c.settleWait()) != nil {
				return nil, &UnknownOutcomeError{Action: "artifacts delete", Project: project, JobID: jobID, Cause: open, Err: ctx.Err()}
			}
			job, deleted, cerr = check(ctx)
		}
		switch {
		case cerr != nil:
			return nil, &UnknownOutcomeError{Action: "artifacts delete", Project: project, JobID: jobID, Cause: open, Err: cerr}
		case deleted:
			tflog.Warn(ctx, fmt.Sprintf("delete of the artifacts of job %d got %s; the job has none left, so it was applied", jobID, failure(err)), fields)
			return job, nil
		case sent > maxResends:
			if mayBeUnderWay(err) {
				return nil, &UnknownOutcomeError{Action: "artifacts delete", Project: project, JobID: jobID, Cause: open,
					Err: fmt.Errorf("after %d attempts the job still has artifacts, but the last attempt may still be under way in GitLab", sent)}
			}
			return nil, fmt.Errorf("the artifacts of job %d (project %s) were not deleted: %d attempts failed, the last with %w", jobID, project, sent, err)
		}
		tflog.Warn(ctx, fmt.Sprintf("delete of the artifacts of job %d got %s; the job still has them; sending it again", jobID, failure(err)), fields)
	}
}

// DownloadArtifactsArchive is GET /projects/:id/jobs/:job_id/artifacts (or
// /jobs/artifacts/:ref_name/download?job=): the job's artifacts archive,
// written to dst as it arrives, at most limit bytes (else an
// *ArtifactTooLargeError). dst is called afresh when a download that broke
// off is sent again. It returns the archive's size.
func (c *Client) DownloadArtifactsArchive(ctx context.Context, project string, src ArtifactSource, limit int64, dst func() io.Writer) (int64, error) {
	if limit <= 0 {
		return 0, fmt.Errorf("the size limit must be positive, got %d", limit)
	}
	var path string
	var query any
	if src.JobID > 0 {
		p, err := jobPath(project, src.JobID, "/artifacts")
		if err != nil {
			return 0, err
		}
		path = p
	} else {
		if src.Ref == "" || src.JobName == "" {
			return 0, errors.New("give a job ID, or a ref and a job name")
		}
		p, err := ParseProject(project)
		if err != nil {
			return 0, err
		}
		path = fmt.Sprintf("projects/%s/jobs/artifacts/%s/download", p.Escaped(), escapeSegments(src.Ref))
		query = &struct {
			Job string `url:"job"`
		}{src.JobName}
	}
	var counter *countingWriter
	_, err := c.download(ctx, path, query, limit, src, "artifacts.zip", func() io.Writer {
		counter = &countingWriter{w: dst()}
		return counter
	})
	if err != nil {
		return 0, err
	}
	return counter.n, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// DownloadArtifactFile is ReadArtifactFile written to a writer as it
// arrives, so that a large file is never held in memory: dst is called
// afresh when a download that broke off is sent again. It returns the
// file's size and Content-Type.
func (c *Client) DownloadArtifactFile(ctx context.Context, project string, src ArtifactSource, file string, limit int64, dst func() io.Writer) (int64, string, error) {
	if limit <= 0 {
		return 0, "", fmt.Errorf("the size limit must be positive, got %d", limit)
	}
	path, query, err := artifactFilePath(project, src, file)
	if err != nil {
		return 0, "", err
	}
	var counter *countingWriter
	ctype, err := c.download(ctx, path, query, limit, src, file, func() io.Writer {
		counter = &countingWriter{w: dst()}
		return counter
	})
	if err != nil {
		return 0, "", err
	}
	return counter.n, ctype, nil
}
