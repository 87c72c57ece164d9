package schemacheck

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The Deployments API's answers (the simulator's deployments_api.go and
// deployment_approvals.go), checked against GitLab's schemas: the CE
// deployment.json (GET /projects/:id/deployments), EE's
// deployment_extended.json (GET .../deployments/:deployment_id),
// deployment_approval.json (POST .../approval, 201) and
// protected_environment_approval_rule.json (the approval_rules of a
// protected environment, and of an approval summary without its
// deployment_approvals). The EE schemas sit in gitlab/ee/ and refer to the
// CE ones by their place in GitLab's tree
// (../../../../../../../spec/fixtures/api/schemas/public_api/v4/...), so the
// embedded copy is registered under that tree too: the CE files at
// spec/fixtures/api/schemas/public_api/v4/<path>, the EE files at
// ee/spec/fixtures/api/schemas/public_api/v4/<name>.

var (
	deployOnce    sync.Once
	deploySchemas map[string]*jsonschema.Schema
	deployErr     error
)

const (
	ceTree = "gitlab:///spec/fixtures/api/schemas/public_api/v4/"
	eeTree = "gitlab:///ee/spec/fixtures/api/schemas/public_api/v4/"
)

func loadDeploymentSchemas() {
	sub, err := fs.Sub(embedded, "gitlab")
	if err != nil {
		deployErr = err
		return
	}
	c := jsonschema.NewCompiler()
	deployErr = fs.WalkDir(sub, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		url := ceTree + path
		if rest, ee := strings.CutPrefix(path, "ee/"); ee {
			url = eeTree + rest
		}
		return addResource(c, url, path, func(name string) ([]byte, error) { return fs.ReadFile(sub, name) })
	})
	if deployErr != nil {
		return
	}
	deploySchemas = map[string]*jsonschema.Schema{}
	for name, url := range map[string]string{
		"deployment": ceTree + "deployment.json", "deployment_extended": eeTree + "deployment_extended.json",
		"deployment_approval": eeTree + "deployment_approval.json",
		"approval_rule":       eeTree + "protected_environment_approval_rule.json",
		"user":                ceTree + "user/basic.json",
	} {
		if deploySchemas[name], deployErr = c.Compile(url); deployErr != nil {
			deployErr = fmt.Errorf("compiling %s: %w", url, deployErr)
			return
		}
	}
}

// checkDeploymentRoute checks a success answer of a Deployments API route;
// handled is false for other routes.
func (c *Checker) checkDeploymentRoute(route string, status int, header http.Header, body []byte) (handled bool, err error) {
	var schema string
	var list bool
	switch route {
	case "GET /api/v4/projects/{id}/deployments":
		schema, list = "deployment", true
	case "GET /api/v4/projects/{id}/deployments/{deployment_id}":
		schema = "deployment_extended"
	case "POST /api/v4/projects/{id}/deployments/{deployment_id}/approval":
		if status != http.StatusCreated {
			return true, fmt.Errorf("%s answers 201 on success, not %d", route, status)
		}
		schema = "deployment_approval"
	default:
		return false, nil
	}
	if err := wantJSON(header); err != nil {
		return true, err
	}
	deployOnce.Do(loadDeploymentSchemas)
	if deployErr != nil {
		return true, deployErr
	}
	check := func(item []byte) error {
		item, err := takeDeployableFailureReason(item)
		if err != nil {
			return err
		}
		if err := validate(deploySchemas[schema], item); err != nil {
			return err
		}
		return checkDeploymentParts(item)
	}
	if list {
		return true, eachItem(body, check)
	}
	return true, check(body)
}

// takeDeployableFailureReason checks and removes the failure_reason of a
// deployment's job (deployable: Entities::Ci::Job, which sends it for a
// failed job, e.g. one whose deployment was rejected, while job.json, which
// the deployment schemas refer to, does not list it), as checkJob does.
func takeDeployableFailureReason(item []byte) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(item, &m); err != nil {
		return nil, err
	}
	var job map[string]any
	if raw, ok := m["deployable"]; !ok || json.Unmarshal(raw, &job) != nil || job == nil {
		return item, nil
	}
	if err := takeFailureReason(job); err != nil {
		return nil, fmt.Errorf("deployable: %w", err)
	}
	raw, err := json.Marshal(job)
	if err != nil {
		return nil, err
	}
	m["deployable"] = raw
	return json.Marshal(m)
}

// checkDeploymentParts checks what the schemas leave loose: the job
// (Entities::Ci::Job, as the Jobs API's), the users (user/basic.json; the
// approval schema's "items" does not apply to an object) and the approval
// summary's rules (the approval rule schema, with deployment_approvals).
func checkDeploymentParts(item []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(item, &m); err != nil {
		return err
	}
	if u, ok := m["user"]; ok && string(u) != "null" {
		if err := validate(deploySchemas["user"], u); err != nil {
			return fmt.Errorf("user: %w", err)
		}
	}
	for _, key := range []string{"approvals"} {
		var list []json.RawMessage
		if raw, ok := m[key]; ok {
			if err := json.Unmarshal(raw, &list); err != nil {
				return err
			}
		}
		for _, a := range list {
			if err := checkDeploymentParts(a); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
		}
	}
	if raw, ok := m["approval_summary"]; ok {
		var summary struct {
			Rules []map[string]json.RawMessage `json:"rules"`
		}
		if err := json.Unmarshal(raw, &summary); err != nil || summary.Rules == nil {
			return fmt.Errorf("approval_summary is not {\"rules\": [...]}: %s", raw)
		}
		for _, rule := range summary.Rules {
			approvals, has := rule["deployment_approvals"]
			if !has {
				return fmt.Errorf("an approval summary rule has no deployment_approvals")
			}
			delete(rule, "deployment_approvals")
			b, _ := json.Marshal(rule)
			if err := validate(deploySchemas["approval_rule"], b); err != nil {
				return fmt.Errorf("approval_summary rule: %w", err)
			}
			var list []json.RawMessage
			if err := json.Unmarshal(approvals, &list); err != nil {
				return err
			}
			for _, a := range list {
				if err := validate(deploySchemas["deployment_approval"], a); err != nil {
					return fmt.Errorf("deployment_approvals: %w", err)
				}
			}
		}
	}
	return nil
}

// checkApprovalRules checks the approval_rules of a protected environment
// answer against GitLab's protected_environment_approval_rule.json.
func checkApprovalRules(item []byte) error {
	deployOnce.Do(loadDeploymentSchemas)
	if deployErr != nil {
		return deployErr
	}
	var m struct {
		Rules []json.RawMessage `json:"approval_rules"`
	}
	if err := json.Unmarshal(item, &m); err != nil {
		return err
	}
	for _, r := range m.Rules {
		if err := validate(deploySchemas["approval_rule"], r); err != nil {
			return fmt.Errorf("approval_rules: %w", err)
		}
	}
	return nil
}
