package gitlabclient

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// The Pipelines API (lib/api/ci/pipelines.rb): read one pipeline, list a
// project's pipelines, read a pipeline's variables, and create a pipeline.
//
// Creating a pipeline is a POST that GitLab does not deduplicate: sent
// twice, it runs the pipeline twice. It is never re-sent blindly (the retry
// transport only re-sends safe requests). A pipeline the provider creates
// carries a marker variable (RunMarkerKey: the intent's base value, and with
// inputs a salted HMAC of them; never a variable's value), so that after an
// ambiguous failure — a 5xx, a broken connection, a timeout — the client
// can look for the pipeline it may have created with one matcher
// (RunRequest.Owns: the same user, never unknown; the ref as GitLab stores
// it; the marker and inputs MAC; the same variable values, read back), used
// by FindRun over every candidate. Found: the POST was applied, and that
// pipeline is the answer. Not found after a failure that ended the request
// (500, 502, 503): it is sent again, at most maxResends times, each time
// looked for first. Not found after a failure that may leave the request
// still under way in GitLab (a 504, no answer): looked for once more after
// settleWait, then an *UnknownRunError (with the time it was sent), without
// sending again: the provider waits out GitLab's request time limit before
// deciding. Where GitLab forbids pipeline variables (RunRequest.NoMarker)
// nothing proves a pipeline is the request's: only "no pipeline of the user
// for the ref since the request" (Candidates) proves it was not created;
// any candidate leaves the outcome unknown and is named.

// RunMarkerKey is the pipeline variable the provider adds to every pipeline it
// creates, whose value identifies the intent (resource) that created it.
const RunMarkerKey = "GITLABJOBS_RUN_ID"

// Pipeline is GitLab's pipeline entity (Entities::Ci::Pipeline, or
// PipelineBasic in lists, where the detail fields are absent).
type Pipeline struct {
	ID             int64           `json:"id"`
	IID            int64           `json:"iid"`
	ProjectID      int64           `json:"project_id"`
	SHA            string          `json:"sha"`
	Ref            string          `json:"ref"`
	Status         string          `json:"status"`
	Source         string          `json:"source"`
	Name           *string         `json:"name"`
	WebURL         string          `json:"web_url"`
	CreatedAt      *time.Time      `json:"created_at"`
	UpdatedAt      *time.Time      `json:"updated_at"`
	BeforeSHA      string          `json:"before_sha"`
	Tag            bool            `json:"tag"`
	YAMLErrors     *string         `json:"yaml_errors"`
	User           *User           `json:"user"`
	StartedAt      *time.Time      `json:"started_at"`
	FinishedAt     *time.Time      `json:"finished_at"`
	CommittedAt    *time.Time      `json:"committed_at"`
	Duration       *float64        `json:"duration"`
	QueuedDuration *float64        `json:"queued_duration"`
	Coverage       *string         `json:"coverage"`
	DetailedStatus *DetailedStatus `json:"detailed_status"`
}

// DetailedStatus is a pipeline's presented status (DetailedStatusEntity).
type DetailedStatus struct {
	Icon  string `json:"icon"`
	Text  string `json:"text"`
	Label string `json:"label"`
	Group string `json:"group"`
}

// PipelineVariable is a variable of a pipeline (Ci::PipelineVariable).
type PipelineVariable struct {
	Key          string `json:"key"`
	Value        string `json:"value"`
	VariableType string `json:"variable_type"`
}

// Pipeline statuses (Ci::HasStatus, as Ci::Pipeline uses them).
const (
	PipelineSuccess  = "success"
	PipelineFailed   = "failed"
	PipelineCanceled = "canceled"
	PipelineSkipped  = "skipped"
	PipelineManual   = "manual"
)

// PipelineFinished reports whether a pipeline in status has completed
// (Ci::HasStatus::COMPLETED_STATUSES): it changes no more by itself.
func PipelineFinished(status string) bool {
	switch status {
	case PipelineSuccess, PipelineFailed, PipelineCanceled, PipelineSkipped:
		return true
	}
	return false
}

// GetPipeline is GET /projects/:id/pipelines/:pipeline_id.
func (c *Client) GetPipeline(ctx context.Context, project string, pipelineID int64) (*Pipeline, error) {
	path, err := pipelinePath(project, pipelineID, "")
	if err != nil {
		return nil, err
	}
	var p Pipeline
	if _, err := c.do(ctx, http.MethodGet, path, nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// GetPipelineVariables is GET /projects/:id/pipelines/:pipeline_id/variables
// (Developers, or the pipeline's user). Values are secret: never logged.
func (c *Client) GetPipelineVariables(ctx context.Context, project string, pipelineID int64) ([]PipelineVariable, error) {
	path, err := pipelinePath(project, pipelineID, "/variables")
	if err != nil {
		return nil, err
	}
	var vars []PipelineVariable
	if _, err := c.do(ctx, http.MethodGet, path, nil, &vars); err != nil {
		return nil, err
	}
	return vars, nil
}

// PipelineFilter is the query of GET /projects/:id/pipelines.
type PipelineFilter struct {
	Ref      string `url:"ref,omitempty"`
	Status   string `url:"status,omitempty"`
	Source   string `url:"source,omitempty"`
	Username string `url:"username,omitempty"`
	SHA      string `url:"sha,omitempty"`
	OrderBy  string `url:"order_by,omitempty"` // id (default), status, ref, updated_at, user_id
	Sort     string `url:"sort,omitempty"`     // desc (default) or asc
	PerPage  int    `url:"per_page,omitempty"`
	Page     int    `url:"page,omitempty"`
}

// ListPipelines is one page of GET /projects/:id/pipelines, and whether
// another follows.
func (c *Client) ListPipelines(ctx context.Context, project string, f PipelineFilter) ([]*Pipeline, bool, error) {
	p, err := ParseProject(project)
	if err != nil {
		return nil, false, err
	}
	if f.PerPage == 0 {
		f.PerPage = perPage
	}
	var list []*Pipeline
	resp, err := c.do(ctx, http.MethodGet, "projects/"+p.Escaped()+"/pipelines", &f, &list)
	if err != nil {
		return nil, false, err
	}
	return list, resp.NextPage != 0, nil
}

// LatestPipeline is the newest pipeline (highest ID) of ref in status
// (either may be empty: any), or nil when there is none.
func (c *Client) LatestPipeline(ctx context.Context, project, ref, status string) (*Pipeline, error) {
	list, _, err := c.ListPipelines(ctx, project, PipelineFilter{Ref: ref, Status: status, OrderBy: "id", Sort: "desc", PerPage: 1})
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return c.GetPipeline(ctx, project, list[0].ID)
}

// RunRequest is a pipeline to create, and what a pipeline must hold to be
// the one it created (Owns).
type RunRequest struct {
	Ref       string
	Variables []Variable // the user's; the marker is added
	// Inputs are the pipeline's inputs (the CI configuration's spec:inputs):
	// JSON values (string, float64, bool, []any). Nil or empty: none.
	Inputs map[string]any
	// NoMarker sends the pipeline with no variable at all (neither the
	// user's nor the marker): for a project where GitLab forbids pipeline
	// variables to the token's user. Such a pipeline cannot be recognized
	// by its variables: after an ambiguous failure only the pipelines the
	// user created for the ref since the request (Candidates) tell.
	NoMarker bool
	// Marker is RunMarkerKey's base value: unique to the intent's ref,
	// variable names and triggers (never a value), so the pipeline can be
	// found again (FindRun). With inputs, the value sent is
	// Marker.<salt>.<HMAC-SHA256(salt, inputs)>: a random salt per request,
	// so what GitLab shows proves the inputs without revealing them.
	Marker string
}

// markerSep separates a marker's base, salt and MAC.
const markerSep = "."

// canonicalInputs is the inputs as compared: JSON with sorted keys.
func canonicalInputs(inputs map[string]any) ([]byte, error) {
	if len(inputs) == 0 {
		return nil, nil
	}
	return json.Marshal(inputs)
}

// inputsMAC is hex(HMAC-SHA256(salt, canonical inputs)).
func inputsMAC(salt string, canonical []byte) string {
	m := hmac.New(sha256.New, []byte(salt))
	m.Write(canonical)
	return hex.EncodeToString(m.Sum(nil))
}

// markerValue is the RunMarkerKey value a request sends: Marker alone
// without inputs, else Marker.<salt>.<MAC> with a new random salt.
func (r RunRequest) markerValue() (string, error) {
	canonical, err := canonicalInputs(r.Inputs)
	if err != nil || canonical == nil {
		return r.Marker, err
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	salt := hex.EncodeToString(b)
	return r.Marker + markerSep + salt + markerSep + inputsMAC(salt, canonical), nil
}

// Owns reports whether pipeline p, whose variables are vars, is one this
// request created, as far as GitLab shows it: created by username (never
// empty: a pipeline of unknown user is nobody's), for the same ref as GitLab
// stores it (refs/heads/main is main), with the request's marker, the same
// user variables (names and values) and the same inputs (the marker's MAC).
// The one matcher of every look: before creating, and after a failed POST.
func (r RunRequest) Owns(p *Pipeline, vars []PipelineVariable, username string) bool {
	if username == "" || p == nil || p.User == nil || p.User.Username != username || p.Ref != NormalRef(r.Ref) {
		return false
	}
	if !r.markerMatches(MarkerOf(vars)) {
		return false
	}
	want := map[string]string{}
	for _, v := range r.Variables {
		want[v.Key] = v.Value
	}
	return maps.Equal(UserVariables(vars), want)
}

// markerMatches reports whether a pipeline's marker value is this request's.
func (r RunRequest) markerMatches(got string) bool {
	if r.Marker == "" {
		return false
	}
	canonical, err := canonicalInputs(r.Inputs)
	if err != nil {
		return false
	}
	if canonical == nil {
		return got == r.Marker
	}
	base, rest, ok := strings.Cut(got, markerSep)
	if !ok || base != r.Marker {
		return false
	}
	salt, mac, ok := strings.Cut(rest, markerSep)
	return ok && hmac.Equal([]byte(mac), []byte(inputsMAC(salt, canonical)))
}

// MarkerBase is a marker value without its inputs part (salt and MAC).
func MarkerBase(value string) string {
	base, _, _ := strings.Cut(value, markerSep)
	return base
}

type createPipelineBody struct {
	Ref       string                   `json:"ref"`
	Variables []createPipelineVariable `json:"variables,omitempty"`
	Inputs    map[string]any           `json:"inputs,omitempty"`
}

type createPipelineVariable struct {
	Key          string `json:"key"`
	Value        string `json:"value"`
	VariableType string `json:"variable_type"`
}

// ErrUserUnknown is FindRun's and CreatePipeline's error when the token's
// user is not known: no pipeline can be proved to be this run's.
var ErrUserUnknown = errors.New("the token's user is not known (GET /user), so no pipeline can be proved to be this run's")

// FindRun looks for the pipeline req created: among the pipelines of its
// ref (as GitLab stores it) created through the API (source api) by
// username (required: ErrUserUnknown without it; GitLab lets a Developer
// read the variables of their own pipelines only, so a refusal is an error,
// never taken as "not found") at or after since (zero: any time; GitLab's
// clock), newest first, the first that req Owns — every candidate is
// checked, not only the newest. It reads at most maxPages pages of the
// list. It returns nil when there is none.
func (c *Client) FindRun(ctx context.Context, project string, req RunRequest, username string, since time.Time) (*Pipeline, error) {
	const maxPages = 5
	if username == "" {
		return nil, ErrUserUnknown
	}
	ref := NormalRef(req.Ref)
	for page := 1; page <= maxPages; page++ {
		list, more, err := c.ListPipelines(ctx, project, PipelineFilter{Ref: ref, Source: "api", Username: username, OrderBy: "id", Sort: "desc", Page: page})
		if err != nil {
			return nil, fmt.Errorf("listing the pipelines of %s: %w", ref, err)
		}
		for _, p := range list {
			if !since.IsZero() && p.CreatedAt != nil && p.CreatedAt.Before(since) {
				return nil, nil // older than the run: the rest are older still
			}
			vars, err := c.GetPipelineVariables(ctx, project, p.ID)
			if err != nil {
				return nil, fmt.Errorf("reading the variables of pipeline %d: %w", p.ID, err)
			}
			if !req.markerMatches(MarkerOf(vars)) {
				continue
			}
			full, err := c.GetPipeline(ctx, project, p.ID)
			if err != nil {
				return nil, err
			}
			if req.Owns(full, vars, username) {
				return full, nil
			}
		}
		if !more {
			return nil, nil
		}
	}
	return nil, nil
}

// CreatePipeline is POST /projects/:id/pipeline with the request's
// variables and marker, sent at most once per proof that it was not applied
// (see the top of this file). username is the token's user (for FindRun).
func (c *Client) CreatePipeline(ctx context.Context, project string, req RunRequest, username string) (*Pipeline, error) {
	p, err := ParseProject(project)
	if err != nil {
		return nil, err
	}
	if req.Marker == "" && !req.NoMarker {
		return nil, errors.New("a pipeline run needs a marker")
	}
	if req.NoMarker && len(req.Variables) > 0 {
		return nil, errors.New("a pipeline run without a marker has no variables")
	}
	if username == "" {
		return nil, ErrUserUnknown
	}
	body := createPipelineBody{Ref: req.Ref, Inputs: req.Inputs}
	for _, v := range req.Variables {
		if v.Key == RunMarkerKey {
			return nil, fmt.Errorf("the variable %s is the provider's own", RunMarkerKey)
		}
		body.Variables = append(body.Variables, createPipelineVariable{Key: v.Key, Value: v.Value, VariableType: "env_var"})
	}
	if !req.NoMarker {
		marker, err := req.markerValue()
		if err != nil {
			return nil, err
		}
		body.Variables = append(body.Variables, createPipelineVariable{Key: RunMarkerKey, Value: marker, VariableType: "env_var"})
	}
	started := time.Now()
	path := "projects/" + p.Escaped() + "/pipeline"
	fields := map[string]any{"action": "create pipeline", "ref": req.Ref}
	var candidates []*Pipeline
	unknown := func(cause, err error) error {
		return &UnknownRunError{Project: p.String(), Ref: req.Ref, Marker: req.Marker, Cause: cause, Err: err,
			Sent: started, Candidates: candidates}
	}
	find := func() (*Pipeline, error) {
		if req.NoMarker {
			// Nothing proves a pipeline is this request's: none since the
			// request proves it was not created; any is a candidate.
			list, err := c.Candidates(ctx, p.String(), req.Ref, username, started)
			if err != nil {
				return nil, readFailed(err)
			}
			candidates = list
			return nil, nil
		}
		found, err := c.FindRun(ctx, p.String(), req, username, time.Time{})
		if err != nil {
			return nil, readFailed(err)
		}
		return found, nil
	}
	for sent := 1; ; sent++ {
		var out Pipeline
		_, err := c.do(ctx, http.MethodPost, path, &body, &out)
		if err == nil {
			return &out, nil
		}
		if !fateUnknown(err) {
			return nil, err // GitLab refused it (4xx), or it never reached GitLab
		}
		if ctx.Err() != nil {
			return nil, unknown(err, fmt.Errorf("the pipelines were not looked at because the operation ended (%w)", ctx.Err()))
		}
		found, ferr := find()
		if ferr == nil && found == nil && mayBeUnderWay(err) {
			wait := c.settleWait()
			tflog.Warn(ctx, fmt.Sprintf("creating a pipeline for %s got %s; none found yet; looking again in %s", req.Ref, failure(err), wait), fields)
			if c.sleep(ctx, wait) != nil {
				return nil, unknown(err, fmt.Errorf("the pipelines were not looked at again because the operation ended (%w)", ctx.Err()))
			}
			found, ferr = find()
		}
		switch {
		case ferr != nil:
			return nil, unknown(err, ferr)
		case len(candidates) > 0:
			return nil, unknown(err, fmt.Errorf("without a marker, GitLab's pipelines cannot tell whether one of %s is this request's", pipelineIDs(candidates)))
		case found != nil:
			tflog.Warn(ctx, fmt.Sprintf("creating a pipeline for %s got %s; pipeline %d was created by it", req.Ref, failure(err), found.ID), fields)
			return found, nil
		case mayBeUnderWay(err):
			return nil, unknown(err, errors.New("no pipeline of this run (its marker, ref, user, variables and inputs) was found yet, and the request may still be under way in GitLab"))
		case sent > maxResends:
			return nil, fmt.Errorf("the pipeline for %s was not created: %d attempts failed, the last with %w", req.Ref, sent, err)
		}
		tflog.Warn(ctx, fmt.Sprintf("creating a pipeline for %s got %s; no pipeline was created; sending it again", req.Ref, failure(err)), fields)
	}
}

// UnknownRunError is returned by CreatePipeline when the POST may or may
// not have created a pipeline and looking for it could not settle it.
type UnknownRunError struct {
	Project, Ref, Marker string
	Cause                error // the failure that left the outcome open
	Err                  error // why looking did not settle it
	// Sent is when the first request was sent (the client's clock).
	Sent time.Time
	// Candidates are, without a marker, the pipelines the user created for
	// the ref since then, any of which may be the request's.
	Candidates []*Pipeline
}

func (e *UnknownRunError) Error() string {
	carries := fmt.Sprintf(" (a pipeline it created carries the variable %s=%s...)", RunMarkerKey, e.Marker)
	if e.Marker == "" {
		carries = ""
	}
	return fmt.Sprintf("creating a pipeline for %s in project %s may or may not have worked: %v, and %v; the provider did not "+
		"send it again, so that it cannot run twice%s", e.Ref, e.Project, e.Cause, e.Err, carries)
}

// pipelineIDs names pipelines for a message: "pipelines 4, 7".
func pipelineIDs(list []*Pipeline) string {
	ids := make([]string, len(list))
	for i, p := range list {
		ids[i] = fmt.Sprint(p.ID)
	}
	if len(ids) == 1 {
		return "pipeline " + ids[0]
	}
	return "pipelines " + strings.Join(ids, ", ")
}

// clockSkew is how far GitLab's clock (a pipeline's created_at) may be
// behind the client's when Candidates compares them.
const clockSkew = time.Minute

// Candidates are the pipelines of ref (as GitLab stores it) that username
// created through the API (source api) at or after since, less clockSkew,
// newest first (at most one page): without a marker, the pipelines a
// request sent at since may have created.
func (c *Client) Candidates(ctx context.Context, project, ref, username string, since time.Time) ([]*Pipeline, error) {
	if username == "" {
		return nil, ErrUserUnknown
	}
	list, _, err := c.ListPipelines(ctx, project, PipelineFilter{Ref: NormalRef(ref), Source: "api", Username: username, OrderBy: "id", Sort: "desc"})
	if err != nil {
		return nil, fmt.Errorf("listing the pipelines of %s: %w", NormalRef(ref), err)
	}
	var out []*Pipeline
	for _, p := range list {
		if p.CreatedAt == nil || !p.CreatedAt.Before(since.Add(-clockSkew)) {
			out = append(out, p)
		}
	}
	return out, nil
}

// PipelineVariablesForbidden reports whether GitLab refused a pipeline
// creation because the user may not set pipeline variables
// (Gitlab::Ci::Pipeline::Chain::Build's "Insufficient permissions to set
// pipeline variables": the project's ci_pipeline_variables_minimum_override_role
// is above the user's role, or no_one_allowed). The pipeline was not created.
func PipelineVariablesForbidden(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest &&
		strings.Contains(apiErr.Message, "Insufficient permissions to set pipeline variables")
}

// Unwrap gives both errors to errors.Is and errors.As.
func (e *UnknownRunError) Unwrap() []error { return []error{e.Err, e.Cause} }

// UserVariables are a pipeline's variables but the marker, by key.
func UserVariables(vars []PipelineVariable) map[string]string {
	out := map[string]string{}
	for _, v := range vars {
		if v.Key != RunMarkerKey {
			out[v.Key] = v.Value
		}
	}
	return out
}

// MarkerOf is the marker among a pipeline's variables, or "".
func MarkerOf(vars []PipelineVariable) string {
	for _, v := range vars {
		if v.Key == RunMarkerKey {
			return v.Value
		}
	}
	return ""
}

// NormalRef is a ref as GitLab stores it on the pipeline (without refs/heads/ or refs/tags/).
func NormalRef(ref string) string {
	return strings.TrimPrefix(strings.TrimPrefix(ref, "refs/heads/"), "refs/tags/")
}
