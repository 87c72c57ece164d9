package schemacheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// The pipeline routes (lib/api/ci/pipelines.rb, lib/api/ci/triggers.rb):
// a created or read pipeline is Entities::Ci::Pipeline(WithMetadata),
// validated against GitLab's pipeline/detail.json (with
// status/ci_detailed_status.json), a list against pipelines.json, the
// variables against the checker's own pipeline_variables.json
// (Entities::Ci::Variable of a Ci::PipelineVariable).

// docPipelineDetailFields are the fields of the Pipelines API
// documentation's "Get a single pipeline" example.
var docPipelineDetailFields = []string{"id", "iid", "project_id", "name", "status", "ref", "sha", "before_sha", "tag",
	"yaml_errors", "user", "created_at", "updated_at", "started_at", "finished_at", "committed_at", "duration",
	"queued_duration", "coverage", "web_url", "detailed_status", "source"}

// checkPipelineRoute validates a pipeline route's success answer; ok says
// whether route is one of them.
func (c *Checker) checkPipelineRoute(route string, status int, header http.Header, body []byte) (bool, error) {
	var want int
	var check func() error
	switch route {
	case "POST /api/v4/projects/{id}/pipeline", "POST /api/v4/projects/{id}/trigger/pipeline":
		want, check = 201, func() error { return c.checkPipeline(body) }
	case "GET /api/v4/projects/{id}/pipelines/{pipeline_id}":
		want, check = 200, func() error { return c.checkPipeline(body) }
	case "GET /api/v4/projects/{id}/pipelines":
		want, check = 200, func() error { return validate(c.pipelines, body) }
	case "GET /api/v4/projects/{id}/pipelines/{pipeline_id}/variables":
		want, check = 200, func() error { return validate(c.pipelineVariables, body) }
	default:
		return false, nil
	}
	if status != want {
		return true, fmt.Errorf("%s answers %d on success, not %d", route, want, status)
	}
	if err := wantJSON(header); err != nil {
		return true, err
	}
	return true, check()
}

func (c *Checker) checkPipeline(body []byte) error {
	var errs []error
	if err := validate(c.pipeline, body); err != nil {
		errs = append(errs, err)
	}
	var m map[string]any
	if err := jsonUnmarshal(body, &m); err != nil {
		return err
	}
	errs = append(errs, missing("pipeline", m, docPipelineDetailFields))
	if st, _ := m["status"].(string); st != "" {
		ds, _ := m["detailed_status"].(map[string]any)
		if g, _ := ds["group"].(string); g != st && !(st == "success" && g == "success-with-warnings") {
			errs = append(errs, fmt.Errorf("detailed_status.group %q for status %q", g, st))
		}
		if u, _ := m["web_url"].(string); ds != nil && !strings.HasSuffix(u, fmt.Sprint(ds["details_path"])) {
			errs = append(errs, errors.New("detailed_status.details_path is not the path of web_url"))
		}
	}
	return errors.Join(errs...)
}

func jsonUnmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	return nil
}
