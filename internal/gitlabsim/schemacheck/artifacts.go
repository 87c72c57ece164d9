package schemacheck

import (
	"fmt"
	"net/http"
	"strings"
)

// The Job Artifacts API (lib/api/ci/job_artifacts.rb; files are sent by
// Workhorse): archives as application/octet-stream attachments named
// artifacts.zip, one file of an archive as an attachment named after it
// (Workhorse answers a path missing from the archive with its plain
// "404 page not found"), keep with the job (200), delete with 204.
var (
	artifactArchiveRoutes = map[string]bool{
		"GET /api/v4/projects/{id}/jobs/{job_id}/artifacts":            true,
		"GET /api/v4/projects/{id}/jobs/artifacts/{ref_name}/download": true,
	}
	artifactFileRoutes = map[string]bool{
		"GET /api/v4/projects/{id}/jobs/{job_id}/artifacts/{artifact_path...}":       true,
		"GET /api/v4/projects/{id}/jobs/artifacts/{ref_name}/raw/{artifact_path...}": true,
	}
)

const (
	artifactsKeepRoute   = "POST /api/v4/projects/{id}/jobs/{job_id}/artifacts/keep"
	artifactsDeleteRoute = "DELETE /api/v4/projects/{id}/jobs/{job_id}/artifacts"
)

// checkArtifacts checks an answer of an artifacts route; handled is false
// for other routes.
func (c *Checker) checkArtifacts(route string, status int, header http.Header, body []byte) (handled bool, err error) {
	switch {
	case artifactFileRoutes[route] && status == http.StatusNotFound && strings.HasPrefix(header.Get("Content-Type"), "text/plain"):
		if string(body) != "404 page not found\n" {
			return true, fmt.Errorf("the 404 body (Workhorse's) is %q, want \"404 page not found\\n\"", body)
		}
		return true, nil
	case status >= 400:
		return false, nil
	case artifactArchiveRoutes[route]:
		if status != http.StatusOK {
			return true, fmt.Errorf("%s answers 200, not %d", route, status)
		}
		if ct := header.Get("Content-Type"); ct != "application/octet-stream" {
			return true, fmt.Errorf("archive Content-Type %q, want application/octet-stream", ct)
		}
		if cd := header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="`) {
			return true, fmt.Errorf("archive Content-Disposition %q, want it to start with attachment; filename=", cd)
		}
		if te := header.Get("Content-Transfer-Encoding"); te != "binary" {
			return true, fmt.Errorf("archive Content-Transfer-Encoding %q, want binary", te)
		}
		return true, nil
	case artifactFileRoutes[route]:
		if status != http.StatusOK {
			return true, fmt.Errorf("%s answers 200, not %d", route, status)
		}
		if cd := header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="`) {
			return true, fmt.Errorf("artifact file Content-Disposition %q, want it to start with attachment; filename=", cd)
		}
		if header.Get("Content-Type") == "" {
			return true, fmt.Errorf("artifact file without a Content-Type")
		}
		return true, nil
	case route == artifactsKeepRoute:
		if status != http.StatusOK {
			return true, fmt.Errorf("%s answers 200 (status 200 in the endpoint), not %d", route, status)
		}
		if err := wantJSON(header); err != nil {
			return true, err
		}
		return true, c.checkJob(body)
	case route == artifactsDeleteRoute:
		if status != http.StatusNoContent || len(body) != 0 {
			return true, fmt.Errorf("%s answers 204 without a body, not %d with %d bytes", route, status, len(body))
		}
		return true, nil
	}
	return false, nil
}
