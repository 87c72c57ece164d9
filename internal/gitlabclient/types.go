package gitlabclient

import "time"

// The types below mirror GitLab's REST v4 job entities (lib/api/entities/ci/job*.rb,
// bridge.rb, user.rb, commit.rb, pipeline_basic.rb). They are the provider's own
// because client-go's types lack fields (archived, source, runner_manager, allowed
// agents) and cannot tell null from zero (coverage, duration, started_at).

// Job is GitLab's job (build) entity, as returned by the single job, list,
// play, retry, cancel and erase endpoints.
type Job struct {
	ID                int64          `json:"id"`
	Name              string         `json:"name"`
	Status            string         `json:"status"`
	Stage             string         `json:"stage"`
	Ref               string         `json:"ref"`
	Tag               bool           `json:"tag"`
	Coverage          *float64       `json:"coverage"`
	AllowFailure      bool           `json:"allow_failure"`
	CreatedAt         *time.Time     `json:"created_at"`
	StartedAt         *time.Time     `json:"started_at"`
	FinishedAt        *time.Time     `json:"finished_at"`
	ErasedAt          *time.Time     `json:"erased_at"`
	Duration          *float64       `json:"duration"`
	QueuedDuration    *float64       `json:"queued_duration"`
	FailureReason     string         `json:"failure_reason,omitempty"`
	WebURL            string         `json:"web_url"`
	ArtifactsExpireAt *time.Time     `json:"artifacts_expire_at"`
	TagList           []string       `json:"tag_list"`
	Archived          bool           `json:"archived"`
	User              *User          `json:"user"`
	Commit            *Commit        `json:"commit"`
	Pipeline          *JobPipeline   `json:"pipeline"`
	Runner            *Runner        `json:"runner"`
	RunnerManager     *RunnerManager `json:"runner_manager"`
	Artifacts         []Artifact     `json:"artifacts"`
	ArtifactsFile     *ArtifactsFile `json:"artifacts_file"`
	Project           *JobProject    `json:"project"`
}

// Bridge is a trigger job (lib/api/entities/ci/bridge.rb).
type Bridge struct {
	Job
	DownstreamPipeline *DownstreamPipeline `json:"downstream_pipeline"`
}

// User is GitLab's user entity as embedded in a job.
type User struct {
	ID        int64  `json:"id"`
	Username  string `json:"username"`
	Name      string `json:"name"`
	State     string `json:"state"`
	AvatarURL string `json:"avatar_url"`
	WebURL    string `json:"web_url"`
	Bot       bool   `json:"bot"`
}

// Commit is GitLab's basic commit entity.
type Commit struct {
	ID             string     `json:"id"`
	ShortID        string     `json:"short_id"`
	Title          string     `json:"title"`
	Message        string     `json:"message"`
	AuthorName     string     `json:"author_name"`
	AuthorEmail    string     `json:"author_email"`
	AuthoredDate   *time.Time `json:"authored_date"`
	CommitterName  string     `json:"committer_name"`
	CommitterEmail string     `json:"committer_email"`
	CommittedDate  *time.Time `json:"committed_date"`
	CreatedAt      *time.Time `json:"created_at"`
	ParentIDs      []string   `json:"parent_ids"`
	WebURL         string     `json:"web_url"`
}

// JobPipeline is the basic pipeline entity embedded in a job.
type JobPipeline struct {
	ID        int64      `json:"id"`
	IID       int64      `json:"iid"`
	ProjectID int64      `json:"project_id"`
	SHA       string     `json:"sha"`
	Ref       string     `json:"ref"`
	Status    string     `json:"status"`
	Source    string     `json:"source"`
	CreatedAt *time.Time `json:"created_at"`
	UpdatedAt *time.Time `json:"updated_at"`
	WebURL    string     `json:"web_url"`
}

// DownstreamPipeline is the pipeline a bridge triggered.
type DownstreamPipeline = JobPipeline

// Runner is the runner that picked up a job.
type Runner struct {
	ID          int64   `json:"id"`
	Description string  `json:"description"`
	Active      bool    `json:"active"`
	Paused      bool    `json:"paused"`
	IsShared    bool    `json:"is_shared"`
	RunnerType  string  `json:"runner_type"`
	Name        *string `json:"name"`
	Online      bool    `json:"online"`
	Status      string  `json:"status"`
}

// RunnerManager is the runner manager (runner process) that ran a job.
type RunnerManager struct {
	ID           int64      `json:"id"`
	SystemID     string     `json:"system_id"`
	Version      string     `json:"version"`
	Revision     string     `json:"revision"`
	Platform     string     `json:"platform"`
	Architecture string     `json:"architecture"`
	CreatedAt    *time.Time `json:"created_at"`
	ContactedAt  *time.Time `json:"contacted_at"`
	IPAddress    string     `json:"ip_address"`
	Status       string     `json:"status"`
}

// Artifact is one artifact file of a job.
type Artifact struct {
	FileType   string `json:"file_type"`
	Size       int64  `json:"size"`
	Filename   string `json:"filename"`
	FileFormat string `json:"file_format"`
}

// ArtifactsFile is the job's archive artifact.
type ArtifactsFile struct {
	Filename string `json:"filename"`
	Size     int64  `json:"size"`
}

// JobProject is the project fragment GitLab embeds in a job.
type JobProject struct {
	CIJobTokenScopeEnabled bool `json:"ci_job_token_scope_enabled"`
}

// CurrentUser is the response of GET /user (the fields the provider uses).
type CurrentUser struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	State    string `json:"state"`
	IsAdmin  bool   `json:"is_admin"`
	Bot      bool   `json:"bot"`
}
