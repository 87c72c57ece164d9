package gitlabsim

import "time"

// Records of the store. Handlers and fixtures touch them only under Sim.mu;
// outside the package they are seen through the snapshot types of setup.go, users.go and projects.go.

// Access levels of project members, as GitLab numbers them.
const (
	GuestAccess      = 10
	PlannerAccess    = 15
	ReporterAccess   = 20
	DeveloperAccess  = 30
	MaintainerAccess = 40
	OwnerAccess      = 50
)

type user struct {
	id        int64
	username  string
	name      string
	email     string
	state     string
	admin     bool
	bot       bool
	createdAt time.Time
}

type tokenKind int

const (
	personalToken tokenKind = iota
	oauthToken
)

type token struct {
	value     string
	kind      tokenKind
	name      string
	userID    int64
	scopes    []string
	expiresAt *time.Time
	revoked   bool
}

type project struct {
	id                     int64
	path                   string // path_with_namespace
	name                   string
	visibility             string
	members                map[int64]int
	archived               bool
	ciJobTokenScopeEnabled bool
	createdAt              time.Time
	// The pipeline-variables settings (projects.go): ProjectCiCdSetting's
	// restrict_user_defined_variables and pipeline_variables_minimum_override_role.
	restrictUserDefinedVariables bool
	pipelineVariablesRole        string
	builds                       []*job // its jobs but bridges, in ID order (index.go)

	// EE's allow_pipeline_trigger_approve_deployment (deployment_approvals.go).
	allowPipelineTriggerApproveDeployment bool

	// Its namespace, a group (groups.go), and the groups it is shared
	// with (project_group_links, members.go).
	namespace *group
	shares    []projectShare
}

type pipeline struct {
	id, iid   int64
	projectID int64
	sha       string
	ref       string
	tag       bool
	source    string
	userID    int64
	createdAt time.Time
	updatedAt time.Time
	commit    commit
	jobIDs    []int64 // in creation order (PipelineSpec.Jobs, then retries)
	// sourceBridge is the bridge that triggered this pipeline (its
	// source_bridge), 0 for none.
	sourceBridge int64
	jobs         []*job // the same jobs in ID order (index.go)
	// status caches the status derived from the jobs (pipelineStatusOf),
	// counts the sizes of its lists (listCount); statusOK is cleared and
	// counts dropped whenever one of the jobs changes (pipelineChanged).
	status   string
	statusOK bool
	counts   *listCounts
}

type commit struct {
	sha, title, message string
	authorName          string
	authorEmail         string
	authoredAt          time.Time
	parentIDs           []string
}

type artifact struct {
	fileType, filename, fileFormat string
	size                           int64
}

type job struct {
	id            int64
	pipelineID    int64
	projectID     int64
	name          string
	stage         string
	status        string
	allowFailure  bool
	tags          []string
	coverage      *float64
	failureReason string
	log           string
	artifacts     []artifact
	artifactsExp  *time.Time
	archive       *archiveData // the artifacts archive (artifacts_zip.go)
	createdAt     time.Time
	queuedAt      *time.Time
	startedAt     *time.Time
	finishedAt    *time.Time
	erasedAt      *time.Time
	runnerID      int64
	userID        int64
	bridge        bool
	downstreamID  int64
	trigger       *TriggerSpec // a bridge's downstream pipeline to create (runner.go)
	retried       bool
	token         string
	variables     []Variable
	when          string // on_success, manual or delayed (Ci::Processable#when)
	erasedBy      int64
	cancelingAt   *time.Time        // when a graceful cancel began
	script        script            // what the simulated runner does with the job
	driven        bool              // the simulated runner drives it (runner.go)
	uploads       *jobUploads       // a fixture job's artifacts, uploaded again when a retry of it succeeds
	ciVariables   map[string]string // its variables: keyword, interpolated
	inputs        *jobInputs        // its inputs: keyword (job inputs), nil without
}

// jobUploads is what the runner uploads when a job succeeds: its
// artifacts:paths (ArtifactFiles, or declared Artifacts) and expire_in. A
// CI configuration's jobs have theirs in the configuration; a fixture's job
// keeps its spec's, so that a retry of it uploads them again.
type jobUploads struct {
	artifacts []ArtifactSpec
	files     []ArtifactFileSpec
	expireIn  string
}

// Variable is a job variable given when a manual job is played.
type Variable struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}
