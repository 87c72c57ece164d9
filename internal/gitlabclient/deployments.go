package gitlabclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Deployments, their approvals and environments: lib/api/deployments.rb,
// lib/api/entities/deployment.rb, EE's ee/lib/ee/api/deployments.rb (the
// approval POST), ee/lib/ee/api/entities/deployment_extended.rb and
// ee/lib/api/entities/deployments/approval.rb, approval_summary.rb;
// lib/api/environments.rb and lib/api/entities/environment.rb.
//
// A job's deployment. GitLab's job entity (lib/api/entities/ci/job.rb) has
// no environment or deployment field, and the Deployments API has no job
// filter; a deployment's deployable is its job. JobDeployment lists the
// project's deployments updated since shortly before the job was created
// (a job's deployment is created with or after the job — the pipeline's
// Chain::CreateDeployments, or the retry that copied the job — and its
// updated_at is never before its created_at), newest first, until the
// deployment whose deployable is the job.
//
// The approval POST changes GitLab's state and is sent at most once per
// proof that it was not applied, as the job actions are (actions.go): after
// an ambiguous failure (a 5xx, no answer) the deployment is re-read, and
// an approval by the token's user with the status sent means GitLab applied
// it (GitLab keeps one approval per user and rule: Deployments::
// ApprovalService#upsert_approval); none means it was not applied (after a
// failure that may leave the request under way, only after a second look).
// Then, and only then, is it sent again (at most maxResends times).

// Deployment is Entities::Deployment, with EE's DeploymentExtended fields
// when read one by one (GET .../deployments/:id).
type Deployment struct {
	ID          int64                `json:"id"`
	IID         int64                `json:"iid"`
	Ref         string               `json:"ref"`
	SHA         string               `json:"sha"`
	CreatedAt   *time.Time           `json:"created_at"`
	UpdatedAt   *time.Time           `json:"updated_at"`
	Status      string               `json:"status"`
	User        *User                `json:"user"`
	Environment *EnvironmentBasic    `json:"environment"`
	Deployable  *Job                 `json:"deployable"`
	Pending     *int64               `json:"pending_approval_count"`
	Approvals   []DeploymentApproval `json:"approvals"`
	Summary     *ApprovalSummary     `json:"approval_summary"`
}

// PendingApprovalCount is the number of approvals still needed (0 when
// GitLab did not say: CE, or a listed deployment).
func (d *Deployment) PendingApprovalCount() int64 {
	if d.Pending == nil {
		return 0
	}
	return *d.Pending
}

// WaitingForApproval reports whether the deployment is blocked until
// approvals come (EE's Deployment#waiting_for_approval?): every manual
// deployment job's deployment is "blocked"; the pending count tells.
func (d *Deployment) WaitingForApproval() bool {
	return d.Status == DeploymentBlocked && d.PendingApprovalCount() > 0
}

// ApprovalBy is the approval of the user with ID userID, or nil.
func (d *Deployment) ApprovalBy(userID int64) *DeploymentApproval {
	for i := range d.Approvals {
		if a := &d.Approvals[i]; a.User != nil && a.User.ID == userID {
			return a
		}
	}
	return nil
}

// Deployment statuses (app/models/deployment.rb).
const (
	DeploymentCreated  = "created"
	DeploymentRunning  = "running"
	DeploymentSuccess  = "success"
	DeploymentFailed   = "failed"
	DeploymentCanceled = "canceled"
	DeploymentSkipped  = "skipped"
	DeploymentBlocked  = "blocked"
)

// Approval statuses.
const (
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
)

// EnvironmentBasic is Entities::EnvironmentBasic.
type EnvironmentBasic struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Slug        string `json:"slug"`
	ExternalURL string `json:"external_url"`
}

// DeploymentApproval is Entities::Deployments::Approval.
type DeploymentApproval struct {
	User      *User      `json:"user"`
	Status    string     `json:"status"`
	CreatedAt *time.Time `json:"created_at"`
	Comment   string     `json:"comment"`
}

// ApprovalSummary is Entities::Deployments::ApprovalSummary: the approval
// rules of the deployment's protected environment and their approvals.
type ApprovalSummary struct {
	Rules []ApprovalRule `json:"rules"`
}

// ApprovalRule is Entities::ProtectedEnvironments::ApprovalRuleForSummary.
type ApprovalRule struct {
	ID                     int64                `json:"id"`
	UserID                 *int64               `json:"user_id"`
	GroupID                *int64               `json:"group_id"`
	AccessLevel            *int                 `json:"access_level"`
	AccessLevelDescription string               `json:"access_level_description"`
	RequiredApprovals      int64                `json:"required_approvals"`
	Approvals              []DeploymentApproval `json:"deployment_approvals"`
}

// Approved is the number of approvals the rule has.
func (r ApprovalRule) Approved() int64 {
	var n int64
	for _, a := range r.Approvals {
		if a.Status == ApprovalApproved {
			n++
		}
	}
	return n
}

// Unmet are the rules that still need approvals, named as GitLab
// describes them (access_level_description: a role, a user's or a group's
// name), with how many each still needs.
func (s *ApprovalSummary) Unmet() []ApprovalRule {
	if s == nil {
		return nil
	}
	var out []ApprovalRule
	for _, r := range s.Rules {
		if r.Approved() < r.RequiredApprovals {
			out = append(out, r)
		}
	}
	return out
}

// Environment is Entities::Environment (the fields a release reads).
type Environment struct {
	ID             int64       `json:"id"`
	Name           string      `json:"name"`
	Slug           string      `json:"slug"`
	ExternalURL    string      `json:"external_url"`
	State          string      `json:"state"`
	Tier           string      `json:"tier"`
	CreatedAt      *time.Time  `json:"created_at"`
	UpdatedAt      *time.Time  `json:"updated_at"`
	LastDeployment *Deployment `json:"last_deployment"`
}

// DeploymentFilter is the query of GET /projects/:id/deployments.
type DeploymentFilter struct {
	Environment  string     `url:"environment,omitempty"`
	Status       string     `url:"status,omitempty"`
	UpdatedAfter *time.Time `url:"updated_after,omitempty"`
	OrderBy      string     `url:"order_by,omitempty"`
	Sort         string     `url:"sort,omitempty"`
	PerPage      int        `url:"per_page"`
}

func deploymentsPath(project string, suffix string) (string, error) {
	p, err := ParseProject(project)
	if err != nil {
		return "", err
	}
	return "projects/" + p.Escaped() + "/deployments" + suffix, nil
}

func deploymentPath(project string, id int64, suffix string) (string, error) {
	if id <= 0 {
		return "", fmt.Errorf("deployment ID must be a positive number, got %d", id)
	}
	return deploymentsPath(project, "/"+strconv.FormatInt(id, 10)+suffix)
}

// GetDeployment is GET /projects/:id/deployments/:deployment_id.
func (c *Client) GetDeployment(ctx context.Context, project string, id int64) (*Deployment, error) {
	path, err := deploymentPath(project, id, "")
	if err != nil {
		return nil, err
	}
	var d Deployment
	if _, err := c.do(ctx, http.MethodGet, path, nil, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// ListDeployments is GET /projects/:id/deployments with f (per_page 100),
// page by page, calling each for every deployment until it returns false
// or the deployments run out.
func (c *Client) ListDeployments(ctx context.Context, project string, f DeploymentFilter, each func(*Deployment) bool) error {
	path, err := deploymentsPath(project, "")
	if err != nil {
		return err
	}
	f.PerPage = perPage
	var next []gitlab.RequestOptionFunc
	for {
		var page []*Deployment
		resp, err := c.do(ctx, http.MethodGet, path, &f, &page, next...)
		if err != nil {
			return err
		}
		for _, d := range page {
			if !each(d) {
				return nil
			}
		}
		if resp.NextPage == 0 || len(page) == 0 {
			return nil
		}
		next = []gitlab.RequestOptionFunc{gitlab.WithOffsetPaginationParameters(resp.NextPage)}
	}
}

// ErrNoDeployment is returned by JobDeployment for a job without one.
var ErrNoDeployment = errors.New("the job has no deployment")

// JobDeployment is the deployment of job (see the top of this file), read
// one by one (with its approvals). It returns ErrNoDeployment when the job
// has none (no environment:, or an action other than start).
func (c *Client) JobDeployment(ctx context.Context, project string, job *Job) (*Deployment, error) {
	f := DeploymentFilter{OrderBy: "id", Sort: "desc"}
	if job.CreatedAt != nil {
		since := job.CreatedAt.Add(-time.Minute).UTC()
		f = DeploymentFilter{UpdatedAfter: &since, OrderBy: "updated_at", Sort: "desc"}
	}
	var found int64
	err := c.ListDeployments(ctx, project, f, func(d *Deployment) bool {
		if d.Deployable != nil && d.Deployable.ID == job.ID {
			found = d.ID
			return false
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if found == 0 {
		return nil, fmt.Errorf("job %d: %w", job.ID, ErrNoDeployment)
	}
	return c.GetDeployment(ctx, project, found)
}

// GetEnvironment is GET /projects/:id/environments/:environment_id.
func (c *Client) GetEnvironment(ctx context.Context, project string, id int64) (*Environment, error) {
	p, err := ParseProject(project)
	if err != nil {
		return nil, err
	}
	var e Environment
	if _, err := c.do(ctx, http.MethodGet, fmt.Sprintf("projects/%s/environments/%d", p.Escaped(), id), nil, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// EnvironmentByName is GET /projects/:id/environments?name=<name>, then the
// environment itself (the list does not show last_deployment). It returns
// an error wrapping ErrNoEnvironment when none has the name.
func (c *Client) EnvironmentByName(ctx context.Context, project, name string) (*Environment, error) {
	p, err := ParseProject(project)
	if err != nil {
		return nil, err
	}
	var list []Environment
	q := &struct {
		Name    string `url:"name"`
		PerPage int    `url:"per_page"`
	}{name, perPage}
	if _, err := c.do(ctx, http.MethodGet, "projects/"+p.Escaped()+"/environments", q, &list); err != nil {
		return nil, err
	}
	for _, e := range list {
		if e.Name == name {
			return c.GetEnvironment(ctx, project, e.ID)
		}
	}
	return nil, fmt.Errorf("environment %q: %w", name, ErrNoEnvironment)
}

// ErrNoEnvironment is returned by EnvironmentByName when no environment has the name.
var ErrNoEnvironment = errors.New("the project has no such environment")

// ApprovalRequest is the approval POST's body.
type ApprovalRequest struct {
	Status        string `json:"status"`
	Comment       string `json:"comment,omitempty"`
	RepresentedAs string `json:"represented_as,omitempty"`
}

// ApprovalUnknownError is returned by ApproveDeployment when the POST may or
// may not have been applied and re-reading the deployment could not settle it.
type ApprovalUnknownError struct {
	Project      string
	DeploymentID int64
	Status       string
	Cause, Err   error
}

func (e *ApprovalUnknownError) Error() string {
	return fmt.Sprintf("the %s of deployment %d (project %s) may or may not have been applied: %v, and %v; check the "+
		"deployment's approvals in GitLab before approving or rejecting it again", approvalNoun(e.Status),
		e.DeploymentID, e.Project, e.Cause, e.Err)
}

// approvalNoun is "approval" or "rejection".
func approvalNoun(status string) string {
	if status == ApprovalRejected {
		return "rejection"
	}
	return "approval"
}

// Unwrap gives both errors to errors.Is and errors.As.
func (e *ApprovalUnknownError) Unwrap() []error { return unwrapped(e.Err, e.Cause) }

// ApproveDeployment is POST /projects/:id/deployments/:deployment_id/approval
// (ee/lib/ee/api/deployments.rb) with req; userID is the token's user
// (CurrentUser), whose approval on the re-read deployment tells whether an
// ambiguous POST was applied (see the top of this file). GitLab answers
// with the approval.
func (c *Client) ApproveDeployment(ctx context.Context, project string, id int64, req ApprovalRequest, userID int64) (*DeploymentApproval, error) {
	if req.Status != ApprovalApproved && req.Status != ApprovalRejected {
		return nil, fmt.Errorf("approval status must be %q or %q, got %q", ApprovalApproved, ApprovalRejected, req.Status)
	}
	path, err := deploymentPath(project, id, "/approval")
	if err != nil {
		return nil, err
	}
	return settle(ctx, c, settling[*DeploymentApproval]{
		what:   fmt.Sprintf("%s of deployment %d", approvalNoun(req.Status), id),
		fields: map[string]any{"deployment_id": id, "status": req.Status},
		send: func(ctx context.Context) (*DeploymentApproval, error) {
			var a DeploymentApproval
			_, err := c.do(ctx, http.MethodPost, path, req, &a)
			return &a, err
		},
		check: func(ctx context.Context) (*DeploymentApproval, bool, string, error) {
			d, err := c.GetDeployment(ctx, project, id)
			if err != nil {
				return nil, false, "", fmt.Errorf("re-reading the deployment to find out failed: %w", err)
			}
			if a := d.ApprovalBy(userID); a != nil && a.Status == req.Status {
				return a, true, fmt.Sprintf("the deployment shows the user's %s approval, so it was applied", a.Status), nil
			}
			return nil, false, "the deployment shows no such approval by the user, so it was not applied", nil
		},
		unknown: func(cause, err error) error {
			return &ApprovalUnknownError{Project: project, DeploymentID: id, Status: req.Status, Cause: cause, Err: err}
		},
		notApplied: func(sent int, last error, why string) error {
			return fmt.Errorf("the %s of deployment %d (project %s) was not applied: %d attempts failed, the last with %w; %s",
				approvalNoun(req.Status), id, project, sent, last, why)
		},
		readSkipped: "the deployment was not re-read",
	})
}
