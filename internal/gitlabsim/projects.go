package gitlabsim

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Projects: the Go API that creates them (CreateProject, ProjectSpec) and
// GET and PUT /projects/:id (lib/api/projects.rb, Entities::Project of
// lib/api/entities/project.rb) for the project's pipeline-variables
// settings, and the guard they configure (set_pipeline_variables).
//
// The guard, as GitLab's source enforces it:
//
//   - ProjectCiCdSetting#override_pipeline_variables_allowed?
//     (app/models/project_ci_cd_setting.rb): allowed when
//     restrict_user_defined_variables is off; else never for
//     no_one_allowed, and for developer, maintainer or owner when the
//     user's role in the project (team_access_level, the membership: an
//     administrator who is not a member has none) is at least that role.
//     ProjectPolicy's user_defined_variables_allowed condition enables
//     set_pipeline_variables with it (app/policies/project_policy.rb).
//   - Pipeline creation (POST /projects/:id/pipeline and the trigger API):
//     Gitlab::Ci::Pipeline::Chain::Build::Associations#apply_permissions
//     refuses variables without set_pipeline_variables with the pipeline
//     error "Insufficient permissions to set pipeline variables" (a 400
//     {"message":{"base":[...]}}, nothing created), after
//     Validate::Abilities and Validate::Repository ("Reference not found")
//     and before Config::Content ("Missing CI config file"). The trigger
//     API's own TRIGGER_PAYLOAD variable does not count
//     (gitlab-org/gitlab#557381, merge request 204230): a trigger without
//     variables runs under any setting. The guard is the trigger owner's
//     (trigger token) or the job's user's (CI job token) role.
//   - Play (POST /projects/:id/jobs/:job_id/play):
//     Ci::PlayBuildService#check_access! raises AccessDeniedError when
//     job_variables_attributes are given without set_pipeline_variables: a
//     403 {"message":"403 Forbidden"} (lib/api/api.rb's rescue), after the
//     "Unplayable Job" check. Bridges (Ci::PlayBridgeService) take no
//     variables and are not guarded.
//   - Inputs (pipeline inputs and job inputs) are not variables: the guard
//     does not apply to them (apply_permissions and check_access! look at
//     variables only).

// Pipeline variables minimum override roles
// (ProjectCiCdSetting::PIPELINE_VARIABLES_OVERRIDE_ROLES).
const (
	RoleNoOneAllowed = "no_one_allowed"
	RoleDeveloper    = "developer"
	RoleMaintainer   = "maintainer"
	RoleOwner        = "owner"
)

var overrideRoles = []string{RoleNoOneAllowed, RoleDeveloper, RoleMaintainer, RoleOwner}

// overrideRoleLevel is role_map_pipeline_variables_minimum_override_role.
var overrideRoleLevel = map[string]int{RoleDeveloper: DeveloperAccess, RoleMaintainer: MaintainerAccess, RoleOwner: OwnerAccess}

// maySetPipelineVariables is set_pipeline_variables of a user in a project.
func maySetPipelineVariables(proj *project, u *user) bool {
	if !proj.restrictUserDefinedVariables {
		return true
	}
	if proj.pipelineVariablesRole == RoleNoOneAllowed || u == nil {
		return false
	}
	return proj.access(u.id) >= overrideRoleLevel[proj.pipelineVariablesRole]
}

// insufficientVariablesPermission is the pipeline error of
// Chain::Build::Associations#apply_permissions.
const insufficientVariablesPermission = "Insufficient permissions to set pipeline variables"

// PipelineVariablesSettings are a project's pipeline-variables settings.
type PipelineVariablesSettings struct {
	RestrictUserDefinedVariables bool
	// MinimumOverrideRole is no_one_allowed, developer, maintainer or owner.
	MinimumOverrideRole string
}

// SetPipelineVariablesSettings changes a project's settings out of band
// (what an owner would do with PUT /projects/:id).
func (s *Sim) SetPipelineVariablesSettings(projectID int64, set PipelineVariablesSettings) error {
	s.lock()
	defer s.mu.Unlock()
	proj := s.projects[projectID]
	if proj == nil {
		return fmt.Errorf("no project %d", projectID)
	}
	if !slices.Contains(overrideRoles, set.MinimumOverrideRole) {
		return fmt.Errorf("minimum override role %q is not one of %s", set.MinimumOverrideRole, strings.Join(overrideRoles, ", "))
	}
	proj.restrictUserDefinedVariables = set.RestrictUserDefinedVariables
	proj.pipelineVariablesRole = set.MinimumOverrideRole
	return nil
}

// ProjectPipelineVariablesSettings reads them.
func (s *Sim) ProjectPipelineVariablesSettings(projectID int64) PipelineVariablesSettings {
	s.lock()
	defer s.mu.Unlock()
	if proj := s.projects[projectID]; proj != nil {
		return PipelineVariablesSettings{proj.restrictUserDefinedVariables, proj.pipelineVariablesRole}
	}
	return PipelineVariablesSettings{}
}

func (s *Sim) projectRoutes() {
	s.handle("GET /api/v4/projects/{id}", s.getProject)
	s.handle("PUT /api/v4/projects/{id}", s.putProject)
}

// GET /projects/:id: the project as Entities::Project presents it, to
// anyone who can see it (anonymously: public projects); 404 "404 Project
// Not Found" otherwise.
func (s *Sim) getProject(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, outcome := s.authenticateNonGet(w, r, false)
	if outcome != authOK {
		return
	}
	proj := s.findProject(r.PathValue("id"))
	if proj == nil || !s.canSeeProject(p, proj) || p.job != nil {
		notFound(w, "Project")
		return
	}
	writeJSON(w, http.StatusOK, s.projectEntity(r, p, proj))
}

// updateParamsAtLeastOneOf is API::Helpers::ProjectsHelpers.update_params_at_least_one_of.
var updateParamsAtLeastOneOf = []string{
	"allow_merge_on_skipped_pipeline", "analytics_access_level", "autoclose_referenced_issues", "auto_devops_enabled",
	"auto_devops_deploy_strategy", "auto_cancel_pending_pipelines", "build_git_strategy", "build_timeout",
	"builds_access_level", "ci_config_path", "ci_default_git_depth", "ci_allow_fork_pipelines_to_run_in_parent_project",
	"ci_forward_deployment_enabled", "ci_forward_deployment_rollback_allowed", "ci_separated_caches",
	"container_registry_access_level", "container_expiration_policy_attributes", "default_branch", "description",
	"emails_disabled", "emails_enabled", "forking_access_level", "issues_access_level", "lfs_enabled",
	"merge_pipelines_enabled", "merge_requests_access_level", "merge_requests_template", "merge_trains_enabled",
	"merge_method", "name", "only_allow_merge_if_all_discussions_are_resolved", "only_allow_merge_if_pipeline_succeeds",
	"pages_access_level", "path", "printing_merge_request_link_enabled", "public_builds", "public_jobs",
	"remove_source_branch_after_merge", "repository_access_level", "request_access_enabled",
	"resolve_outdated_diff_discussions", "restrict_user_defined_variables", "show_diff_preview_in_email",
	"security_and_compliance_access_level", "squash_option", "shared_runners_enabled", "group_runners_enabled",
	"snippets_access_level", "tag_list", "topics", "visibility", "wiki_access_level", "avatar",
	"suggestion_commit_message", "merge_commit_template", "squash_commit_template", "issue_branch_template",
	"repository_storage", "packages_enabled", "service_desk_enabled", "keep_latest_artifact", "mr_default_target_self",
	"enforce_auth_checks_on_uploads", "releases_access_level", "environments_access_level", "feature_flags_access_level",
	"infrastructure_access_level", "monitor_access_level", "model_experiments_access_level", "model_registry_access_level",
	"warn_about_potentially_unwanted_characters", "ci_pipeline_variables_minimum_override_role",
	"ci_push_repository_for_job_token_allowed", "ci_delete_pipelines_in_seconds", "max_artifacts_size",
	"issues_enabled", "jobs_enabled", "merge_requests_enabled", "wiki_enabled", "snippets_enabled",
	"container_registry_enabled",
}

// PUT /projects/:id, for the two settings the simulator models:
// restrict_user_defined_variables (Boolean) and
// ci_pipeline_variables_minimum_override_role (no_one_allowed, developer,
// maintainer, owner). Other parameters of the route are accepted and
// ignored. In GitLab's order: authentication (api scope), Grape's
// validation (types, values, at_least_one_of), the project (404),
// authorize_admin_project (Maintainer: 403), Projects::UpdateService's
// validate_restrict_user_defined_variables_change (a 400 {"message": ...}
// via render_api_error!), then 200 with Entities::Project.
func (s *Sim) putProject(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, params, ok := s.writeRequest(w, r)
	if !ok {
		return
	}
	var errs grapeErrors
	restrict, restrictOK := boolValue(params, "restrict_user_defined_variables")
	_, hasRestrict := params["restrict_user_defined_variables"]
	if !restrictOK {
		errs.add("restrict_user_defined_variables", "is invalid")
	}
	role, hasRole := params["ci_pipeline_variables_minimum_override_role"]
	roleStr, roleOK := grapeString(role)
	if hasRole && (!roleOK || role != nil && !slices.Contains(overrideRoles, roleStr)) {
		if !roleOK {
			errs.add("ci_pipeline_variables_minimum_override_role", "is invalid")
		} else {
			errs.add("ci_pipeline_variables_minimum_override_role", "does not have a valid value")
		}
	}
	allowTriggerApprove := allowTriggerApproveParam(params, &errs) // deployment_approvals.go
	if len(errs.order) > 0 {
		badParam(w, errs.message())
		return
	}
	given := false
	for _, k := range append(slices.Clone(updateParamsAtLeastOneOf), eeUpdateParams...) {
		if _, has := params[k]; has {
			given = true
			break
		}
	}
	if !given {
		badParam(w, strings.Join(updateParamsAtLeastOneOf, ", ")+" are missing, at least one parameter must be provided")
		return
	}
	proj, ok := s.actionProject(w, r, p)
	if !ok {
		return
	}
	level := accessLevel(p, proj)
	if level < MaintainerAccess { // authorize_admin_project
		forbidden(w, "")
		return
	}
	changingRestrict := hasRestrict && params["restrict_user_defined_variables"] != nil && restrict != proj.restrictUserDefinedVariables
	changingRole := hasRole && role != nil && roleStr != proj.pipelineVariablesRole
	if changingRestrict || changingRole {
		// Projects::UpdateService#validate_restrict_user_defined_variables_change:
		// the owner role only by owners; and changing either needs
		// change_restrict_user_defined_variables (Maintainer), or the Owner
		// role once the setting is privileged (owner or no_one_allowed:
		// ProjectPolicy's project_pipeline_override_role_privileged).
		if changingRole && roleStr == RoleOwner && level < OwnerAccess {
			message(w, http.StatusBadRequest, "Changing the ci_pipeline_variables_minimum_override_role to the owner role is not allowed")
			return
		}
		privileged := proj.pipelineVariablesRole == RoleOwner || proj.pipelineVariablesRole == RoleNoOneAllowed
		if privileged && level < OwnerAccess {
			message(w, http.StatusBadRequest, "Changing the restrict_user_defined_variables or ci_pipeline_variables_minimum_override_role is not allowed")
			return
		}
	}
	if hasRestrict && params["restrict_user_defined_variables"] != nil {
		proj.restrictUserDefinedVariables = restrict
	}
	if hasRole && role != nil {
		proj.pipelineVariablesRole = roleStr
	}
	if allowTriggerApprove != nil {
		proj.allowPipelineTriggerApproveDeployment = *allowTriggerApprove
	}
	writeJSON(w, http.StatusOK, s.projectEntity(r, p, proj))
}

// projectEntity is the part of Entities::Project the simulator knows: the
// project's identity, namespace, visibility and CI/CD settings. The CI/CD
// settings block (restrict_user_defined_variables,
// ci_pipeline_variables_minimum_override_role, ci_job_token_scope_enabled,
// ...) is exposed only to users who may admin the project (Maintainers),
// as the entity's with_options if: admin_project does.
func (s *Sim) projectEntity(r *http.Request, p principal, proj *project) obj {
	base := s.externalURL(r)
	parts := strings.Split(proj.path, "/")
	nsPath := strings.Join(parts[:len(parts)-1], "/")
	ns := proj.namespace
	var parent any
	if ns.parent != nil {
		parent = ns.parent.id
	}
	host := strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://")
	var defaultBranch any
	if cfg := s.ci.configs[proj.id]; cfg != nil {
		var branches []string
		for name, ref := range cfg.refs {
			if !ref.tag {
				branches = append(branches, name)
			}
		}
		sort.Strings(branches)
		if slices.Contains(branches, "main") {
			defaultBranch = "main"
		} else if len(branches) > 0 {
			defaultBranch = branches[0]
		}
	}
	o := obj{
		"id": proj.id, "description": nil, "name": proj.name,
		"name_with_namespace": strings.Join(parts[:len(parts)-1], " / ") + " / " + proj.name,
		"path":                parts[len(parts)-1], "path_with_namespace": proj.path,
		"created_at": apiTime(proj.createdAt), "default_branch": defaultBranch, "tag_list": []string{}, "topics": []string{},
		"ssh_url_to_repo": "git@" + host + ":" + proj.path + ".git", "http_url_to_repo": base + "/" + proj.path + ".git",
		"web_url": base + "/" + proj.path, "readme_url": nil, "forks_count": 0, "avatar_url": nil, "star_count": 0,
		"last_activity_at": apiTime(proj.createdAt),
		"namespace": obj{"id": ns.id, "name": ns.name, "path": ns.path,
			"kind": "group", "full_path": nsPath, "parent_id": parent, "avatar_url": nil, "web_url": base + "/groups/" + nsPath},
		"visibility": proj.visibility, "archived": proj.archived, "empty_repo": s.ci.configs[proj.id] == nil,
		"jobs_enabled": true, "builds_access_level": "enabled", "public_jobs": true, "shared_with_groups": sharesEntity(proj), // members.go
	}
	// EE Entities::Project (deployment_approvals.go)
	o["allow_pipeline_trigger_approve_deployment"] = proj.allowPipelineTriggerApproveDeployment
	if s.canReadJobs(p, proj) { // read_code
		o["ci_config_path"] = ""
	}
	if accessLevel(p, proj) >= MaintainerAccess { // admin_project
		o["ci_job_token_scope_enabled"] = proj.ciJobTokenScopeEnabled
		o["keep_latest_artifact"] = true
		o["restrict_user_defined_variables"] = proj.restrictUserDefinedVariables
		o["ci_pipeline_variables_minimum_override_role"] = proj.pipelineVariablesRole
		o["build_timeout"] = 3600
		o["auto_cancel_pending_pipelines"] = "enabled"
	}
	return o
}

// Project is a snapshot of a simulated project.
type Project struct {
	ID                int64
	PathWithNamespace string
}

// ProjectSpec describes a project to create.
type ProjectSpec struct {
	Path                   string // "group/sub/project", required
	Name                   string // default the last path segment
	Visibility             string // private (default), internal or public
	Members                map[int64]int
	CIJobTokenScopeEnabled bool
	Archived               bool
	// The pipeline-variables settings (projects.go). The zero value is a
	// project from before GitLab 17.1's restriction: no restriction, and
	// the minimum role "developer". GitLab.com's default for new projects
	// is RestrictUserDefinedVariables with "no_one_allowed".
	RestrictUserDefinedVariables         bool
	PipelineVariablesMinimumOverrideRole string // no_one_allowed, developer (default), maintainer, owner
}

// CreateProject adds a project; it panics on an invalid path, a test bug.
func (s *Sim) CreateProject(spec ProjectSpec) Project {
	s.lock()
	defer s.mu.Unlock()
	p, err := s.createProject(spec)
	if err != nil {
		panic(err)
	}
	return p
}

func (s *Sim) createProject(spec ProjectSpec) (Project, error) {
	parts := strings.Split(spec.Path, "/")
	if len(parts) < 2 || slicesContainsEmpty(parts) {
		return Project{}, fmt.Errorf("project path %q must be namespace/project", spec.Path)
	}
	for _, p := range s.projects {
		if strings.EqualFold(p.path, spec.Path) {
			return Project{}, fmt.Errorf("project path %q is taken", spec.Path)
		}
	}
	vis := spec.Visibility
	switch vis {
	case "":
		vis = "private"
	case "private", "internal", "public":
	default:
		return Project{}, fmt.Errorf("project %q: visibility %q is not private, internal or public", spec.Path, vis)
	}
	role := firstNonEmpty(spec.PipelineVariablesMinimumOverrideRole, RoleDeveloper)
	if !slices.Contains(overrideRoles, role) {
		return Project{}, fmt.Errorf("project %q: ci_pipeline_variables_minimum_override_role %q is not one of %s",
			spec.Path, role, strings.Join(overrideRoles, ", "))
	}
	p := &project{
		id: s.newID("project", 0), path: spec.Path, name: spec.Name, visibility: vis,
		members: map[int64]int{}, archived: spec.Archived, ciJobTokenScopeEnabled: spec.CIJobTokenScopeEnabled,
		createdAt: s.opts.Now().UTC(), restrictUserDefinedVariables: spec.RestrictUserDefinedVariables,
		pipelineVariablesRole: role,
	}
	if p.name == "" {
		p.name = parts[len(parts)-1]
	}
	for id, level := range spec.Members {
		p.members[id] = level
	}
	p.namespace = s.ensureGroupPath(strings.Join(parts[:len(parts)-1], "/"), "") // groups.go
	openGroups(p.namespace, vis)
	s.projects[p.id] = p
	return Project{ID: p.id, PathWithNamespace: p.path}, nil
}

func slicesContainsEmpty(parts []string) bool {
	for _, p := range parts {
		if p == "" {
			return true
		}
	}
	return false
}

// findProject resolves a numeric ID or a (decoded) full path, case-insensitively like GitLab.
func (s *Sim) findProject(id string) *project {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		return s.projects[n]
	}
	if dec, err := url.PathUnescape(id); err == nil {
		id = dec
	}
	for _, p := range s.projects {
		if strings.EqualFold(p.path, id) {
			return p
		}
	}
	return nil
}
