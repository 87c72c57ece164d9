package gitlabsim

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Building the store from Go: tests and the seed file (fixture.go) create
// pipelines and their jobs from a PipelineSpec and its JobSpecs, read jobs
// back as Job snapshots and set a job's status, each under the store's
// lock. Users and tokens are created in users.go, projects in projects.go,
// CI configurations in ciconfig.go. The methods return snapshots, never the
// store's records.

// ArtifactSpec describes one artifact file of a job.
type ArtifactSpec struct {
	FileType   string `json:"file_type"`
	Filename   string `json:"filename"`
	FileFormat string `json:"file_format"`
	Size       int64  `json:"size"`
}

// JobSpec describes a job (or a bridge) of a pipeline to create.
type JobSpec struct {
	ID                                         int64 // optional fixed ID
	Name, Stage                                string
	Status                                     string // default "created"
	AllowFailure                               bool
	Tags                                       []string
	Coverage                                   *float64
	FailureReason                              string // default "script_failure" for failed jobs
	Log                                        string
	Artifacts                                  []ArtifactSpec
	ArtifactsExpireAt                          *time.Time
	CreatedAt, StartedAt, FinishedAt, ErasedAt *time.Time
	QueuedDuration                             *float64
	RunnerID                                   int64 // 0: none (a runner is invented for started jobs)
	Bridge                                     bool
	DownstreamPipelineID                       int64
	// Trigger, for a bridge that has not triggered yet (manual, created),
	// is the downstream pipeline its processing creates.
	Trigger *TriggerSpec
	// When is the job's `when`: "on_success" (default), "manual" (default
	// for manual jobs) or "delayed" (default for scheduled jobs). Manual and
	// delayed jobs are actions: playable while manual or scheduled, and
	// played again (retried) once finished.
	When string

	// The runner's script (runner.go). Jobs enqueued while the simulator
	// runs (played, retried) are always run by the simulated runner; a job
	// created pending or running is only if one of RunDuration, Outcome or
	// LogOnRun is set. A retried job's copy inherits its script.

	// RunDuration is how long the job runs; 0 means Options.RunDuration.
	RunDuration time.Duration
	// Outcome is how the job ends: "success" (default) or "failed", with
	// FailureReason (default "script_failure").
	Outcome string
	// LogOnRun is appended to the job's log when the runner starts it.
	LogOnRun string
	// Stuck jobs are never picked up (they stay pending) nor finished.
	Stuck bool
	// Token is the job's CI job token; empty: a random "glcbt-..." value.
	Token string

	// ArtifactFiles are the files of the job's artifacts archive
	// (artifacts_zip.go); ExpireIn is artifacts:expire_in, from finished_at.
	ArtifactFiles []ArtifactFileSpec
	ExpireIn      string
}

// TriggerSpec is a bridge's trigger: (a child pipeline of its own project or
// a multi-project pipeline) what Ci::CreateDownstreamPipelineService
// creates when the bridge is processed, once enqueued (a manual bridge:
// played). The simulator's CI configuration has no trigger:, so this is
// how a bridge's downstream pipeline is modelled.
type TriggerSpec struct {
	// ProjectID is the downstream project: 0 (or the bridge's own) for a
	// child pipeline (source parent_pipeline), another for a multi-project
	// pipeline (source pipeline), run by the bridge's user on the bridge's
	// ref. A project that does not exist fails the bridge
	// (downstream_bridge_project_not_found).
	ProjectID int64
	// Jobs are the downstream pipeline's jobs; none fails the bridge
	// (downstream_pipeline_creation_failed), as GitLab creates no empty
	// pipeline.
	Jobs []JobSpec
	// Depend is `strategy: depend` (Ci::Bridge#dependent?): the bridge stays
	// running once its downstream pipeline is created, and takes that
	// pipeline's status when it completes (runner.go).
	Depend bool
}

// PipelineSpec describes a pipeline to create with its jobs.
type PipelineSpec struct {
	ID        int64 // optional fixed ID
	Ref       string
	SHA       string
	Tag       bool
	Source    string
	UserID    int64
	Jobs      []JobSpec
	CreatedAt *time.Time
}

// Pipeline is a snapshot of a created pipeline.
type Pipeline struct {
	ID, ProjectID int64
	JobIDs        []int64 // in the order of PipelineSpec.Jobs
}

// Job is a snapshot of a job, for assertions.
type Job struct {
	ID, PipelineID, ProjectID int64
	Name, Stage, Status       string
	FailureReason             string
	Log                       string
	Artifacts                 int
	StartedAt, FinishedAt     *time.Time
	ErasedAt                  *time.Time
	Retried                   bool
	Variables                 []Variable
	UserID                    int64 // who the job runs as: the pipeline's user, who played or retried it
	ErasedByID                int64
	QueuedAt                  *time.Time
	RunnerID                  int64
	Token                     string // its CI job token, valid while it runs
	// CIVariables are the job's variables: keyword, with its inputs
	// interpolated; Inputs the values of its job inputs (nil without).
	CIVariables map[string]string
	Inputs      map[string]any
}

func (s *Sim) newID(kind string, fixed int64) int64 {
	if fixed > 0 {
		if fixed > s.nextID[kind] {
			s.nextID[kind] = fixed
		}
		return fixed
	}
	s.nextID[kind]++
	return s.nextID[kind]
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// CreatePipeline adds a pipeline with its jobs; it panics on invalid specs, a test bug.
func (s *Sim) CreatePipeline(projectID int64, spec PipelineSpec) Pipeline {
	s.lock()
	defer s.mu.Unlock()
	p, err := s.createPipeline(projectID, spec)
	if err != nil {
		panic(err)
	}
	return p
}

func (s *Sim) createPipeline(projectID int64, spec PipelineSpec) (Pipeline, error) {
	proj := s.projects[projectID]
	if proj == nil {
		return Pipeline{}, fmt.Errorf("no project %d", projectID)
	}
	if spec.ID > 0 && s.pipelines[spec.ID] != nil {
		return Pipeline{}, fmt.Errorf("pipeline %d exists", spec.ID)
	}
	for _, js := range spec.Jobs {
		if err := s.checkJobSpec(js); err != nil {
			return Pipeline{}, err
		}
	}
	created, err := s.pipelineCreatedAt(spec)
	if err != nil {
		return Pipeline{}, err
	}
	pl := s.newPipeline(proj, spec, created)
	s.pipelines[pl.id] = pl
	out := Pipeline{ID: pl.id, ProjectID: projectID}
	for _, js := range spec.Jobs {
		j := s.newJob(pl, js, created)
		pl.jobIDs = append(pl.jobIDs, j.id)
		out.JobIDs = append(out.JobIDs, j.id)
	}
	return out, nil
}

// checkJobSpec refuses a job spec the store cannot hold: a taken ID or
// token, an unknown status or when, a nameless job, a downstream pipeline
// on a build, an outcome other than success or failed, bad artifact files
// or times out of order.
func (s *Sim) checkJobSpec(js JobSpec) error {
	if js.ID > 0 && s.jobs[js.ID] != nil {
		return fmt.Errorf("job %d exists", js.ID)
	}
	if js.Status != "" && !knownStatus(js.Status) {
		return fmt.Errorf("job %q: unknown status %q", js.Name, js.Status)
	}
	if js.Name == "" {
		return fmt.Errorf("a job of the pipeline has no name")
	}
	if js.Token != "" {
		if _, taken := s.jobTokens[js.Token]; taken || s.tokens[js.Token] != nil {
			return fmt.Errorf("job %q: token %q is taken", js.Name, js.Token)
		}
	}
	if js.DownstreamPipelineID != 0 && !js.Bridge {
		return fmt.Errorf("job %q: only a bridge has a downstream pipeline", js.Name)
	}
	if js.Outcome != "" && js.Outcome != StatusSuccess && js.Outcome != StatusFailed {
		return fmt.Errorf("job %q: outcome %q is not success or failed", js.Name, js.Outcome)
	}
	if err := validateArtifactFiles(js); err != nil {
		return err
	}
	switch js.When {
	case "", "on_success", "on_failure", "always", "manual", "delayed":
	default:
		return fmt.Errorf("job %q: unknown when %q", js.Name, js.When)
	}
	if err := checkJobTimes(js); err != nil {
		return fmt.Errorf("job %q: %w", js.Name, err)
	}
	return nil
}

// pipelineCreatedAt is when the pipeline was created: spec.CreatedAt (no
// job may be earlier), else now or its first job's time if earlier, so
// that no job starts before it.
func (s *Sim) pipelineCreatedAt(spec PipelineSpec) (time.Time, error) {
	created := s.opts.Now().UTC()
	if spec.CreatedAt != nil {
		created = spec.CreatedAt.UTC()
		for _, js := range spec.Jobs {
			if first := earliestJobTime(js); first != nil && first.Before(created) {
				return time.Time{}, fmt.Errorf("job %q: created, queued or started at %s, before its pipeline was created (%s): "+
					"its queued_duration would be negative", js.Name, first.UTC().Format(time.RFC3339Nano), created.Format(time.RFC3339Nano))
			}
		}
		return created, nil
	}
	for _, js := range spec.Jobs {
		if first := earliestJobTime(js); first != nil && first.Before(created) {
			created = first.UTC()
		}
	}
	return created, nil
}

// newPipeline is the pipeline record of a spec, with the defaults (a
// random sha, ref main, source push, the project's default user), the
// project's next iid and its commit.
func (s *Sim) newPipeline(proj *project, spec PipelineSpec, created time.Time) *pipeline {
	pl := &pipeline{
		id: s.newID("pipeline", spec.ID), projectID: proj.id, sha: spec.SHA, ref: spec.Ref, tag: spec.Tag,
		source: spec.Source, userID: spec.UserID, createdAt: created, updatedAt: created,
	}
	if pl.sha == "" {
		pl.sha = randomHex(20)
	}
	if pl.ref == "" {
		pl.ref = "main"
	}
	if pl.source == "" {
		pl.source = "push"
	}
	if pl.userID == 0 {
		pl.userID = s.defaultPipelineUser(proj)
	}
	iid := int64(1)
	for _, other := range s.pipelines {
		if other.projectID == proj.id && other.iid >= iid {
			iid = other.iid + 1
		}
	}
	pl.iid = iid
	author := s.users[pl.userID]
	pl.commit = commit{sha: pl.sha, title: "Update " + pl.ref, message: "Update " + pl.ref + "\n", authoredAt: created.Add(-time.Minute),
		authorName: "Administrator", authorEmail: "admin@example.com", parentIDs: []string{randomHex(20)}}
	if author != nil {
		pl.commit.authorName, pl.commit.authorEmail = author.name, author.email
	}
	return pl
}

// earliestJobTime is the earliest of the times a fixture job gives: its
// creation, its queueing (started_at less queued_duration) and start.
func earliestJobTime(js JobSpec) *time.Time {
	var first *time.Time
	for _, t := range []*time.Time{js.CreatedAt, js.StartedAt} {
		if t != nil && (first == nil || t.Before(*first)) {
			first = t
		}
	}
	if js.StartedAt != nil && js.QueuedDuration != nil {
		q := js.StartedAt.Add(-time.Duration(*js.QueuedDuration * float64(time.Second)))
		if q.Before(*first) {
			first = &q
		}
	}
	return first
}

// checkJobTimes rejects the times GitLab could not have given a job: a
// negative queued_duration, finished before it started, erased before it
// finished, started after it finished.
func checkJobTimes(js JobSpec) error {
	if js.QueuedDuration != nil && *js.QueuedDuration < 0 {
		return fmt.Errorf("queued_duration %v is negative", *js.QueuedDuration)
	}
	if js.FinishedAt != nil && js.StartedAt != nil && js.FinishedAt.Before(*js.StartedAt) {
		return fmt.Errorf("finished_at %s is before started_at %s", js.FinishedAt.UTC().Format(time.RFC3339Nano), js.StartedAt.UTC().Format(time.RFC3339Nano))
	}
	if js.ErasedAt != nil && js.FinishedAt != nil && js.ErasedAt.Before(*js.FinishedAt) {
		return fmt.Errorf("erased_at %s is before finished_at %s", js.ErasedAt.UTC().Format(time.RFC3339Nano), js.FinishedAt.UTC().Format(time.RFC3339Nano))
	}
	if js.CreatedAt != nil && js.StartedAt != nil && js.StartedAt.Before(*js.CreatedAt) {
		return fmt.Errorf("started_at %s is before created_at %s", js.StartedAt.UTC().Format(time.RFC3339Nano), js.CreatedAt.UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// defaultPipelineUser is who a pipeline created without a user runs as: the
// project's first member, else the first user, else GitLab's "Ghost User".
func (s *Sim) defaultPipelineUser(proj *project) int64 {
	var id int64
	for m := range proj.members {
		if id == 0 || m < id {
			id = m
		}
	}
	for u := range s.users {
		if id == 0 || (len(proj.members) == 0 && u < id) {
			id = u
		}
	}
	if id == 0 {
		ghost := &user{id: s.newID("user", 0), username: "ghost", name: "Ghost User", email: "ghost@example.com",
			state: "active", createdAt: s.opts.Now().UTC()}
		s.users[ghost.id] = ghost
		id = ghost.id
	}
	return id
}

func (s *Sim) newJob(pl *pipeline, js JobSpec, created time.Time) *job {
	j := &job{
		id: s.newID("job", js.ID), pipelineID: pl.id, projectID: pl.projectID, name: js.Name, stage: js.Stage,
		status: js.Status, allowFailure: js.AllowFailure, tags: tagList(js.Tags), coverage: js.Coverage,
		failureReason: js.FailureReason, log: js.Log, artifactsExp: js.ArtifactsExpireAt, createdAt: created,
		startedAt: js.StartedAt, finishedAt: js.FinishedAt, erasedAt: js.ErasedAt, runnerID: js.RunnerID,
		userID: pl.userID, bridge: js.Bridge, downstreamID: js.DownstreamPipelineID, trigger: js.Trigger, when: js.When,
		script: scriptOf(js), driven: scripted(js),
	}
	if js.CreatedAt != nil {
		j.createdAt = js.CreatedAt.UTC()
	}
	if j.stage == "" {
		j.stage = "test"
	}
	if j.status == "" {
		j.status = StatusCreated
	}
	if j.when == "" {
		switch j.status {
		case StatusManual:
			j.when = "manual"
		case StatusScheduled:
			j.when = "delayed"
		default:
			j.when = "on_success"
		}
	}
	for _, a := range js.Artifacts {
		j.artifacts = append(j.artifacts, artifact{fileType: a.FileType, filename: a.Filename, fileFormat: a.FileFormat, size: a.Size})
	}
	if !js.Bridge && (len(js.Artifacts) > 0 || len(js.ArtifactFiles) > 0) {
		j.uploads = &jobUploads{artifacts: js.Artifacts, files: js.ArtifactFiles, expireIn: js.ExpireIn}
	}
	s.settleTimestamps(j, js.QueuedDuration)
	s.attachArtifacts(j, js)
	j.token = js.Token
	if j.token == "" {
		j.token = "glcbt-" + randomHex(16)
	}
	s.addJob(j)
	s.wakeRunner(j)
	return j
}

// settleTimestamps gives a job the timestamps and runner its status implies,
// keeping those the fixture set.
func (s *Sim) settleTimestamps(j *job, queued *float64) {
	now := s.opts.Now().UTC()
	if j.status == StatusPending || started(j.status) || j.status == StatusCanceled && j.startedAt != nil {
		if j.queuedAt == nil {
			q := j.createdAt
			if j.startedAt != nil && queued != nil {
				q = j.startedAt.Add(-time.Duration(*queued * float64(time.Second)))
			}
			j.queuedAt = &q
		}
	}
	if started(j.status) && j.startedAt == nil {
		st := maxTime(j.createdAt, now.Add(-time.Minute))
		if j.queuedAt != nil && j.queuedAt.After(st) {
			st = *j.queuedAt
		}
		j.startedAt = &st
	}
	if completed(j.status) && j.finishedAt == nil && j.status != StatusSkipped {
		fin := now
		if j.startedAt != nil && fin.Before(*j.startedAt) {
			fin = *j.startedAt
		}
		j.finishedAt = &fin
	}
	if j.status == StatusFailed && j.failureReason == "" {
		j.failureReason = "script_failure"
	}
	if j.status != StatusFailed {
		j.failureReason = ""
	}
	if j.startedAt != nil && j.runnerID == 0 && !j.bridge {
		j.runnerID = 1
	}
}

// tagList is a job's tag_list as Entities::Ci::Job exposes it,
// job.tags.map(&:name).sort: sorted, each tag once (tags are unique per job).
func tagList(tags []string) []string {
	out := slices.Clone(tags)
	slices.Sort(out)
	return slices.Compact(out)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// JobToken is the CI job token of a job. GitLab accepts it only while the job runs.
func (s *Sim) JobToken(jobID int64) string {
	s.lock()
	defer s.mu.Unlock()
	if j := s.jobs[jobID]; j != nil {
		return j.token
	}
	return ""
}

// Job returns a snapshot of a job.
func (s *Sim) Job(jobID int64) (Job, bool) {
	s.lock()
	defer s.mu.Unlock()
	j := s.jobs[jobID]
	if j == nil {
		return Job{}, false
	}
	return snapshot(j), true
}

func snapshot(j *job) Job {
	out := Job{
		ID: j.id, PipelineID: j.pipelineID, ProjectID: j.projectID, Name: j.name, Stage: j.stage, Status: j.status,
		FailureReason: j.failureReason, Log: j.log, Artifacts: len(j.artifacts), StartedAt: copyTime(j.startedAt),
		FinishedAt: copyTime(j.finishedAt), ErasedAt: copyTime(j.erasedAt), Retried: j.retried,
		Variables: append([]Variable(nil), j.variables...), UserID: j.userID, ErasedByID: j.erasedBy,
		QueuedAt: copyTime(j.queuedAt), RunnerID: j.runnerID, Token: j.token,
		CIVariables: maps.Clone(j.ciVariables),
	}
	if j.inputs != nil {
		out.Inputs = maps.Clone(j.inputs.values)
	}
	return out
}

func copyTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// SetJobStatus changes a job's status out of band (as a runner or another
// user would), with the timestamps the new status implies. Unlike the
// actions it may jump anywhere (success back to running, say): it is the
// state machine's fixture override (forceStatus), not one of its events.
// The status is held: the simulated runner no longer moves the job (until
// it is played or retried again).
func (s *Sim) SetJobStatus(jobID int64, status string) error {
	s.lock()
	defer s.mu.Unlock()
	j := s.jobs[jobID]
	if j == nil {
		return fmt.Errorf("no job %d", jobID)
	}
	if !knownStatus(status) {
		return fmt.Errorf("unknown status %q", status)
	}
	s.forceStatus(j, status)
	return nil
}

func (s *Sim) touchPipeline(id int64) { s.touchPipelineAt(id, s.opts.Now()) }

func (s *Sim) touchPipelineAt(id int64, at time.Time) {
	if pl := s.pipelines[id]; pl != nil && at.UTC().After(pl.updatedAt) {
		pl.updatedAt = at.UTC()
	}
}
