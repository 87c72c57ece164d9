// Package schemacheck validates the simulator's responses against GitLab's
// own JSON schemas (spec/fixtures/api/schemas/public_api/v4, copied into
// gitlab/ with their sources in gitlab/SOURCES.md) and against the fields the
// Jobs API documentation's example responses show.
package schemacheck

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed extra/*.json
var extra embed.FS

// EnvDir, when set, names a folder of GitLab's schemas to use instead of the
// copy embedded from gitlab/ (see gitlab/SOURCES.md), e.g. newer versions
// from GitLab's spec/fixtures/api/schemas/public_api/v4.
const EnvDir = "GITLAB_API_SCHEMA_DIR"

//go:embed gitlab
var embedded embed.FS

// Default loads the schemas from $GITLAB_API_SCHEMA_DIR when it is set, else
// the copy of GitLab's schemas embedded in this package.
func Default() (*Checker, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return Load(d)
	}
	sub, err := fs.Sub(embedded, "gitlab")
	if err != nil {
		return nil, err
	}
	return LoadFS(sub, "embedded copy of GitLab's schemas")
}

// Checker validates responses by route.
type Checker struct {
	job, bridge, currentUser, allowedAgents, errorBody *jsonschema.Schema
	pipeline, pipelines, pipelineVariables             *jsonschema.Schema // pipelines.go
	project                                            *jsonschema.Schema // extra/project.json
}

// Load compiles GitLab's schemas from the folder dir and the package's own.
func Load(dir string) (*Checker, error) {
	return LoadFS(os.DirFS(dir), dir)
}

// LoadFS compiles GitLab's schemas from fsys (named where, for errors) and
// the package's own.
func LoadFS(fsys fs.FS, where string) (*Checker, error) {
	c := jsonschema.NewCompiler()
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		return addResource(c, "gitlab:///"+path, path, func(name string) ([]byte, error) { return fs.ReadFile(fsys, name) })
	})
	if err != nil {
		return nil, fmt.Errorf("loading GitLab's schemas from %s: %w", where, err)
	}
	for _, name := range []string{"error.json", "current_user.json", "bridge.json", "allowed_agents.json", "project.json"} {
		if err := addResource(c, "extra:///"+name, "extra/"+name, extra.ReadFile); err != nil {
			return nil, err
		}
	}
	if err := addResource(c, "extra:///pipeline_variables.json", "extra/pipeline_variables.json", extra.ReadFile); err != nil {
		return nil, err // pipelines.go
	}
	var ch Checker
	for url, dst := range map[string]**jsonschema.Schema{
		"gitlab:///job.json": &ch.job, "extra:///current_user.json": &ch.currentUser, "extra:///error.json": &ch.errorBody,
		"extra:///bridge.json": &ch.bridge, "extra:///allowed_agents.json": &ch.allowedAgents,
		"gitlab:///pipeline/detail.json": &ch.pipeline, "gitlab:///pipelines.json": &ch.pipelines,
		"extra:///pipeline_variables.json": &ch.pipelineVariables, "extra:///project.json": &ch.project,
	} {
		if *dst, err = c.Compile(url); err != nil {
			return nil, fmt.Errorf("compiling %s: %w", url, err)
		}
	}
	return &ch, nil
}

func addResource(c *jsonschema.Compiler, url, path string, read func(string) ([]byte, error)) error {
	b, err := read(path)
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return c.AddResource(url, doc)
}

// Check validates one response of a route ("GET /api/v4/projects/{id}/jobs/{job_id}").
func (c *Checker) Check(route string, status int, header http.Header, body []byte) error {
	if handled, err := c.checkArtifacts(route, status, header, body); handled { // artifacts.go
		return err
	}
	if status >= 400 {
		if err := wantJSON(header); err != nil {
			return err
		}
		return validate(c.errorBody, body)
	}
	if want, ok := actionStatus[route]; ok && status != want {
		return fmt.Errorf("%s answers %d on success, not %d (lib/api/ci/jobs.rb)", route, want, status)
	}
	if ok, err := c.checkPipelineRoute(route, status, header, body); ok {
		return err
	}
	if ok, err := c.checkGuardRoute(route, status, header, body); ok { // guards.go
		return err
	}
	if ok, err := c.checkDeploymentRoute(route, status, header, body); ok { // deployments.go
		return err
	}
	if ok, err := c.checkMemberRoute(route, status, header, body); ok { // members.go
		return err
	}
	switch route {
	case "POST /api/v4/projects/{id}/jobs/{job_id}/play":
		// A build is presented as Entities::Ci::Job, a bridge as Entities::Ci::Bridge.
		if err := wantJSON(header); err != nil {
			return err
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return fmt.Errorf("not a JSON object: %w", err)
		}
		if _, bridge := m["downstream_pipeline"]; bridge {
			return c.checkBridge(body)
		}
		return c.checkJob(body)
	case "GET /api/v4/projects/{id}/jobs/{job_id}", "GET /api/v4/job",
		"POST /api/v4/projects/{id}/jobs/{job_id}/cancel", "POST /api/v4/projects/{id}/jobs/{job_id}/retry",
		"POST /api/v4/projects/{id}/jobs/{job_id}/erase":
		// retry presents bridges as Entities::Ci::Job too.
		if err := wantJSON(header); err != nil {
			return err
		}
		return c.checkJob(body)
	case "GET /api/v4/projects/{id}/jobs/{job_id}/trace":
		if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			return fmt.Errorf("trace Content-Type %q, want text/plain", ct)
		}
		if cd := header.Get("Content-Disposition"); !strings.HasPrefix(cd, "infile; filename=") {
			return fmt.Errorf("trace Content-Disposition %q, want infile; filename=\"<id>.log\"", cd)
		}
		return nil
	case "GET /api/v4/projects/{id}/jobs", "GET /api/v4/projects/{id}/pipelines/{pipeline_id}/jobs":
		if err := wantJSON(header); err != nil {
			return err
		}
		return eachItem(body, c.checkJob)
	case "GET /api/v4/projects/{id}/pipelines/{pipeline_id}/bridges",
		"GET /api/v4/projects/{id}/pipelines/{pipeline_id}/trigger_jobs": // the same entity
		if err := wantJSON(header); err != nil {
			return err
		}
		return eachItem(body, func(item []byte) error { return c.checkBridge(item) })
	case "GET /api/v4/job/allowed_agents":
		if err := wantJSON(header); err != nil {
			return err
		}
		return validate(c.allowedAgents, body)
	case "GET /api/v4/projects/{id}", "PUT /api/v4/projects/{id}":
		if err := wantJSON(header); err != nil {
			return err
		}
		return validate(c.project, body)
	case "GET /api/v4/user":
		if err := wantJSON(header); err != nil {
			return err
		}
		return validate(c.currentUser, body)
	}
	return fmt.Errorf("no schema for a %d answer of %s: add one to schemacheck", status, route)
}

// actionStatus is the success status of each action endpoint: 201 (Grape's
// default for POST), but play sets 200.
var actionStatus = map[string]int{
	"POST /api/v4/projects/{id}/jobs/{job_id}/cancel": 201,
	"POST /api/v4/projects/{id}/jobs/{job_id}/retry":  201,
	"POST /api/v4/projects/{id}/jobs/{job_id}/erase":  201,
	"POST /api/v4/projects/{id}/jobs/{job_id}/play":   200,
}

// eachItem checks every element of a JSON array (GitLab validates lists as
// arrays of the item schema).
func eachItem(body []byte, check func([]byte) error) error {
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return fmt.Errorf("not a JSON array: %w", err)
	}
	var errs []error
	for i, item := range items {
		if err := check(item); err != nil {
			errs = append(errs, fmt.Errorf("[%d]: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// checkBridge validates a trigger job, with failure_reason handled as for jobs.
func (c *Checker) checkBridge(body []byte) error {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	var errs []error
	if _, has := m["failure_reason"]; has != (m["status"] == "failed") {
		errs = append(errs, fmt.Errorf("failure_reason present=%v for a %v bridge", has, m["status"]))
	}
	delete(m, "failure_reason")
	stripped, _ := json.Marshal(m)
	if err := validate(c.bridge, stripped); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func wantJSON(h http.Header) error {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return fmt.Errorf("Content-Type %q, want application/json", h.Get("Content-Type"))
	}
	return nil
}

func validate(s *jsonschema.Schema, body []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.Validate(inst)
}

// Fields every job response has in the Jobs API documentation's example of
// "Get a single job", with the nested objects' fields.
var (
	docJobFields      = []string{"commit", "coverage", "allow_failure", "created_at", "started_at", "finished_at", "erased_at", "duration", "queued_duration", "artifacts_expire_at", "tag_list", "id", "name", "pipeline", "ref", "artifacts", "runner", "stage", "status", "tag", "web_url", "project", "user", "archived"}
	docPipelineFields = []string{"id", "project_id", "ref", "sha", "status"}
	docCommitFields   = []string{"author_email", "author_name", "created_at", "id", "message", "short_id", "title"}
	docUserFields     = []string{"id", "name", "username", "state", "avatar_url", "web_url", "created_at", "bio", "location", "public_email", "skype", "linkedin", "twitter", "website_url", "organization"}
	docProjectFields  = []string{"ci_job_token_scope_enabled"}
)

// takeFailureReason checks a job entity's failure_reason, which GitLab sends
// only for failed jobs (and job.json's additionalProperties:false does not
// list), and removes it so the rest can be validated against the schema.
func takeFailureReason(m map[string]any) error {
	reason, hasReason := m["failure_reason"]
	delete(m, "failure_reason")
	switch {
	case m["status"] == "failed" && !hasReason:
		return errors.New("a failed job must have failure_reason")
	case m["status"] != "failed" && hasReason:
		return fmt.Errorf("failure_reason sent for a %v job; GitLab sends it only for failed jobs", m["status"])
	case hasReason:
		if _, ok := reason.(string); !ok {
			return fmt.Errorf("failure_reason is %T, want a string", reason)
		}
	}
	return nil
}

// checkJob validates a job against job.json and the documentation's fields.
// GitLab sends failure_reason only for failed jobs, which job.json's
// additionalProperties:false does not list: it is checked here and removed
// before validating against the schema.
func (c *Checker) checkJob(body []byte) error {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	var errs []error
	if err := takeFailureReason(m); err != nil {
		errs = append(errs, err)
	}
	if _, ok := m["artifacts_file"]; ok && !hasArchive(m["artifacts"]) {
		errs = append(errs, errors.New("artifacts_file without an archive artifact"))
	}
	if !hasArchive(m["artifacts"]) {
		// fine: GitLab omits artifacts_file then
	} else if _, ok := m["artifacts_file"]; !ok {
		errs = append(errs, errors.New("a job with an archive artifact must have artifacts_file"))
	}
	errs = append(errs, missing("job", m, docJobFields))
	for name, fields := range map[string][]string{"pipeline": docPipelineFields, "commit": docCommitFields, "user": docUserFields, "project": docProjectFields} {
		if sub, ok := m[name].(map[string]any); ok {
			errs = append(errs, missing(name, sub, fields))
		}
	}
	stripped, _ := json.Marshal(m)
	if err := validate(c.job, stripped); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func hasArchive(artifacts any) bool {
	list, _ := artifacts.([]any)
	return slices.ContainsFunc(list, func(a any) bool {
		m, _ := a.(map[string]any)
		return m["file_type"] == "archive"
	})
}

func missing(what string, m map[string]any, fields []string) error {
	var absent []string
	for _, f := range fields {
		if _, ok := m[f]; !ok {
			absent = append(absent, f)
		}
	}
	if len(absent) == 0 {
		return nil
	}
	return fmt.Errorf("%s lacks fields the documentation's example shows: %s", what, strings.Join(absent, ", "))
}
