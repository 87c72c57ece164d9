package gitlabsim

// Who may do what on a project, after app/policies/project_policy.rb and
// app/policies/ci/build_policy.rb: the member's access level, reading the
// project and its jobs, update_build and admin_build. The guards that
// narrow them on protected refs and environments are guards.go; each
// resource's own abilities (deployments, pipeline variables) stay with the
// resource.

// accessLevel is the principal's role in the project (admins: owner).
func accessLevel(p principal, proj *project) int {
	if p.user == nil {
		return 0
	}
	if p.user.admin {
		return OwnerAccess
	}
	return proj.access(p.user.id) // members.go: direct, through groups and shares
}

// canUpdateBuilds is update_build/cancel_build/play_job/retry_job: developers, not in archived projects.
func canUpdateBuilds(p principal, proj *project) bool {
	return !proj.archived && accessLevel(p, proj) >= DeveloperAccess
}

// canAdminBuilds is admin_build (and maintainer_access for force-cancel).
func canAdminBuilds(p principal, proj *project) bool {
	return !proj.archived && accessLevel(p, proj) >= MaintainerAccess
}

// canSeeProject is read_project. A CI job token reaches its own project and
// public and internal ones (ProjectPolicy's job token rules; other
// projects' allowlists are not simulated, so a private project of another
// project is outside the allowlist), and there acts as its job's user.
func (s *Sim) canSeeProject(p principal, proj *project) bool {
	if p.job != nil && p.job.projectID != proj.id {
		return proj.visibility == "public" || proj.visibility == "internal"
	}
	if p.job != nil {
		return true
	}
	if p.user == nil {
		return proj.visibility == "public"
	}
	switch {
	case p.user.admin, proj.visibility == "public", proj.visibility == "internal" && !p.user.bot:
		return true
	}
	return proj.isMember(p.user.id)
}

// canReadJobs is read_build. A CI job token is authorized as its job's
// user (a Guest of a private project may not read its jobs).
func (s *Sim) canReadJobs(p principal, proj *project) bool {
	if proj.visibility == "public" {
		return true
	}
	if p.user == nil {
		return false
	}
	if p.user.admin {
		return true
	}
	return proj.access(p.user.id) >= ReporterAccess
}
