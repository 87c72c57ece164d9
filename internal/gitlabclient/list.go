package gitlabclient

import (
	"context"
	"fmt"
	"net/http"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// The list endpoints of the Jobs API, and GET /job/allowed_agents.

// perPage is GitLab's largest page size.
const perPage = 100

// listOptions is the query of the job list endpoints (go-querystring tags,
// encoded by client-go's NewRequest).
type listOptions struct {
	Scope          []string `url:"scope[],omitempty"`
	IncludeRetried *bool    `url:"include_retried,omitempty"`
	PerPage        int      `url:"per_page"`
	Pagination     string   `url:"pagination,omitempty"`
	OrderBy        string   `url:"order_by,omitempty"`
	Sort           string   `url:"sort,omitempty"`
}

// ListProjectJobs is GET /projects/:id/jobs, newest first, in the given
// statuses (all when scope is empty). It pages with keyset pagination, 100
// jobs a request, and calls each for every job until each returns false or
// the jobs run out. It returns the number of requests made.
func (c *Client) ListProjectJobs(ctx context.Context, project string, scope []string, each func(*Job) bool) (requests int, err error) {
	p, err := ParseProject(project)
	if err != nil {
		return 0, err
	}
	path := "projects/" + p.Escaped() + "/jobs"
	opts := &listOptions{Scope: scope, PerPage: perPage, Pagination: "keyset", OrderBy: "id", Sort: "desc"}
	var next []gitlab.RequestOptionFunc
	for {
		var page []*Job
		resp, err := c.do(ctx, http.MethodGet, path, opts, &page, next...)
		requests++
		if err != nil {
			return requests, err
		}
		for _, j := range page {
			if !each(j) {
				return requests, nil
			}
		}
		// GitLab sends rel="next" only while more jobs follow; an empty
		// page ends the listing too, whatever the headers say.
		if resp.NextLink == "" || len(page) == 0 {
			return requests, nil
		}
		next = []gitlab.RequestOptionFunc{gitlab.WithKeysetPaginationParameters(resp.NextLink)}
	}
}

// ListPipelineJobs is GET /projects/:id/pipelines/:pipeline_id/jobs, all
// pages: the pipeline's jobs in the given statuses (all when scope is
// empty), with the retried ones when includeRetried is set.
func (c *Client) ListPipelineJobs(ctx context.Context, project string, pipelineID int64, scope []string, includeRetried bool) ([]*Job, error) {
	path, err := pipelinePath(project, pipelineID, "/jobs")
	if err != nil {
		return nil, err
	}
	opts := &listOptions{Scope: scope, PerPage: perPage}
	if includeRetried {
		opts.IncludeRetried = &includeRetried
	}
	return listAll[*Job](ctx, c, path, opts)
}

// ListPipelineBridges is GET /projects/:id/pipelines/:pipeline_id/bridges,
// all pages: the pipeline's trigger jobs in the given statuses.
func (c *Client) ListPipelineBridges(ctx context.Context, project string, pipelineID int64, scope []string) ([]*Bridge, error) {
	path, err := pipelinePath(project, pipelineID, "/bridges")
	if err != nil {
		return nil, err
	}
	return listAll[*Bridge](ctx, c, path, &listOptions{Scope: scope, PerPage: perPage})
}

// listAll follows offset pagination (X-Next-Page) to the last page.
func listAll[T any](ctx context.Context, c *Client, path string, opts *listOptions) ([]T, error) {
	var all []T
	var page []gitlab.RequestOptionFunc
	for {
		var items []T
		resp, err := c.do(ctx, http.MethodGet, path, opts, &items, page...)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if resp.NextPage == 0 || len(items) == 0 {
			return all, nil
		}
		page = []gitlab.RequestOptionFunc{gitlab.WithOffsetPaginationParameters(resp.NextPage)}
	}
}

func pipelinePath(project string, pipelineID int64, suffix string) (string, error) {
	p, err := ParseProject(project)
	if err != nil {
		return "", err
	}
	if pipelineID <= 0 {
		return "", fmt.Errorf("pipeline ID must be a positive number, got %d", pipelineID)
	}
	return fmt.Sprintf("projects/%s/pipelines/%d%s", p.Escaped(), pipelineID, suffix), nil
}

// AllowedAgents is the answer of GET /job/allowed_agents.
type AllowedAgents struct {
	AllowedAgents []AllowedAgent `json:"allowed_agents"`
	Job           struct {
		ID int64 `json:"id"`
	} `json:"job"`
	Pipeline struct {
		ID int64 `json:"id"`
	} `json:"pipeline"`
	Project struct {
		ID     int64 `json:"id"`
		Groups []struct {
			ID int64 `json:"id"`
		} `json:"groups"`
	} `json:"project"`
	User        *User             `json:"user"`
	Environment *AgentEnvironment `json:"environment"`
}

// AllowedAgent is one GitLab agent for Kubernetes a job may use.
type AllowedAgent struct {
	ID            int64        `json:"id"`
	ConfigProject AgentProject `json:"config_project"`
}

// AgentProject is the project holding an agent's configuration.
type AgentProject struct {
	ID                int64      `json:"id"`
	Description       *string    `json:"description"`
	Name              string     `json:"name"`
	NameWithNamespace string     `json:"name_with_namespace"`
	Path              string     `json:"path"`
	PathWithNamespace string     `json:"path_with_namespace"`
	CreatedAt         *time.Time `json:"created_at"`
}

// AgentEnvironment is the environment of the job, when it has one.
type AgentEnvironment struct {
	Tier string `json:"tier"`
	Slug string `json:"slug"`
}

// JobTokenAllowedAgents is GET /job/allowed_agents: the agents the job that
// owns the client's CI job token may use.
func (c *Client) JobTokenAllowedAgents(ctx context.Context) (*AllowedAgents, error) {
	var a AllowedAgents
	if _, err := c.do(ctx, http.MethodGet, "job/allowed_agents", nil, &a); err != nil {
		return nil, err
	}
	return &a, nil
}
