package gitlabclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// The job actions (play, retry, cancel, erase) are POSTs that change GitLab's
// state, and each must be applied at most once: a second play or retry starts
// the job a second time.
//
// retryTransport never re-sends a POST whose fate is unknown. When a POST
// ends ambiguously — GitLab (or a proxy in front of it) answered 500, 502, 503
// or 504, the connection broke after the request was written, or an attempt
// timed out — the action re-reads the job with GETs (which the transport
// retries safely) to find out whether GitLab applied it:
//
//   - applied: the job as GitLab now shows it is returned (for a retry, the
//     new job), without sending the POST again;
//   - not applied: after a failure that may leave the request still under
//     way in GitLab (a 504, a timeout, a broken connection), "not applied"
//     may mean "not yet", so the job is re-read once more after a short wait
//     (settleWait). Then the POST is sent again, at most maxResends times, each
//     followed by the same check. When it still was not applied after the
//     last one, GitLab's last answer is returned, wrapped — or, if that
//     attempt may still be under way, an *UnknownOutcomeError;
//   - the re-read failed, or cannot tell: an *UnknownOutcomeError.
//
// How each action tells (statuses and their sources in status.go). The
// table test in reconcile_test.go runs every action on every status it
// accepts, with a fault before and after GitLab applied it:
//
//   - play: the status the job had before the play (Seen, given by the
//     caller who read the job before acting) decides.
//     Waiting to be played (manual, scheduled) before: still waiting →
//     not applied; now queued, running or finished after having been queued
//     (queued_duration or started_at set) → applied (GitLab enqueued it; a
//     scheduled job may also have been enqueued by its timer, which the
//     play would have done too); finished without ever being queued (a
//     manual job canceled by someone else) → unknown.
//     Finished before (a play re-runs a finished manual job as a new job,
//     synchronously): a newer attempt in the pipeline → applied; none → not
//     applied.
//     Without Seen: waiting → not applied, queued or running → applied, and
//     a finished job with a newer attempt → applied, without one → unknown
//     (the play may have run it to completion, or, if it had finished
//     before, not have started it again). The job variables of a play
//     cannot be read back through the API; they are not checked, only sent
//     again with a re-sent play.
//   - retry: the pipeline's jobs, retried ones included, hold a newer
//     attempt — the lowest job ID above the original's with the same name
//     and stage — → applied, and that job is returned. The API cannot tell
//     who created it: when someone else retried the same job at the same
//     time, their new job is returned as this retry's (GitLab refuses to
//     retry a job twice anyway: a retried job is no longer retryable). No
//     newer attempt → not applied.
//   - cancel: canceled or canceling → applied; a status the cancel event
//     still applies to (Cancelable: created, waiting_for_resource,
//     preparing, pending, running, scheduled, manual) → not applied. A job
//     that finished otherwise meanwhile (success, failed, skipped) → not
//     applied, and nothing to send: GitLab answers a cancel of a finished
//     job with the job unchanged, so the job is returned as it is (its
//     status says it was not canceled).
//   - erase: erased_at is set → applied; else → not applied.
//
// A POST that is sent again and refused (e.g. 400 "Unplayable Job") may have
// been refused because an earlier attempt was applied meanwhile, so the job is
// checked once more before GitLab's error is returned.
//
// Any other failure is returned as do() made it, without a re-read: GitLab's
// 4xx answers as *APIError with GitLab's message (a 429 is retried by the
// transport first), and requests that provably never reached GitLab. When
// the caller's context ends, nothing more is sent and the result is an
// *UnknownOutcomeError that wraps the context's error.

// Variable is a job variable given to a play. Values are sent to GitLab and
// never logged.
type Variable struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// maxResends bounds how often an action is sent again after GitLab showed
// that an ambiguous attempt was not applied.
const maxResends = 2

// UnknownOutcomeError is returned by the job actions when a request may or
// may not have been applied and re-reading the job could not settle it.
type UnknownOutcomeError struct {
	Action  string // "play", "retry", "cancel" or "erase"
	Project string
	JobID   int64
	Cause   error // the failure that left the outcome open (e.g. a 502)
	Err     error // why re-reading did not settle it
}

func (e *UnknownOutcomeError) Error() string {
	return fmt.Sprintf("the %s of job %d (project %s) may or may not have been applied: %v, and %v; %s",
		e.Action, e.JobID, e.Project, e.Cause, e.Err, actionHint(e.Action, e.JobID))
}

// Unwrap gives both errors to errors.Is and errors.As.
func (e *UnknownOutcomeError) Unwrap() []error { return unwrapped(e.Err, e.Cause) }

func actionHint(action string, jobID int64) string {
	switch action {
	case "play":
		return fmt.Sprintf("check job %d in GitLab before playing it again", jobID)
	case "retry":
		return fmt.Sprintf("check the job's pipeline in GitLab for a new attempt of job %d before retrying it again", jobID)
	case "cancel", "force-cancel":
		return fmt.Sprintf("check the status of job %d in GitLab", jobID)
	case "erase":
		return fmt.Sprintf("check in GitLab whether job %d was erased", jobID)
	}
	return fmt.Sprintf("check job %d in GitLab", jobID)
}

// ActionOption adjusts one job action.
type ActionOption func(*actionOptions)

type actionOptions struct {
	seen   *Job
	inputs map[string]any
}

// Seen gives a job action the job as the caller read it just before acting.
// After an ambiguous failure, a play compares the job's status with this one
// to tell whether GitLab applied it (see the top of this file); without it,
// some outcomes stay unknown. A job of another ID is ignored.
func Seen(job *Job) ActionOption {
	return func(o *actionOptions) { o.seen = job }
}

// JobInputs gives a play the values of the job's inputs (its CI
// configuration's `inputs:` keyword), sent as job_inputs: a JSON object of
// input name to value (a string, a number, a boolean or an array, as the
// input's type declares). GitLab checks them against the job's inputs and
// refuses unknown ones and values of the wrong type (400). Other actions
// ignore it.
func JobInputs(inputs map[string]any) ActionOption {
	return func(o *actionOptions) { o.inputs = inputs }
}

// PlayJob is POST /projects/:id/jobs/:job_id/play: it starts a manual or
// scheduled job (or re-runs a finished manual one). vars, when not empty, are
// sent as job_variables_attributes, and inputs (JobInputs) as job_inputs.
// GitLab answers with the job.
func (c *Client) PlayJob(ctx context.Context, project string, jobID int64, vars []Variable, opts ...ActionOption) (*Job, error) {
	var o actionOptions
	for _, opt := range opts {
		opt(&o)
	}
	var before string // the status before the play, when known
	if o.seen != nil && o.seen.ID == jobID {
		before = o.seen.Status
	}
	path, err := jobPath(project, jobID, "/play")
	if err != nil {
		return nil, err
	}
	var body any // untyped nil: no body at all
	for i, v := range vars {
		if v.Key == "" {
			return nil, fmt.Errorf("play of job %d: variable %d has an empty key", jobID, i+1)
		}
	}
	for name := range o.inputs {
		if name == "" {
			return nil, fmt.Errorf("play of job %d: an input has an empty name", jobID)
		}
	}
	if len(vars) > 0 || len(o.inputs) > 0 {
		body = struct {
			Vars   []Variable     `json:"job_variables_attributes,omitempty"`
			Inputs map[string]any `json:"job_inputs,omitempty"`
		}{vars, o.inputs}
	}
	a := jobAction{name: "play", project: project, jobID: jobID, path: path, body: body}
	a.check = func(ctx context.Context) (*Job, string, error) {
		job, err := c.GetJob(ctx, project, jobID)
		if err != nil {
			return nil, "", readFailed(err)
		}
		return c.playApplied(ctx, project, before, job)
	}
	return c.act(ctx, a)
}

// RetryJob is POST /projects/:id/jobs/:job_id/retry. It returns the new job
// GitLab creates.
func (c *Client) RetryJob(ctx context.Context, project string, jobID int64) (*Job, error) {
	path, err := jobPath(project, jobID, "/retry")
	if err != nil {
		return nil, err
	}
	a := jobAction{name: "retry", project: project, jobID: jobID, path: path}
	a.check = func(ctx context.Context) (*Job, string, error) {
		job, err := c.GetJob(ctx, project, jobID)
		if last := c.lastSeenBridge(jobID); err != nil && last != nil && IsNotFound(err) {
			// A tracked bridge that left its pipeline's list was retried
			// (or deleted): look for its new attempt as it was last seen.
			job, err = last, nil
		}
		if err != nil {
			return nil, "", readFailed(err)
		}
		next, err := c.nextAttempt(ctx, project, job)
		if err != nil {
			return nil, "", err
		}
		if next != nil {
			return next, fmt.Sprintf("job %d is a new attempt of it, so the retry was applied", next.ID), nil
		}
		return nil, fmt.Sprintf("its pipeline has no newer attempt of it (it is %s), so the retry was not applied", job.Status), nil
	}
	retried, err := c.act(ctx, a)
	if pipelineID, ok := c.trackedBridge(jobID); ok && err == nil && retried != nil {
		// The new run of a trigger job is a trigger job of the same pipeline.
		c.TrackBridge(retried.ID, pipelineID)
	}
	return retried, err
}

// CancelJob is POST /projects/:id/jobs/:job_id/cancel. GitLab answers with
// the job as it is now; a job that cannot be cancelled (e.g. a finished one)
// is returned unchanged: callers check the returned status.
func (c *Client) CancelJob(ctx context.Context, project string, jobID int64) (*Job, error) {
	path, err := jobPath(project, jobID, "/cancel")
	if err != nil {
		return nil, err
	}
	a := jobAction{name: "cancel", project: project, jobID: jobID, path: path}
	a.check = func(ctx context.Context) (*Job, string, error) {
		job, err := c.GetJob(ctx, project, jobID)
		if err != nil {
			return nil, "", readFailed(err)
		}
		switch {
		case job.Status == StatusCanceled || job.Status == StatusCanceling:
			return job, fmt.Sprintf("job is now %s, so the cancel was applied", job.Status), nil
		case Cancelable(job.Status):
			return nil, fmt.Sprintf("job is still %s, so the cancel was not applied", job.Status), nil
		}
		// It finished otherwise: GitLab would answer a cancel with the job unchanged.
		return job, fmt.Sprintf("job is now %s, so the cancel was not applied, and a cancel leaves it as it is", job.Status), nil
	}
	return c.act(ctx, a)
}

// ForceCancelJob is POST /projects/:id/jobs/:job_id/cancel with force=true
// (lib/api/ci/jobs.rb; GitLab's force_cancel event): it ends a job that is
// canceling at once, without waiting for its runner, and needs the
// Maintainer role. GitLab answers with the job as it is now: a job that is
// not canceling is returned unchanged (callers check the returned status).
func (c *Client) ForceCancelJob(ctx context.Context, project string, jobID int64) (*Job, error) {
	path, err := jobPath(project, jobID, "/cancel")
	if err != nil {
		return nil, err
	}
	body := struct {
		Force bool `json:"force"`
	}{true}
	a := jobAction{name: "force-cancel", project: project, jobID: jobID, path: path, body: body}
	a.check = func(ctx context.Context) (*Job, string, error) {
		job, err := c.GetJob(ctx, project, jobID)
		if err != nil {
			return nil, "", readFailed(err)
		}
		switch job.Status {
		case StatusCanceling:
			return nil, "job is still canceling, so the force-cancel was not applied", nil
		case StatusCanceled:
			return job, "job is now canceled, so the force-cancel was applied (or its runner finished canceling it)", nil
		}
		return job, fmt.Sprintf("job is now %s, which a force-cancel leaves as it is", job.Status), nil
	}
	return c.act(ctx, a)
}

// EraseJob is POST /projects/:id/jobs/:job_id/erase: it removes the job's
// artifacts and log. GitLab answers with the erased job.
func (c *Client) EraseJob(ctx context.Context, project string, jobID int64) (*Job, error) {
	path, err := jobPath(project, jobID, "/erase")
	if err != nil {
		return nil, err
	}
	a := jobAction{name: "erase", project: project, jobID: jobID, path: path}
	a.check = func(ctx context.Context) (*Job, string, error) {
		job, err := c.GetJob(ctx, project, jobID)
		if err != nil {
			return nil, "", readFailed(err)
		}
		if job.ErasedAt != nil {
			return job, "job is now erased, so the erase was applied", nil
		}
		return nil, "job is not erased, so the erase was not applied", nil
	}
	return c.act(ctx, a)
}

// playApplied tells from job, re-read after an ambiguous failure, whether the
// play was applied; before is the job's status before the play ("" when
// unknown). See the top of this file.
func (c *Client) playApplied(ctx context.Context, project, before string, job *Job) (*Job, string, error) {
	queued := job.QueuedDuration != nil || job.StartedAt != nil
	switch {
	case WaitingToBePlayed(job.Status):
		return nil, fmt.Sprintf("job is still %s, so the play was not applied", job.Status), nil
	case before != "" && !Playable(before):
		// GitLab refuses to play it; sent again, the play gets GitLab's reason.
		return nil, fmt.Sprintf("job was %s, which GitLab does not play, so the play was not applied", before), nil
	case WaitingToBePlayed(before) && !Finished(job.Status):
		return job, fmt.Sprintf("job was %s and is now %s, so the play was applied", before, job.Status), nil
	case WaitingToBePlayed(before) && queued:
		return job, fmt.Sprintf("job was %s and has run since (it is now %s), so the play was applied", before, job.Status), nil
	case WaitingToBePlayed(before):
		return nil, "", fmt.Errorf("job %d was %s and is now %s without having been queued: something other than the play changed it", job.ID, before, job.Status)
	case before == "" && !Finished(job.Status) && job.Status != StatusCanceling:
		// Queued or running: GitLab enqueued it.
		return job, fmt.Sprintf("job is now %s, so the play was applied", job.Status), nil
	}
	// A play of a finished job re-runs it as a new job, at once.
	next, err := c.nextAttempt(ctx, project, job)
	if err != nil {
		return nil, "", err
	}
	switch {
	case next != nil:
		return job, fmt.Sprintf("job %d is a new run of it, so the play was applied", next.ID), nil
	case before != "":
		return nil, fmt.Sprintf("job was %s and its pipeline has no newer run of it, so the play was not applied", before), nil
	case Finished(job.Status):
		return nil, "", fmt.Errorf("job %d is now %s and has no newer attempt: the play may have run it to completion, or, if it had finished before, not have started it again", job.ID, job.Status)
	}
	return nil, "", fmt.Errorf("job %d is now %s, which does not tell whether the play was applied", job.ID, job.Status)
}

// jobAction is one POST on a job and the check that tells, from a re-read,
// whether it was applied.
type jobAction struct {
	name    string // for messages: "play", "retry", "cancel", "erase"
	project string
	jobID   int64
	path    string
	body    any
	// check returns the job to return when the action was applied, or nil
	// when it was not; why says what the re-read showed, for the logs. An
	// error means the re-read failed or cannot tell.
	check func(ctx context.Context) (job *Job, why string, err error)
}

// act sends a and, after an ambiguous failure, finds out whether GitLab
// applied it (see the comment at the top of this file; settle.go).
func (c *Client) act(ctx context.Context, a jobAction) (*Job, error) {
	return settle(ctx, c, settling[*Job]{
		what:   fmt.Sprintf("%s of job %d", a.name, a.jobID),
		fields: map[string]any{"action": a.name, "job_id": a.jobID},
		send: func(ctx context.Context) (*Job, error) {
			var job Job
			_, err := c.do(ctx, http.MethodPost, a.path, a.body, &job)
			return &job, err
		},
		check: func(ctx context.Context) (*Job, bool, string, error) {
			job, why, err := a.check(ctx)
			return job, job != nil, why, err
		},
		unknown: func(cause, err error) error {
			return &UnknownOutcomeError{Action: a.name, Project: a.project, JobID: a.jobID, Cause: cause, Err: err}
		},
		notApplied: func(sent int, last error, why string) error {
			return fmt.Errorf("the %s of job %d (project %s) was not applied: %d attempts failed, the last with %w; %s",
				a.name, a.jobID, a.project, sent, last, why)
		},
		readSkipped: "the job was not re-read",
	})
}

// mayBeUnderWay reports whether GitLab may still be working on a request
// that failed: a gateway timeout, or no answer at all (a timeout, a broken
// connection). After a 500, 502 or 503 the request is over.
func mayBeUnderWay(err error) bool {
	var apiErr *APIError
	return !errors.As(err, &apiErr) || apiErr.StatusCode == http.StatusGatewayTimeout
}

// settleWait is how long to wait before looking at a job again when the
// request may still be under way: twice the client's shortest retry wait
// (Config.RetryWaitMin; 2s by default).
func (c *Client) settleWait() time.Duration { return 2 * c.waitMin }

// fateUnknown reports whether a failed POST may have been applied: GitLab or
// a proxy answered 500, 502, 503 or 504, or the request was (or may have
// been) sent and no answer came back, or an answer that is not GitLab's JSON.
func fateUnknown(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		switch apiErr.StatusCode {
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	var reqErr *requestError
	if errors.As(err, &reqErr) {
		if reqErr.attempts == 0 || neverSent(reqErr.err) || permanent(reqErr.err) {
			return false // never sent
		}
	}
	return true
}

// failure is err in a few words for the logs: "502 Bad Gateway", or the
// transport error.
func failure(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return strconv.Itoa(apiErr.StatusCode) + " " + http.StatusText(apiErr.StatusCode)
	}
	return "no answer (" + err.Error() + ")"
}

func readFailed(err error) error {
	return fmt.Errorf("re-reading the job to find out failed: %w", err)
}

// nextAttempt is the job that retrying job created in its pipeline: the one
// with the lowest ID above job's with the same name and stage, or nil. A
// bridge's is looked for among the pipeline's bridges.
func (c *Client) nextAttempt(ctx context.Context, project string, job *Job) (*Job, error) {
	if job.Pipeline == nil || job.Pipeline.ID == 0 {
		return nil, fmt.Errorf("GitLab did not say which pipeline job %d belongs to, so its newer attempts cannot be looked for", job.ID)
	}
	jobs, err := c.ListPipelineJobs(ctx, project, job.Pipeline.ID, nil, true)
	if err != nil {
		return nil, readFailed(fmt.Errorf("listing the jobs of pipeline %d: %w", job.Pipeline.ID, err))
	}
	isBuild := false
	for _, j := range jobs {
		isBuild = isBuild || j.ID == job.ID
	}
	if !isBuild {
		// Not among the pipeline's builds: a bridge, whose new attempt is
		// among the pipeline's bridges (retried ones too: a later retry
		// would have hidden it).
		bridges, err := c.listPipelineBridges(ctx, project, job.Pipeline.ID, nil, true)
		if err != nil {
			return nil, readFailed(fmt.Errorf("listing the bridges of pipeline %d: %w", job.Pipeline.ID, err))
		}
		jobs = bridgeJobs(bridges)
	}
	var next *Job
	for _, j := range jobs {
		if j.ID > job.ID && j.Name == job.Name && j.Stage == job.Stage && (next == nil || j.ID < next.ID) {
			next = j
		}
	}
	return next, nil
}

// NothingToErase tells, after GitLab refused an erase with "Job is not
// erasable!", whether that is because nothing is left to erase: the job has
// finished (or was erased) and has no artifacts (the job entity lists them
// all, an archived log included) and its log reads empty. It returns the job
// as re-read; nothing is false when anything is left, or unknown.
func (c *Client) NothingToErase(ctx context.Context, project string, jobID int64) (job *Job, nothing bool, err error) {
	job, err = c.GetJob(ctx, project, jobID)
	if err != nil {
		return nil, false, err
	}
	if job.ErasedAt == nil && (!Finished(job.Status) || len(job.Artifacts) > 0 || job.ArtifactsFile != nil) {
		return job, false, nil
	}
	trace, err := c.GetJobTrace(ctx, project, jobID)
	if err != nil {
		return job, false, err
	}
	return job, len(trace) == 0, nil
}

// ListRunsOf lists the jobs of job's pipeline among which job's other runs
// are: the pipeline's builds (GET .../pipelines/:id/jobs), or its trigger
// jobs when GetJob read job as one (IsBridge), with the retried ones when
// includeRetried is set.
func (c *Client) ListRunsOf(ctx context.Context, project string, job *Job, includeRetried bool) ([]*Job, error) {
	if job.Pipeline == nil || job.Pipeline.ID == 0 {
		return nil, fmt.Errorf("GitLab did not say which pipeline job %d belongs to", job.ID)
	}
	if !c.IsBridge(job.ID) {
		return c.ListPipelineJobs(ctx, project, job.Pipeline.ID, nil, includeRetried)
	}
	bridges, err := c.listPipelineBridges(ctx, project, job.Pipeline.ID, nil, includeRetried)
	if err != nil {
		return nil, err
	}
	return bridgeJobs(bridges), nil
}

// bridgeJobs are the jobs of bridges.
func bridgeJobs(bridges []*Bridge) []*Job {
	jobs := make([]*Job, len(bridges))
	for i, b := range bridges {
		jobs[i] = &b.Job
	}
	return jobs
}
