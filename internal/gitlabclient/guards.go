package gitlabclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Reads of the guards production GitLab puts on release jobs, for the
// provider's diagnostics and waits: protected branches and tags
// (lib/api/protected_branches.rb, protected_tags.rb), protected environments
// (ee/lib/api/protected_environments.rb) and resource groups
// (lib/api/ci/resource_groups.rb). The protected refs and environments
// lists need the Maintainer role: a 403 for a lesser token is an answer the
// caller reports, not a failure.

// AccessLevel is an entry of a protected ref's or environment's access
// levels (Entities::ProtectedRefAccess): a role, a user or a group.
type AccessLevel struct {
	AccessLevel            *int   `json:"access_level"`
	AccessLevelDescription string `json:"access_level_description"`
	UserID                 *int64 `json:"user_id"`
	GroupID                *int64 `json:"group_id"`
}

// ProtectedRef is a protected branch (push and merge access levels) or tag
// (create access levels); its name may hold * wildcards.
type ProtectedRef struct {
	Name               string        `json:"name"`
	PushAccessLevels   []AccessLevel `json:"push_access_levels"`
	MergeAccessLevels  []AccessLevel `json:"merge_access_levels"`
	CreateAccessLevels []AccessLevel `json:"create_access_levels"`
}

// Matches says whether the rule protects ref (GitLab's RefMatcher: the
// name itself, or a wildcard whose * stands for any characters).
func (p ProtectedRef) Matches(ref string) bool {
	if p.Name == ref {
		return true
	}
	if !strings.Contains(p.Name, "*") {
		return false
	}
	parts := strings.Split(p.Name, "*")
	for i, s := range parts {
		parts[i] = regexp.QuoteMeta(s)
	}
	re, err := regexp.Compile(`\A` + strings.Join(parts, ".*?") + `\z`)
	return err == nil && re.MatchString(ref)
}

// ProtectedEnvironment is a protected environment and who may deploy to it.
type ProtectedEnvironment struct {
	Name               string        `json:"name"`
	DeployAccessLevels []AccessLevel `json:"deploy_access_levels"`
}

// ResourceGroup is a CI resource group (Entities::Ci::ResourceGroup).
type ResourceGroup struct {
	ID          int64  `json:"id"`
	Key         string `json:"key"`
	ProcessMode string `json:"process_mode"`
}

// firstPage asks a list for its first 100 entries.
type firstPage struct {
	PerPage int `url:"per_page"`
}

// getList reads GET /projects/:id/<suffix> into out; page asks for the
// first 100 entries of a list.
func (c *Client) getList(ctx context.Context, project, suffix string, page bool, out any) error {
	p, err := ParseProject(project)
	if err != nil {
		return err
	}
	var query any
	if page {
		query = &firstPage{PerPage: 100}
	}
	_, err = c.do(ctx, http.MethodGet, fmt.Sprintf("projects/%s/%s", p.Escaped(), suffix), query, out)
	return err
}

// ProtectedBranches is GET /projects/:id/protected_branches (the first 100).
func (c *Client) ProtectedBranches(ctx context.Context, project string) ([]ProtectedRef, error) {
	var out []ProtectedRef
	return out, c.getList(ctx, project, "protected_branches", true, &out)
}

// ProtectedTags is GET /projects/:id/protected_tags (the first 100).
func (c *Client) ProtectedTags(ctx context.Context, project string) ([]ProtectedRef, error) {
	var out []ProtectedRef
	return out, c.getList(ctx, project, "protected_tags", true, &out)
}

// ProtectedEnvironments is GET /projects/:id/protected_environments (the first 100).
func (c *Client) ProtectedEnvironments(ctx context.Context, project string) ([]ProtectedEnvironment, error) {
	var out []ProtectedEnvironment
	return out, c.getList(ctx, project, "protected_environments", true, &out)
}

// ResourceGroups is GET /projects/:id/resource_groups (the first 100).
func (c *Client) ResourceGroups(ctx context.Context, project string) ([]ResourceGroup, error) {
	var out []ResourceGroup
	return out, c.getList(ctx, project, "resource_groups", true, &out)
}

// ResourceGroupUpcomingJobs is GET /projects/:id/resource_groups/:key/upcoming_jobs
// (the first 100): the jobs waiting for the group, in the order it takes them.
func (c *Client) ResourceGroupUpcomingJobs(ctx context.Context, project, key string) ([]Job, error) {
	var out []Job
	return out, c.getList(ctx, project, "resource_groups/"+url.PathEscape(key)+"/upcoming_jobs", true, &out)
}

// ResourceGroupCurrentJob is GET /projects/:id/resource_groups/:key/current_job:
// the job holding the group's resource, nil when it is free.
func (c *Client) ResourceGroupCurrentJob(ctx context.Context, project, key string) (*Job, error) {
	var out *Job
	return out, c.getList(ctx, project, "resource_groups/"+url.PathEscape(key)+"/current_job", false, &out)
}
