package gitlabsim

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// The seed file: users with tokens, projects with members and pipelines, in
// JSON. Users are named by username.

//go:embed seed/demo.json
var demoFixture []byte

// DemoFixture is the seed of `make demo` and `make sim`: a release pipeline
// in demo-group/platform/deploy-service with fixed IDs and a fixed token.
// The tag v1.4.0 was pushed with main's commit of pipeline 903, and GitLab
// created both pipelines at once: the tag's pipeline 904 got its jobs
// (1009-1010) before 903 did. 904 succeeded, so its build 1009 is where the
// release's artifacts are read by ref (main's latest successful pipeline,
// 901, has an erased build). The highest seeded job ID is 1014, so the
// first job the simulator creates (the demo's retry) is 1015.
func DemoFixture() []byte { return demoFixture }

type fixture struct {
	Users []struct {
		Username string `json:"username"`
		Name     string `json:"name"`
		Email    string `json:"email"`
		Admin    bool   `json:"admin"`
		Bot      bool   `json:"bot"`
		Tokens   []struct {
			Value     string     `json:"value"`
			Name      string     `json:"name"`
			Scopes    []string   `json:"scopes"`
			ExpiresAt *time.Time `json:"expires_at"`
		} `json:"tokens"`
	} `json:"users"`
	Groups   []fixtureGroup `json:"groups"` // groups and their members (groups.go, members.go)
	Projects []struct {
		Path                   string `json:"path"`
		Name                   string `json:"name"`
		Visibility             string `json:"visibility"`
		Archived               bool   `json:"archived"`
		CIJobTokenScopeEnabled bool   `json:"ci_job_token_scope_enabled"`
		// The pipeline-variables settings (projects.go); GitLab.com's default
		// for new projects is true with "no_one_allowed".
		RestrictUserDefinedVariables bool           `json:"restrict_user_defined_variables"`
		PipelineVariablesRole        string         `json:"ci_pipeline_variables_minimum_override_role"`
		Members                      map[string]int `json:"members"`
		SharedWithGroups             []struct {
			Group       string `json:"group"` // a group's full path
			GroupAccess int    `json:"group_access"`
		} `json:"shared_with_groups"` // project_group_links (members.go)
		CI            *CIConfig         `json:"ci"` // its CI configuration and refs (ciconfig.go)
		Pipelines     []fixturePipeline `json:"pipelines"`
		TriggerTokens []struct {
			Value string `json:"value"`
			Owner string `json:"owner"` // a username
		} `json:"trigger_tokens"` // pipeline trigger tokens (triggers.go)
		fixtureGuards // protected refs and environments, resource groups (fixture_guards.go)
	} `json:"projects"`
}

// fixtureGroup is a seeded group: its full path (its parents are
// created as needed), name, visibility and direct members by username.
type fixtureGroup struct {
	Path       string         `json:"path"`
	Name       string         `json:"name"`
	Visibility string         `json:"visibility"`
	Members    map[string]int `json:"members"`
}

// loadGroups creates the seed's groups with their members, in order (a
// parent's members before a subgroup's, for the inherited level check).
func (s *Sim) loadGroups(groups []fixtureGroup, users map[string]int64) error {
	for i, fg := range groups {
		created, err := s.createGroup(GroupSpec{Path: fg.Path, Name: fg.Name, Visibility: fg.Visibility})
		if err != nil {
			return fmt.Errorf("seed: groups[%d]: %w", i, err)
		}
		g := s.groups.byID[created.ID]
		names := slices.Sorted(maps.Keys(fg.Members))
		for _, name := range names {
			id, ok := users[name]
			if !ok {
				return fmt.Errorf("seed: groups[%d].members: unknown user %q", i, name)
			}
			if msg := memberInvalid(g, id, fg.Members[name]); msg != "" {
				return fmt.Errorf("seed: groups[%d].members[%q]: access level %d %s", i, name, fg.Members[name], msg)
			}
			s.addGroupMember(g, id, fg.Members[name], 0)
		}
	}
	return nil
}

type fixturePipeline struct {
	ID        int64        `json:"id"`
	Ref       string       `json:"ref"`
	SHA       string       `json:"sha"`
	Tag       bool         `json:"tag"`
	Source    string       `json:"source"`
	User      string       `json:"user"`
	CreatedAt *time.Time   `json:"created_at"`
	Jobs      []fixtureJob `json:"jobs"`
}

type fixtureJob struct {
	ID                int64          `json:"id"`
	Name              string         `json:"name"`
	Stage             string         `json:"stage"`
	Status            string         `json:"status"`
	AllowFailure      bool           `json:"allow_failure"`
	Tags              []string       `json:"tags"`
	Coverage          *float64       `json:"coverage"`
	FailureReason     string         `json:"failure_reason"`
	Log               string         `json:"log"`
	Artifacts         []ArtifactSpec `json:"artifacts"`
	ArtifactsExpireAt *time.Time     `json:"artifacts_expire_at"`
	StartedAt         *time.Time     `json:"started_at"`
	FinishedAt        *time.Time     `json:"finished_at"`
	ErasedAt          *time.Time     `json:"erased_at"`
	QueuedDuration    *float64       `json:"queued_duration"`
	When              string         `json:"when"`
	// A bridge (trigger job) and the pipeline it triggered, by ID: a
	// pipeline of this seed, in any project, listed before or after it.
	Bridge             bool  `json:"bridge"`
	DownstreamPipeline int64 `json:"downstream_pipeline_id"`
	// Token fixes the job's CI job token (default a random glcbt- value),
	// so a configuration can name the token of a seeded running job.
	Token string `json:"token"`
	// The runner's script (JobSpec): run_duration is a Go duration ("5s").
	RunDuration string `json:"run_duration"`
	Outcome     string `json:"outcome"`
	LogOnRun    string `json:"log_on_run"`
	Stuck       bool   `json:"stuck"`

	// The archive's files and artifacts:expire_in (artifacts_zip.go).
	ArtifactFiles []ArtifactFileSpec `json:"artifact_files"`
	ExpireIn      string             `json:"expire_in"`
}

// LoadFixture adds the users, tokens, projects and pipelines of a JSON seed.
// Errors name the entry at fault; nothing is added from a bad seed's later entries.
func (s *Sim) LoadFixture(r io.Reader) error {
	var f fixture
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	users := map[string]int64{}
	for i, u := range f.Users {
		if u.Username == "" {
			return fmt.Errorf("seed: users[%d].username is required", i)
		}
		created := s.CreateUser(UserSpec{Username: u.Username, Name: u.Name, Email: u.Email, Admin: u.Admin, Bot: u.Bot})
		users[u.Username] = created.ID
		for _, t := range u.Tokens {
			s.CreatePersonalAccessToken(created.ID, TokenSpec{Value: t.Value, Name: t.Name, Scopes: t.Scopes, ExpiresAt: t.ExpiresAt})
		}
	}
	s.lock()
	defer s.mu.Unlock()
	if err := s.loadGroups(f.Groups, users); err != nil {
		return err
	}
	var downstream []downstreamRef
	for i, p := range f.Projects {
		members := map[int64]int{}
		for name, level := range p.Members {
			id, ok := users[name]
			if !ok {
				return fmt.Errorf("seed: projects[%d].members: unknown user %q", i, name)
			}
			members[id] = level
		}
		proj, err := s.createProject(ProjectSpec{Path: p.Path, Name: p.Name, Visibility: p.Visibility, Members: members,
			Archived: p.Archived, CIJobTokenScopeEnabled: p.CIJobTokenScopeEnabled,
			RestrictUserDefinedVariables: p.RestrictUserDefinedVariables, PipelineVariablesMinimumOverrideRole: p.PipelineVariablesRole})
		if err != nil {
			return fmt.Errorf("seed: projects[%d].path: %w", i, err)
		}
		for k, sh := range p.SharedWithGroups {
			g := s.groups.byPath[strings.ToLower(sh.Group)]
			if g == nil {
				return fmt.Errorf("seed: projects[%d].shared_with_groups[%d]: unknown group %q", i, k, sh.Group)
			}
			if _, err := s.shareProject(s.projects[proj.ID], g, sh.GroupAccess, nil); err != nil {
				return fmt.Errorf("seed: projects[%d].shared_with_groups[%d]: %w", i, k, err)
			}
		}
		if p.CI != nil {
			if err := s.setCIConfig(proj.ID, *p.CI); err != nil {
				return fmt.Errorf("seed: projects[%d].ci: %w", i, err)
			}
		}
		if err := s.loadGuards(proj.ID, p.fixtureGuards, users, fmt.Sprintf("seed: projects[%d]", i)); err != nil {
			return err
		}
		for k, tt := range p.TriggerTokens {
			if _, ok := users[tt.Owner]; !ok || tt.Value == "" {
				return fmt.Errorf("seed: projects[%d].trigger_tokens[%d]: a value and the username of an owner are required", i, k)
			}
			s.addTriggerToken(proj.ID, users[tt.Owner], tt.Value)
		}
		for k, pl := range p.Pipelines {
			at := fmt.Sprintf("seed: projects[%d].pipelines[%d]", i, k)
			spec, refs, err := pl.spec(users, at)
			if err != nil {
				return err
			}
			downstream = append(downstream, refs...)
			if _, err := s.createPipeline(proj.ID, spec); err != nil {
				return fmt.Errorf("%s: %w", at, err)
			}
		}
	}
	for _, d := range downstream {
		if s.pipelines[d.id] == nil {
			return fmt.Errorf("%s.downstream_pipeline_id: no pipeline %d in the seed", d.at, d.id)
		}
	}
	return nil
}

// spec is the PipelineSpec of a seed pipeline, with the downstream
// pipelines its bridges name (checked once the whole seed is loaded); at
// names it in errors.
func (pl fixturePipeline) spec(users map[string]int64, at string) (PipelineSpec, []downstreamRef, error) {
	spec := PipelineSpec{ID: pl.ID, Ref: pl.Ref, SHA: pl.SHA, Tag: pl.Tag, Source: pl.Source, CreatedAt: pl.CreatedAt}
	if pl.User != "" {
		id, ok := users[pl.User]
		if !ok {
			return PipelineSpec{}, nil, fmt.Errorf("%s.user: unknown user %q", at, pl.User)
		}
		spec.UserID = id
	}
	var downstream []downstreamRef
	for n, j := range pl.Jobs {
		jobAt := fmt.Sprintf("%s.jobs[%d]", at, n)
		js, err := j.spec(jobAt)
		if err != nil {
			return PipelineSpec{}, nil, err
		}
		if j.DownstreamPipeline != 0 {
			downstream = append(downstream, downstreamRef{jobAt, j.DownstreamPipeline})
		}
		spec.Jobs = append(spec.Jobs, js)
	}
	return spec, downstream, nil
}

// spec is the JobSpec of a seed job; at names it in errors.
func (j fixtureJob) spec(at string) (JobSpec, error) {
	var run time.Duration
	if j.RunDuration != "" {
		d, err := time.ParseDuration(j.RunDuration)
		if err != nil {
			return JobSpec{}, fmt.Errorf("%s.run_duration: %w", at, err)
		}
		run = d
	}
	if j.DownstreamPipeline != 0 && !j.Bridge {
		return JobSpec{}, fmt.Errorf("%s.downstream_pipeline_id: only a bridge (\"bridge\": true) triggers a downstream pipeline", at)
	}
	return JobSpec{
		ID: j.ID, Name: j.Name, Stage: j.Stage, Status: j.Status, AllowFailure: j.AllowFailure, Tags: j.Tags,
		Coverage: j.Coverage, FailureReason: j.FailureReason, Log: j.Log, Artifacts: j.Artifacts,
		ArtifactsExpireAt: j.ArtifactsExpireAt, StartedAt: j.StartedAt, FinishedAt: j.FinishedAt,
		ErasedAt: j.ErasedAt, QueuedDuration: j.QueuedDuration, When: j.When,
		RunDuration: run, Outcome: j.Outcome, LogOnRun: j.LogOnRun, Stuck: j.Stuck,
		Bridge: j.Bridge, DownstreamPipelineID: j.DownstreamPipeline, Token: j.Token,
		ArtifactFiles: j.ArtifactFiles, ExpireIn: j.ExpireIn,
	}, nil
}

type downstreamRef struct {
	at string
	id int64
}

// AdminToken is the first token of the first admin user (what the standalone
// simulator prints), or "".
func (s *Sim) AdminToken() string {
	s.lock()
	defer s.mu.Unlock()
	var best *token
	for _, t := range s.tokens {
		u := s.users[t.userID]
		if t.kind != personalToken || u == nil || !u.admin || t.revoked {
			continue
		}
		if best == nil || t.userID < best.userID || t.userID == best.userID && t.value < best.value {
			best = t
		}
	}
	if best == nil {
		return ""
	}
	return best.value
}

// RunningJobToken is the CI job token of a running job, as the standalone
// simulator prints them.
type RunningJobToken struct {
	JobID   int64
	Project string // path with namespace
	Name    string
	Token   string
}

// RunningJobTokens lists the CI job tokens of the running jobs (builds, not
// bridges), by job ID: the tokens GitLab accepts now.
func (s *Sim) RunningJobTokens() []RunningJobToken {
	s.lock()
	defer s.mu.Unlock()
	var out []RunningJobToken
	for _, j := range s.jobs {
		if j.status == StatusRunning && !j.bridge {
			out = append(out, RunningJobToken{JobID: j.id, Project: s.projects[j.projectID].path, Name: j.name, Token: j.token})
		}
	}
	slices.SortFunc(out, func(a, b RunningJobToken) int { return cmp.Compare(a.JobID, b.JobID) })
	return out
}

// UserToken is a user's personal access token with the user's role, as
// the standalone simulator prints them: role is "admin" for an
// administrator, else the user's highest role in a project (owner,
// maintainer, developer, reporter, planner, guest), or "none".
type UserToken struct {
	Username string
	Role     string
	Token    string
}

// UserTokens lists the personal access tokens of the users (neither
// revoked nor expired), by user ID and token.
func (s *Sim) UserTokens() []UserToken {
	s.lock()
	defer s.mu.Unlock()
	type row struct {
		id int64
		UserToken
	}
	var rows []row
	now := s.opts.Now()
	for _, t := range s.tokens {
		u := s.users[t.userID]
		if t.kind != personalToken || u == nil || t.revoked || t.expiresAt != nil && !now.Before(*t.expiresAt) {
			continue
		}
		rows = append(rows, row{u.id, UserToken{Username: u.username, Role: s.roleName(u), Token: t.value}})
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.Token, b.Token)) })
	out := make([]UserToken, len(rows))
	for i, r := range rows {
		out[i] = r.UserToken
	}
	return out
}

func (s *Sim) roleName(u *user) string {
	if u.admin {
		return "admin"
	}
	best := 0
	for _, p := range s.projects {
		best = max(best, p.access(u.id))
	}
	switch {
	case best >= OwnerAccess:
		return "owner"
	case best >= MaintainerAccess:
		return "maintainer"
	case best >= DeveloperAccess:
		return "developer"
	case best >= ReporterAccess:
		return "reporter"
	case best >= PlannerAccess:
		return "planner"
	case best >= GuestAccess:
		return "guest"
	}
	return "none"
}
