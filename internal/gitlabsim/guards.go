package gitlabsim

import (
	"fmt"
	"slices"
	"time"
)

// The guards production GitLab puts on release jobs, configured through
// GitLab's own APIs: protected branches and tags (protected_refs.go),
// environments (environments.go) and protected environments
// (protected_environments.go) and resource
// groups (resource_groups.go). This file holds their share of the store
// and what they have in common: their access-level parameters, the records
// a pipeline's jobs create, and Ci::BuildPolicy's write abilities over a
// job (canWriteJob), which the action endpoints ask. Their routes'
// authorize_admin_project is requests.go.

// guardState is the store's part for the guards, by project.
type guardState struct {
	branches       map[int64][]*protectedRef // protected branches, in creation order
	tags           map[int64][]*protectedRef // protected tags
	environments   map[int64][]*environment
	protectedEnvs  map[int64][]*protectedEnvironment
	resourceGroups map[int64][]*resourceGroup
	deploys        deploymentState // deployments and their approvals (deployments.go)
}

func (s *Sim) guardRoutes() {
	s.protectedRefRoutes()         // protected_refs.go
	s.environmentRoutes()          // environments.go
	s.protectedEnvironmentRoutes() // protected_environments.go
	s.resourceGroupRoutes()        // resource_groups.go
	s.deploymentRoutes()           // deployments_api.go
}

// accessEntriesParam reads an Array of access levels ({access_level,
// user_id, group_id}, each optional; a user or group makes the entry
// theirs): allowed_to_<action> of protected refs, deploy_access_levels of
// protected environments. levels are the access levels the route takes.
func accessEntriesParam(raw any, key string, levels []int64, errs *grapeErrors) []refAccess {
	items, isList := raw.([]any)
	if !isList {
		errs.add(key, "is invalid")
		return nil
	}
	var out []refAccess
	for _, item := range items {
		m, isHash := item.(map[string]any)
		if !isHash {
			errs.add(key, "is invalid")
			continue
		}
		var a refAccess
		if v, ok := optionalInt(m, "access_level"); !ok {
			errs.add(key+"[access_level]", "is invalid")
		} else if v != nil && !slices.Contains(levels, *v) {
			errs.add(key+"[access_level]", "does not have a valid value")
		} else if v != nil {
			a.accessLevel = int(*v)
		}
		for _, f := range []struct {
			name string
			to   *int64
		}{{"user_id", &a.userID}, {"group_id", &a.groupID}} {
			if v, ok := optionalInt(m, f.name); !ok {
				errs.add(key+"["+f.name+"]", "is invalid")
			} else if v != nil {
				*f.to = *v
			}
		}
		if a.userID != 0 || a.groupID != 0 {
			a.accessLevel = 0
		}
		out = append(out, a)
	}
	return out
}

// canWriteJob is Ci::BuildPolicy's job write abilities (play_job,
// retry_job, cancel_build, erase_build) for a user who already holds them
// through the project (canUpdateBuilds): app/policies/ci/build_policy.rb
// prevents them on a protected ref the user may not update
// (`~reporter_has_access_to_protected_environment & protected_ref`), and
// ee/app/policies/ee/ci/deployable_policy.rb on a protected environment
// the user may not deploy to (`~can?(:jailbreak) & protected_environment`).
// A reporter allowed to deploy to every protected environment of the job
// is let through both (the jailbreak; reporterDeployer).
func (s *Sim) canWriteJob(p principal, proj *project, j *job) bool {
	if s.reporterDeployer(p, proj, j) {
		return !proj.archived
	}
	if !canUpdateBuilds(p, proj) {
		return false
	}
	return s.jobGuard(p, proj, j) == nil
}

// guardRefusal says which guard refuses a job's write abilities to a user.
type guardRefusal struct {
	ref         *protectedRef         // a protected branch or tag the user may not update
	environment *protectedEnvironment // a protected environment the user may not deploy to
}

// jobGuard is the guard that keeps a user from acting on a job, if any.
func (s *Sim) jobGuard(p principal, proj *project, j *job) *guardRefusal {
	if s.reporterDeployer(p, proj, j) {
		return nil
	}
	// protected_ref is Ci::BuildPolicy's: app/policies/ci/bridge_policy.rb
	// has none for a bridge (it lets whoever may update the downstream
	// project's branch play it, which the simulator's bridges, without a
	// downstream project before they run, do not model).
	if pl := s.pipelines[j.pipelineID]; pl != nil && !j.bridge {
		if ref := s.refGuard(p.user, proj, pl.ref, pl.tag); ref != nil {
			return &guardRefusal{ref: ref}
		}
	}
	if pe := s.environmentGuard(p, proj, j); pe != nil {
		return &guardRefusal{environment: pe}
	}
	return nil
}

// validateGuardKeywords validates a CI job's environment: and resource_group:.
func validateGuardKeywords(j CIJob) error {
	if err := validateEnvironment(j.Environment); err != nil {
		return err
	}
	if j.ResourceGroup != "" && (len(j.ResourceGroup) > 255 || !resourceGroupKey.MatchString(j.ResourceGroup)) {
		return fmt.Errorf("resource_group %q: can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', and spaces", j.ResourceGroup)
	}
	return nil
}

// ensureGuardRecords persists, as a pipeline is created, the environments
// (Chain::EnsureEnvironments) and resource groups
// (Seed::Processable::ResourceGroup) its jobs name.
func (s *Sim) ensureGuardRecords(projectID int64, jobs []ciJob, at time.Time) {
	for _, cj := range jobs {
		if cj.Environment != nil {
			s.ensureEnvironment(projectID, cj.Environment, at)
		}
		if cj.ResourceGroup != "" {
			s.ensureResourceGroup(projectID, cj.ResourceGroup, at)
		}
	}
}
