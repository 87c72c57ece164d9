package schemacheck

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The answers of the guards' routes (the simulator's guards.go): protected
// branches, tags and environments, environments and resource groups. GitLab
// has no current public schema for them in spec/fixtures that matches its
// entities, so extra/ holds schemas written after the entities
// (lib/api/entities/protected_branch.rb, protected_tag.rb,
// protected_ref_access.rb, environment.rb, ci/resource_group.rb, and EE's
// protected_environment.rb). The JobBasic answers of the resource groups'
// current_job and upcoming_jobs are checked as jobs without the fields
// Entities::Ci::Job adds.

var (
	guardOnce    sync.Once
	guardSchemas map[string]*jsonschema.Schema
	guardErr     error
)

func loadGuardSchemas() {
	guardSchemas, guardErr = compileExtra("protected_ref_access.json", "protected_branch.json", "protected_tag.json",
		"protected_environment.json", "environment.json", "resource_group.json")
}

// wantCreatedJSON checks a success answer's content type, and that a
// POST answers 201 (Grape's default).
func wantCreatedJSON(route string, status int, header http.Header) error {
	if err := wantJSON(header); err != nil {
		return err
	}
	if strings.HasPrefix(route, "POST ") && status != http.StatusCreated {
		return fmt.Errorf("%s answers 201 on success, not %d", route, status)
	}
	return nil
}

// compileExtra compiles schemas of extra/ (which may refer to each other
// as extra:///<name>), by name.
func compileExtra(names ...string) (map[string]*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	for _, name := range names {
		if err := addResource(c, "extra:///"+name, "extra/"+name, extra.ReadFile); err != nil {
			return nil, err
		}
	}
	out := map[string]*jsonschema.Schema{}
	for _, name := range names {
		s, err := c.Compile("extra:///" + name)
		if err != nil {
			return nil, fmt.Errorf("compiling %s: %w", name, err)
		}
		out[name] = s
	}
	return out, nil
}

// guardRoutes maps each route to its schema and whether it answers a list.
var guardRoutes = map[string]struct {
	schema string
	list   bool
}{
	"GET /api/v4/projects/{id}/protected_branches":                  {"protected_branch.json", true},
	"POST /api/v4/projects/{id}/protected_branches":                 {"protected_branch.json", false},
	"GET /api/v4/projects/{id}/protected_branches/{name}":           {"protected_branch.json", false},
	"GET /api/v4/projects/{id}/protected_tags":                      {"protected_tag.json", true},
	"POST /api/v4/projects/{id}/protected_tags":                     {"protected_tag.json", false},
	"GET /api/v4/projects/{id}/protected_tags/{name}":               {"protected_tag.json", false},
	"GET /api/v4/projects/{id}/protected_environments":              {"protected_environment.json", true},
	"POST /api/v4/projects/{id}/protected_environments":             {"protected_environment.json", false},
	"GET /api/v4/projects/{id}/protected_environments/{name}":       {"protected_environment.json", false},
	"PUT /api/v4/projects/{id}/protected_environments/{name}":       {"protected_environment.json", false},
	"GET /api/v4/projects/{id}/environments":                        {"environment.json", true},
	"GET /api/v4/projects/{id}/environments/{environment_id}":       {"environment.json", false},
	"GET /api/v4/projects/{id}/resource_groups":                     {"resource_group.json", true},
	"GET /api/v4/projects/{id}/resource_groups/{key}":               {"resource_group.json", false},
	"PUT /api/v4/projects/{id}/resource_groups/{key}":               {"resource_group.json", false},
	"GET /api/v4/projects/{id}/resource_groups/{key}/upcoming_jobs": {"", true},
	"GET /api/v4/projects/{id}/resource_groups/{key}/current_job":   {"", false},
}

// jobBasicOnly are the fields Entities::Ci::JobBasic does not have.
var jobBasicOnly = []string{"artifacts_file", "artifacts", "artifacts_expire_at", "archived", "runner", "runner_manager", "tag_list"}

// checkGuardRoute checks a success answer of a guard route; handled is
// false for other routes.
func (c *Checker) checkGuardRoute(route string, status int, header http.Header, body []byte) (handled bool, err error) {
	if strings.HasPrefix(route, "DELETE /api/v4/projects/{id}/protected_") {
		if status != http.StatusNoContent || len(body) != 0 {
			return true, fmt.Errorf("%s answers 204 without a body, not %d %q", route, status, body)
		}
		return true, nil
	}
	r, ok := guardRoutes[route]
	if !ok {
		return false, nil
	}
	if err := wantCreatedJSON(route, status, header); err != nil {
		return true, err
	}
	guardOnce.Do(loadGuardSchemas)
	if guardErr != nil {
		return true, guardErr
	}
	check := func(item []byte) error {
		if r.schema == "protected_environment.json" {
			if err := checkApprovalRules(item); err != nil { // deployments.go
				return err
			}
		}
		if r.schema != "" {
			return validate(guardSchemas[r.schema], item)
		}
		var m map[string]any
		if err := json.Unmarshal(item, &m); err != nil {
			return err
		}
		for _, k := range jobBasicOnly {
			if _, has := m[k]; has {
				return fmt.Errorf("JobBasic has no %s", k)
			}
		}
		for _, k := range docJobFields {
			if _, has := m[k]; !has && !slices.Contains(jobBasicOnly, k) {
				return fmt.Errorf("JobBasic lacks %s", k)
			}
		}
		return nil
	}
	if r.list {
		return true, eachItem(body, check)
	}
	if string(body) == "null\n" || string(body) == "null" { // current_job of a free group
		return true, nil
	}
	return true, check(body)
}
