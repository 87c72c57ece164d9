package gitlabsim

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// A project's CI configuration: what its .gitlab-ci.yml would say, in the
// seed's JSON ("ci" of a project) or through SetCIConfig. It is what
// POST /projects/:id/pipeline (pipeline_create.go) builds pipelines from, and
// pipeline_processing.go runs them as GitLab's pipeline processing does.
//
// Modelled keywords of GitLab's CI YAML: stages (with GitLab's implicit
// .pre and .post around them, and GitLab's default build/test/deploy when
// none are given), and per job: stage (default test), when (on_success,
// manual, always, on_failure, delayed), allow_failure (default false, and
// true for a manual job, as Gitlab::Ci::Config::Entry::Job decides without
// rules), needs (job names, the DAG), only/except with refs (the keywords
// branches and tags, a ref name, or a /regexp/). The script is the
// simulated runner's: run_duration, outcome, log_on_run, and the artifacts
// it uploads when the job succeeds (artifacts, artifact_files, expire_in:
// artifacts:paths and artifacts:expire_in). Also modelled: the header's
// spec:inputs (Spec), workflow:name (WorkflowName), a job's variables and
// its inputs: keyword (job inputs), with $[[ inputs.NAME ]] and
// ${{ job.inputs.NAME }} interpolated (ciinputs.go). The repository is
// just its refs: branches and tags, each with a fixed commit SHA.

// CIConfig is a project's CI configuration and the refs of its repository.
type CIConfig struct {
	// Stages in order; empty: GitLab's default build, test, deploy.
	Stages []string `json:"stages"`
	// Branches and Tags are the repository's refs (name → commit SHA, "" for
	// a generated one). A pipeline can only run for one of them.
	Branches map[string]string `json:"branches"`
	Tags     map[string]string `json:"tags"`
	Jobs     []CIJob           `json:"jobs"`
	// Spec is the configuration's header, spec:inputs (ciinputs.go).
	Spec *CISpec `json:"spec"`
	// WorkflowName is workflow:name, the pipeline's name.
	WorkflowName string `json:"workflow_name"`
}

// CIJob is one job of a CI configuration.
type CIJob struct {
	Name         string   `json:"name"`
	Stage        string   `json:"stage"`
	When         string   `json:"when"`
	AllowFailure *bool    `json:"allow_failure"`
	Needs        []string `json:"needs"`
	Only         []string `json:"only"`
	Except       []string `json:"except"`
	Tags         []string `json:"tags"`
	Bridge       bool     `json:"bridge"`
	// The simulated runner's script, as for seeded jobs: run_duration is a
	// Go duration ("5s"), outcome success (default) or failed.
	RunDuration string         `json:"run_duration"`
	Outcome     string         `json:"outcome"`
	LogOnRun    string         `json:"log_on_run"`
	Artifacts   []ArtifactSpec `json:"artifacts"`
	// ArtifactFiles are the files the job's artifacts:paths upload when it
	// succeeds (a real archive, as for seeded jobs: artifacts_zip.go), and
	// ExpireIn its artifacts:expire_in, counted from when it finished.
	ArtifactFiles []ArtifactFileSpec `json:"artifact_files"`
	ExpireIn      string             `json:"expire_in"`

	// The guards (guards.go): environment: (environments.go) and
	// resource_group: (resource_groups.go).
	Environment   *CIEnvironment `json:"environment"`
	ResourceGroup string         `json:"resource_group"`
	// Variables are the job's variables: keyword.
	Variables map[string]string `json:"variables"`
	// Inputs are the job's inputs: keyword (job inputs, ciinputs.go):
	// typed parameters with a default each, set when the job is played
	// (job_inputs) and used as ${{ job.inputs.NAME }} in its variables
	// and log_on_run.
	Inputs map[string]CIInput `json:"inputs"`
}

// ciConfig is a validated configuration.
type ciConfig struct {
	stages       []string // with .pre first and .post last
	refs         map[string]ciRef
	jobs         []ciJob
	spec         *CISpec
	workflowName string
}

type ciRef struct {
	sha string
	tag bool
}

type ciJob struct {
	CIJob
	stageIdx     int
	allowFailure bool
	when         string
	duration     time.Duration
}

// defaultStages are GitLab's stages when a configuration has none
// (Gitlab::Ci::Config::Entry::Stages.default).
var defaultStages = []string{"build", "test", "deploy"}

// compileCIConfig validates a configuration as GitLab's YAML processor
// would reject it ("chosen stage does not exist", unknown needs, ...).
func compileCIConfig(c CIConfig) (*ciConfig, error) {
	stages := c.Stages
	if len(stages) == 0 {
		stages = defaultStages
	}
	out := &ciConfig{stages: append(append([]string{".pre"}, stages...), ".post"), refs: map[string]ciRef{},
		spec: c.Spec, workflowName: c.WorkflowName}
	for name, sha := range c.Branches {
		out.refs[name] = ciRef{sha: firstNonEmpty(sha, randomHex(20))}
	}
	for name, sha := range c.Tags {
		if _, dup := out.refs[name]; dup {
			return nil, fmt.Errorf("ref %q is both a branch and a tag", name)
		}
		out.refs[name] = ciRef{sha: firstNonEmpty(sha, randomHex(20)), tag: true}
	}
	names := map[string]bool{}
	for i, j := range c.Jobs {
		at := fmt.Sprintf("jobs[%d] (%s)", i, j.Name)
		if j.Name == "" {
			return nil, fmt.Errorf("jobs[%d]: name is required", i)
		}
		if names[j.Name] {
			return nil, fmt.Errorf("%s: a job named %q exists already", at, j.Name)
		}
		names[j.Name] = true
		cj, err := compileCIJob(j, out.stages, at)
		if err != nil {
			return nil, err
		}
		out.jobs = append(out.jobs, cj)
	}
	for i, j := range out.jobs {
		for _, n := range j.Needs {
			k := slices.IndexFunc(out.jobs, func(o ciJob) bool { return o.Name == n })
			if k < 0 {
				return nil, fmt.Errorf("jobs[%d] (%s): needs %s, which is not defined", i, j.Name, n)
			}
			// Gitlab::Ci::YamlProcessor#validate_job_needs!: a need must be in an earlier (or the same) stage.
			if out.jobs[k].stageIdx > j.stageIdx {
				return nil, fmt.Errorf("jobs[%d] (%s): needs %s, which is in a later stage", i, j.Name, n)
			}
		}
	}
	return out, nil
}

// compileCIJob checks one job of the configuration against GitLab's
// keywords and the stages, and compiles its defaults (stage test, when
// on_success, allow_failure of manual jobs); at names it in errors.
func compileCIJob(j CIJob, stages []string, at string) (ciJob, error) {
	cj := ciJob{CIJob: j, when: firstNonEmpty(j.When, "on_success")}
	if cj.Stage == "" {
		cj.Stage = "test"
	}
	cj.stageIdx = slices.Index(stages, cj.Stage)
	if cj.stageIdx < 0 {
		return ciJob{}, fmt.Errorf("%s: chosen stage %s does not exist; available stages are %s", at, cj.Stage, strings.Join(stages, ", "))
	}
	switch cj.when {
	case "on_success", "on_failure", "always", "manual", "delayed":
	default:
		return ciJob{}, fmt.Errorf("%s: when is unknown: %q (on_success, on_failure, always, manual or delayed)", at, cj.when)
	}
	// Entry::Job#allow_failure: a manual job without rules may fail
	// (and so does not block the pipeline) unless it says otherwise.
	cj.allowFailure = cj.when == "manual"
	if j.AllowFailure != nil {
		cj.allowFailure = *j.AllowFailure
	}
	if j.Outcome != "" && j.Outcome != StatusSuccess && j.Outcome != StatusFailed {
		return ciJob{}, fmt.Errorf("%s: outcome %q is not success or failed", at, j.Outcome)
	}
	if j.RunDuration != "" {
		d, err := time.ParseDuration(j.RunDuration)
		if err != nil {
			return ciJob{}, fmt.Errorf("%s: run_duration: %w", at, err)
		}
		cj.duration = d
	}
	if err := validateArtifactFiles(JobSpec{Name: j.Name, Bridge: j.Bridge, ArtifactFiles: j.ArtifactFiles, ExpireIn: j.ExpireIn}); err != nil {
		return ciJob{}, fmt.Errorf("%s: %w", at, err)
	}
	if err := validateGuardKeywords(j); err != nil { // guards.go
		return ciJob{}, fmt.Errorf("%s: %w", at, err)
	}
	if err := validateJobInputSpecs(j.Inputs); err != nil {
		return ciJob{}, fmt.Errorf("%s: inputs: %w", at, err)
	}
	for _, pat := range append(slices.Clone(j.Only), j.Except...) {
		if _, err := refPattern(pat); err != nil {
			return ciJob{}, fmt.Errorf("%s: only/except %q: %w", at, pat, err)
		}
	}
	return cj, nil
}

// refPattern compiles one only/except entry: the keywords branches and
// tags, a /regexp/, or a ref's exact name.
func refPattern(p string) (func(ref string, tag bool) bool, error) {
	switch {
	case p == "branches":
		return func(_ string, tag bool) bool { return !tag }, nil
	case p == "tags":
		return func(_ string, tag bool) bool { return tag }, nil
	case len(p) >= 2 && strings.HasPrefix(p, "/") && strings.HasSuffix(p, "/"):
		re, err := regexp.Compile(p[1 : len(p)-1])
		if err != nil {
			return nil, err
		}
		return func(ref string, _ bool) bool { return re.MatchString(ref) }, nil
	case p == "":
		return nil, fmt.Errorf("empty")
	}
	return func(ref string, _ bool) bool { return ref == p }, nil
}

// runsFor says whether the job is part of a pipeline for ref
// (Gitlab::Ci::Build::Policy::Refs: only, when given, must match one entry;
// except must match none).
func (j ciJob) runsFor(ref string, tag bool) bool {
	match := func(list []string) bool {
		for _, p := range list {
			if f, err := refPattern(p); err == nil && f(ref, tag) {
				return true
			}
		}
		return false
	}
	if len(j.Only) > 0 && !match(j.Only) {
		return false
	}
	return !match(j.Except)
}

// SetCIConfig gives a project a CI configuration (replacing any); an
// invalid one is an error naming the job at fault.
func (s *Sim) SetCIConfig(projectID int64, c CIConfig) error {
	s.lock()
	defer s.mu.Unlock()
	return s.setCIConfig(projectID, c)
}

func (s *Sim) setCIConfig(projectID int64, c CIConfig) error {
	proj := s.projects[projectID]
	if proj == nil {
		return fmt.Errorf("no project %d", projectID)
	}
	cc, err := compileCIConfig(c)
	if err != nil {
		return err
	}
	if s.ci.configs == nil {
		s.ci.configs = map[int64]*ciConfig{}
	}
	s.ci.configs[projectID] = cc
	return nil
}
