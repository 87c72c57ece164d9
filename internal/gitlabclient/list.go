package gitlabclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
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

// WithoutTriggerJobs reports whether GitLab answered that it has no
// trigger_jobs route (before 19.2), so that trigger jobs are listed
// through /bridges, whose route does not read CI job tokens.
func (c *Client) WithoutTriggerJobs() bool { return c.noTriggerJobs.Load() }

// ListPipelineBridges is GET /projects/:id/pipelines/:pipeline_id/trigger_jobs
// (GitLab 19.2, which deprecates /bridges), all pages: the pipeline's
// trigger jobs in the given statuses. A GitLab that answers that it has no
// such route (RouteNotFound: before 19.2) is asked GET .../bridges instead,
// the same list, and then for the client's lifetime; any other 404 (the
// project or the pipeline) is returned as it is.
func (c *Client) ListPipelineBridges(ctx context.Context, project string, pipelineID int64, scope []string) ([]*Bridge, error) {
	return c.listPipelineBridges(ctx, project, pipelineID, scope, false)
}

// listPipelineBridges is ListPipelineBridges, with the retried trigger jobs
// when includeRetried is set. The route does not declare include_retried,
// but it hands its params to Ci::JobsFinder, whose pipeline_jobs keeps the
// retried jobs when params[:include_retried] is set, for bridges as for
// builds (lib/api/ci/pipelines.rb, app/finders/ci/jobs_finder.rb). A GitLab
// that ignored it would list the newest runs only: a retried bridge is then
// not found, never mistaken for another.
func (c *Client) listPipelineBridges(ctx context.Context, project string, pipelineID int64, scope []string, includeRetried bool) ([]*Bridge, error) {
	opts := &listOptions{Scope: scope, PerPage: perPage}
	if includeRetried {
		opts.IncludeRetried = &includeRetried
	}
	if !c.noTriggerJobs.Load() {
		path, err := pipelinePath(project, pipelineID, "/trigger_jobs")
		if err != nil {
			return nil, err
		}
		bridges, err := listAll[*Bridge](ctx, c, path, opts)
		if !RouteNotFound(err) {
			return bridges, err
		}
		c.noTriggerJobs.Store(true)
		tflog.Info(ctx, "GitLab has no trigger_jobs route (it is older than 19.2): listing the pipeline's bridges instead")
	}
	path, err := pipelinePath(project, pipelineID, "/bridges")
	if err != nil {
		return nil, err
	}
	return listAll[*Bridge](ctx, c, path, opts)
}

// listConcurrency bounds how many pages listAll fetches at once.
const listConcurrency = 4

// listAll fetches every page of an offset-paginated list. When the first
// page says how many pages there are (X-Total-Pages: GitLab counts lists of
// up to 10,000 rows, e.g. a pipeline's jobs and bridges), the others are
// fetched concurrently, at most listConcurrency at a time, each once: the
// requests stay ceil(rows/100). Rate limits are the transport's: a 429 is
// waited out and retried per request, and the bound keeps the burst small.
// Without a count (larger lists, endpoints without counts), or where the
// last counted page says more follow (rows added meanwhile), it follows
// X-Next-Page one page at a time.
func listAll[T any](ctx context.Context, c *Client, path string, opts *listOptions) ([]T, error) {
	var first []T
	resp, err := c.do(ctx, http.MethodGet, path, opts, &first)
	if err != nil {
		return nil, err
	}
	all := append([]T(nil), first...)
	next := resp.NextPage
	if len(first) == 0 {
		return all, nil
	}
	if total := int(resp.TotalPages); next == 2 && total > 2 {
		pages, last, err := listPages[T](ctx, c, path, opts, 2, total)
		if err != nil {
			return nil, err
		}
		for _, p := range pages {
			all = append(all, p...)
		}
		next = last
	}
	for next != 0 {
		var items []T
		resp, err := c.do(ctx, http.MethodGet, path, opts, &items, gitlab.WithOffsetPaginationParameters(next))
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if len(items) == 0 {
			return all, nil
		}
		next = resp.NextPage
	}
	return all, nil
}

// listPages fetches pages first to last, listConcurrency at a time, and
// returns them in order with the X-Next-Page of the last one. The first
// error cancels the pages not yet fetched and is returned.
func listPages[T any](ctx context.Context, c *Client, path string, opts *listOptions, first, last int) (pages [][]T, next int64, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages = make([][]T, last-first+1)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	numbers := make(chan int)
	for range min(listConcurrency, len(pages)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range numbers {
				var items []T
				resp, err := c.do(ctx, http.MethodGet, path, opts, &items, gitlab.WithOffsetPaginationParameters(int64(n)))
				mu.Lock()
				switch {
				case err != nil && firstErr == nil:
					firstErr = err
					cancel()
				case err == nil:
					pages[n-first] = items
					if n == last {
						next = resp.NextPage
					}
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for n := first; n <= last; n++ {
		select {
		case numbers <- n:
		case <-ctx.Done():
			break feed
		}
	}
	close(numbers)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		return nil, 0, firstErr
	}
	return pages, next, nil
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
	User        *AgentUser        `json:"user"`
	Environment *AgentEnvironment `json:"environment"`
}

// AllowedAgent is one GitLab agent for Kubernetes a job may use: an
// authorization of Entities::Clusters::Agents::Authorizations::CiAccess.
type AllowedAgent struct {
	ID            int64        `json:"id"`
	ConfigProject AgentProject `json:"config_project"`
	// Configuration is the ci_access configuration of the authorization
	// (the agent's config file's entry for the project or group, such as
	// {"default_namespace": "production"}), a JSON object of any shape as
	// GitLab stores it; kept as sent.
	Configuration json.RawMessage `json:"configuration"`
}

// AgentUser is the user of the job as GET /job/allowed_agents shows it:
// only its ID, username and roles in the job's project (lib/api/ci/jobs.rb
// builds it by hand, not with a user entity).
type AgentUser struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	// RolesInProject are the names of the roles up to the user's access
	// level in the project (max_member_access), lowest first: guest,
	// planner, reporter, developer, maintainer, owner; empty for a
	// non-member.
	RolesInProject []string `json:"roles_in_project"`
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
