package gitlabsim

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// Deployment approvals (GitLab Premium), from GitLab's EE source (mirror
// diffblue/gitlab):
//
//   - ee/app/models/ee/environment.rb: needs_approval? is
//     required_approval_count > 0; required_approval_count is the sum of
//     the approval rules' required_approvals of the environment's
//     protections when it has approval rules (has_approval_rules?), else
//     the largest required_approval_count of its protections (the
//     "unified approval setting"), 0 when it is not protected.
//     find_approval_rule_for(user, represented_as:) is the first rule that
//     grants the user access (check_access) and, with represented_as,
//     whose humanized name (the user's name, the group's name or the
//     role's) contains it.
//   - ee/app/services/ee/ci/process_build_service.rb#process: a job whose
//     environment needs approval is made a manual action when processed
//     (when: manual, actionize), and its deployment blocked.
//   - ee/app/models/ee/deployment.rb: pending_approval_count is 0 when the
//     environment is not protected, else the approval summary's pending
//     count (ee/app/models/deployments/approval_summary.rb,
//     protected_environments/approval_rules/summarizable.rb: per rule,
//     required_approvals less its approved approvals, at least 0); without
//     approval rules, the unified count less the approvals given.
//     waiting_for_approval? is pending_approval_count > 0.
//   - ee/app/models/concerns/ee/ci/deployable.rb and app/models/ci/build.rb:
//     waiting_for_deployment_approval? is manual? && deployment_job? &&
//     deployment.waiting_for_approval?; such a job is not playable?
//     (POST play: 400 "Unplayable Job") and enqueue does not apply to it.
//   - ee/app/services/deployments/approval_service.rb (the current version:
//     validate, upsert_approval, process_build!): the checks in order
//     (approvalRefusal), one approval per user and rule (the same status
//     again answers the existing approval unchanged; the other status
//     replaces status and comment), a rejection drops the job with
//     failure_reason deployment_rejected (not retryable:
//     Ci::Processable#retryable?), and an approval that leaves no pending
//     approvals enqueues the job under the unified setting, while with
//     approval rules the job stays a manual job that is now playable
//     ("Executors can later run the manual job at their ideal timing").
//   - ee/app/policies/ee/deployment_policy.rb: approve_deployment is, with
//     approval rules, read_deployment (Reporter) and an approval rule for
//     the user; without, update_deployment (a Developer who may update the
//     job: app/policies/deployment_policy.rb, the protected branch and
//     environment guards of guards.go's canWriteJob).
//   - ee/lib/ee/api/deployments.rb: POST
//     /projects/:id/deployments/:deployment_id/approval (status approved or
//     rejected, comment, represented_as); a refusal of the service is
//     render_api_error!(message, 400).
//   - ee/lib/api/entities/deployments/approval.rb, approval_summary.rb,
//     protected_environments/approval_rule.rb and
//     approval_rule_for_summary.rb: the JSON shapes.
//   - The project setting allow_pipeline_trigger_approve_deployment
//     (ee/app/models/ee/project.rb, PUT /projects/:id): lets the user who
//     triggered the deployment approve it.
//
// Group approvers: a group_id rule lets the group's members approve under
// it (Authorizable#check_access, protected_environments.go's
// deployAccessAllows: its direct members, or with group_inheritance_type 1
// its inherited members too); the group must be one the project is shared
// with, as the API keeps no other (sharedGroupsOnly).

// approvalRule is a ProtectedEnvironments::ApprovalRule.
type approvalRule struct {
	refAccess
	requiredApprovals int64
}

// deploymentApproval is a Deployments::Approval.
type deploymentApproval struct {
	id        int64
	userID    int64
	ruleID    int64 // 0: no approval rule
	status    string
	comment   string
	createdAt time.Time
	updatedAt time.Time
}

// Route pattern of the approval endpoint.
const RouteDeploymentApproval = "POST /api/v4/projects/{id}/deployments/{deployment_id}/approval"

// protectionsNamed are the protected environments of a project's environment.
func (s *Sim) protectionsNamed(projectID int64, name string) []*protectedEnvironment {
	var out []*protectedEnvironment
	for _, pe := range s.guards.protectedEnvs[projectID] {
		if pe.name == name {
			out = append(out, pe)
		}
	}
	return out
}

func rulesOf(pes []*protectedEnvironment) []*approvalRule {
	var out []*approvalRule
	for _, pe := range pes {
		out = append(out, pe.approvalRules...)
	}
	return out
}

// requiredApprovalCount is Environment#required_approval_count.
func requiredApprovalCount(pes []*protectedEnvironment) int64 {
	var n int64
	if rules := rulesOf(pes); len(rules) > 0 {
		for _, r := range rules {
			n += r.requiredApprovals
		}
		return n
	}
	for _, pe := range pes {
		n = max(n, pe.requiredApprovalCount)
	}
	return n
}

// needsApproval is persisted_environment.needs_approval? of a job.
func (s *Sim) needsApproval(j *job) bool {
	e := s.jobEnvironment(j)
	return e != nil && requiredApprovalCount(s.protectionsNamed(j.projectID, e.Name)) > 0
}

// processBuildNeedingApproval is EE Ci::ProcessBuildService#process for a
// job whose environment needs approval, before CE's enqueue_immediately
// (a retried job) and scheduling: when: manual, actionize; the deployment
// is then blocked (deployments.go: sync_status_with).
func (s *Sim) processBuildNeedingApproval(j *job, at time.Time) {
	j.when = "manual"
	s.fire(j, evActionize, at, transitionArgs{})
}

func (s *Sim) deploymentProtections(d *deployment) []*protectedEnvironment {
	env := s.environmentByID(d.projectID, d.environmentID)
	if env == nil {
		return nil
	}
	return s.protectionsNamed(d.projectID, env.name)
}

// approvedFor counts the approved approvals of d for a rule.
func (d *deployment) approvedFor(ruleID int64) int64 {
	var n int64
	for _, a := range d.approvals {
		if a.ruleID == ruleID && a.status == "approved" {
			n++
		}
	}
	return n
}

// pendingApprovalCount is Deployment#pending_approval_count.
func (s *Sim) pendingApprovalCount(d *deployment) int64 {
	pes := s.deploymentProtections(d)
	if len(pes) == 0 {
		return 0
	}
	rules := rulesOf(pes)
	if len(rules) == 0 {
		return max(requiredApprovalCount(pes)-int64(len(d.approvals)), 0)
	}
	var n int64
	for _, r := range rules {
		n += max(r.requiredApprovals-d.approvedFor(r.id), 0)
	}
	return n
}

// waitingForDeploymentApproval is Ci::Build#waiting_for_deployment_approval?.
func (s *Sim) waitingForDeploymentApproval(j *job) bool {
	if j.status != StatusManual {
		return false
	}
	d := s.guards.deploys.byJob[j.id]
	return d != nil && s.pendingApprovalCount(d) > 0
}

// humanizeRule is Authorizable#humanize of an approval rule: the user's
// name, the group's name or the role's description.
func (s *Sim) humanizeRule(r *approvalRule) string {
	switch {
	case r.userID != 0:
		if u := s.users[r.userID]; u != nil {
			return u.name
		}
		return ""
	case r.groupID != 0:
		return s.groupName(r.groupID)
	}
	h, _ := humanizeDeployAccess(r.accessLevel).(string)
	return h
}

// findApprovalRuleFor is Environment#find_approval_rule_for.
func (s *Sim) findApprovalRuleFor(pes []*protectedEnvironment, u *user, proj *project, representedAs string) *approvalRule {
	for _, r := range rulesOf(pes) {
		if representedAs != "" && !strings.Contains(s.humanizeRule(r), representedAs) {
			continue
		}
		if s.deployAccessAllows(r.refAccess, u, proj) {
			return r
		}
	}
	return nil
}

// mayApproveDeployment is approve_deployment (EE DeploymentPolicy).
func (s *Sim) mayApproveDeployment(p principal, proj *project, d *deployment, pes []*protectedEnvironment) bool {
	if p.user == nil || requiredApprovalCount(pes) == 0 {
		return false
	}
	if len(rulesOf(pes)) > 0 {
		return s.canReadDeployments(p, proj) && s.findApprovalRuleFor(pes, p.user, proj, "") != nil
	}
	if accessLevel(p, proj) < DeveloperAccess || proj.archived { // update_deployment
		return false
	}
	j := s.jobs[d.jobID]
	return j == nil || s.canWriteJob(p, proj, j) // can?(:update_build, deployable)
}

// Deployments::ApprovalService's refusals, in the order validate checks them.
const (
	msgApprovalUnrecognized  = "Unrecognized approval status."
	msgApprovalNotProtected  = "This environment is not protected."
	msgApprovalOwnDeployment = "You cannot approve your own deployment. This configuration can be adjusted in the protected environment settings."
	msgApprovalNotConfigured = "Deployment approvals is not configured for this environment."
	msgApprovalNotWaiting    = "This deployment is not waiting for approvals."
	msgApprovalNoPermission  = "You don't have permission to approve this deployment. Contact the project or group owner for help."
	msgApprovalNoRepresented = "There are no approval rules for the given `represent_as` parameter. Use a valid User/Group/Role name instead."
	msgApprovalCommentLong   = "Comment is too long (maximum is 255 characters)"
)

// approvalRefusal is ApprovalService#validate: the refusal, or "".
func (s *Sim) approvalRefusal(p principal, proj *project, d *deployment, status, representedAs string) string {
	pes := s.deploymentProtections(d)
	switch {
	case status != "approved" && status != "rejected":
		return msgApprovalUnrecognized
	case len(pes) == 0:
		return msgApprovalNotProtected
	case p.user != nil && d.userID == p.user.id && status == "approved" && !proj.allowPipelineTriggerApproveDeployment:
		return msgApprovalOwnDeployment
	case requiredApprovalCount(pes) == 0:
		return msgApprovalNotConfigured
	case s.pendingApprovalCount(d) <= 0:
		return msgApprovalNotWaiting
	case !s.mayApproveDeployment(p, proj, d, pes):
		return msgApprovalNoPermission
	case len(rulesOf(pes)) > 0 && representedAs != "" && s.findApprovalRuleFor(pes, p.user, proj, representedAs) == nil:
		return msgApprovalNoRepresented
	}
	return ""
}

// approveDeployment is Deployments::ApprovalService#execute: the approval,
// or the refusal (a message, or the approval's validation errors).
func (s *Sim) approveDeployment(p principal, proj *project, d *deployment, status, comment, representedAs string, at time.Time) (*deploymentApproval, any) {
	if msg := s.approvalRefusal(p, proj, d, status, representedAs); msg != "" {
		return nil, msg
	}
	pes := s.deploymentProtections(d)
	var ruleID int64
	withRules := len(rulesOf(pes)) > 0
	if withRules {
		ruleID = s.findApprovalRuleFor(pes, p.user, proj, representedAs).id
	}
	// upsert_approval: one approval per user and rule.
	var a *deploymentApproval
	for _, old := range d.approvals {
		if old.userID == p.user.id && old.ruleID == ruleID {
			a = old
		}
	}
	if a != nil && a.status == status {
		return a, nil
	}
	if len([]rune(comment)) > 255 { // Deployments::Approval's validation
		return nil, []string{msgApprovalCommentLong}
	}
	switch {
	case a != nil:
		a.status, a.comment, a.updatedAt = status, comment, at.UTC()
	default:
		a = &deploymentApproval{id: s.newID("deployment_approval", 0), userID: p.user.id, ruleID: ruleID,
			status: status, comment: comment, createdAt: at.UTC(), updatedAt: at.UTC()}
		d.approvals = append(d.approvals, a)
	}
	// process_build!
	if j := s.jobs[d.jobID]; j != nil {
		switch {
		case status == "rejected":
			s.fire(j, evDrop, at, transitionArgs{failureReason: "deployment_rejected"})
		case withRules:
			// The job stays manual and is now playable once no approval is pending.
		case s.pendingApprovalCount(d) <= 0:
			j.driven = true
			s.fire(j, evEnqueue, at, transitionArgs{})
		}
	}
	return a, nil
}

// canReadDeployments is read_deployment on the project: Reporters (and
// anyone who may read a public project's jobs).
func (s *Sim) canReadDeployments(p principal, proj *project) bool {
	return p.user != nil && s.canReadJobs(p, proj)
}

// approvalEntity is API::Entities::Deployments::Approval.
func (s *Sim) approvalEntity(a *deploymentApproval, base string) obj {
	return obj{"user": s.userBasicEntity(s.users[a.userID], base), "status": a.status,
		"created_at": apiTime(a.createdAt), "comment": nilIfEmpty(a.comment)}
}

// approvalRuleEntity is API::Entities::ProtectedEnvironments::ApprovalRule.
func (s *Sim) approvalRuleEntity(r *approvalRule) obj {
	e := obj{"id": r.id, "user_id": nil, "group_id": nil, "access_level": nil, "access_level_description": nil,
		"required_approvals": r.requiredApprovals, "group_inheritance_type": r.groupInheritanceType}
	switch {
	case r.userID != 0:
		e["user_id"] = r.userID
	case r.groupID != 0:
		e["group_id"] = r.groupID
	default:
		e["access_level"] = r.accessLevel
	}
	if h := s.humanizeRule(r); h != "" {
		e["access_level_description"] = h
	}
	return e
}

func (s *Sim) approvalRuleEntities(pe *protectedEnvironment) []obj {
	out := []obj{}
	for _, r := range pe.approvalRules {
		out = append(out, s.approvalRuleEntity(r))
	}
	return out
}

// approvalSummaryEntity is API::Entities::Deployments::ApprovalSummary:
// the rules, each with its deployment_approvals (ApprovalRuleForSummary).
func (s *Sim) approvalSummaryEntity(d *deployment, base string) obj {
	rules := []obj{}
	for _, r := range rulesOf(s.deploymentProtections(d)) {
		e := s.approvalRuleEntity(r)
		approvals := []obj{}
		for _, a := range d.approvals {
			if a.ruleID == r.id {
				approvals = append(approvals, s.approvalEntity(a, base))
			}
		}
		e["deployment_approvals"] = approvals
		rules = append(rules, e)
	}
	return obj{"rules": rules}
}

// POST /projects/:id/deployments/:deployment_id/approval: 201 with the
// approval; the service's refusals are 400 {"message": ...}.
func (s *Sim) postDeploymentApproval(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, params, ok := s.writeRequest(w, r)
	if !ok {
		return
	}
	var errs grapeErrors
	id, isInt := rubyInteger(r.PathValue("deployment_id"))
	if !isInt {
		errs.add("deployment_id", "is invalid")
	}
	status := requiredString(params, "status", &errs)
	if _, given := params["status"]; given && status != "" && status != "approved" && status != "rejected" {
		errs.add("status", "does not have a valid value")
	}
	var opt [2]string
	for i, name := range []string{"comment", "represented_as"} {
		if v, given := params[name]; given && v != nil {
			str, isStr := grapeString(v)
			if !isStr {
				errs.add(name, "is invalid")
			}
			opt[i] = str
		}
	}
	if len(errs.order) > 0 {
		badParam(w, errs.message())
		return
	}
	proj, ok := s.deploymentsProject(w, r, p) // deployments_api.go: user_project, authorize! :read_deployment
	if !ok {
		return
	}
	d := s.findDeployment(proj.id, id)
	if d == nil { // user_project.deployments.find
		notFound(w, "")
		return
	}
	a, refusal := s.approveDeployment(p, proj, d, status, opt[0], opt[1], s.opts.Now())
	if refusal != nil {
		writeJSON(w, http.StatusBadRequest, obj{"message": refusal})
		return
	}
	writeJSON(w, http.StatusCreated, s.approvalEntity(a, s.externalURL(r)))
}

func (s *Sim) findDeployment(projectID, id int64) *deployment {
	list := s.guards.deploys.byProject[projectID]
	if i, found := slices.BinarySearchFunc(list, id, func(d *deployment, id int64) int { return int(d.id - id) }); found {
		return list[i]
	}
	return nil
}

// ApproveDeployment approves or rejects a deployment out of band, as the
// user would through POST .../deployments/:deployment_id/approval, with the
// service's rules; the refusal is the message GitLab answers.
func (s *Sim) ApproveDeployment(projectID, deploymentID, userID int64, status, comment, representedAs string) (DeploymentApproval, error) {
	s.lock()
	defer s.mu.Unlock()
	proj, u := s.projects[projectID], s.users[userID]
	if proj == nil || u == nil {
		return DeploymentApproval{}, errorString("no such project or user")
	}
	d := s.findDeployment(projectID, deploymentID)
	if d == nil {
		return DeploymentApproval{}, errorString("404 Not found")
	}
	a, refusal := s.approveDeployment(principal{user: u}, proj, d, status, comment, representedAs, s.opts.Now())
	switch msg := refusal.(type) {
	case string:
		return DeploymentApproval{}, errorString(msg)
	case []string:
		return DeploymentApproval{}, errorString(strings.Join(msg, ", "))
	}
	return DeploymentApproval{UserID: a.userID, Status: a.status, Comment: a.comment, RuleID: a.ruleID}, nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

// ApprovalRuleSpec is an approval rule of a protected environment: one of
// UserID, GroupID (with GroupInherited: group_inheritance_type 1, the
// group's inherited members too) or AccessLevel, and RequiredApprovals
// (default 1).
type ApprovalRuleSpec struct {
	UserID, GroupID   int64
	GroupInherited    bool
	AccessLevel       int
	RequiredApprovals int64
}

// SetEnvironmentApprovals sets a protected environment's unified
// required_approval_count and its approval rules, as PUT
// /projects/:id/protected_environments/:name would; it reports whether the
// environment is protected.
func (s *Sim) SetEnvironmentApprovals(projectID int64, name string, requiredApprovalCount int64, rules []ApprovalRuleSpec) bool {
	s.lock()
	defer s.mu.Unlock()
	pe := s.findProtectedEnvironment(projectID, name)
	if pe == nil {
		return false
	}
	pe.requiredApprovalCount = requiredApprovalCount
	pe.approvalRules = nil
	for _, r := range rules {
		a := refAccess{id: s.newID("approval_rule", 0), userID: r.UserID, groupID: r.GroupID, accessLevel: r.AccessLevel}
		if r.GroupInherited {
			a.groupInheritanceType = groupAllInherited
		}
		pe.approvalRules = append(pe.approvalRules, &approvalRule{refAccess: a, requiredApprovals: max(r.RequiredApprovals, 1)})
	}
	return true
}

// SetAllowPipelineTriggerApproveDeployment sets the project setting
// allow_pipeline_trigger_approve_deployment, as PUT /projects/:id would.
func (s *Sim) SetAllowPipelineTriggerApproveDeployment(projectID int64, allow bool) {
	s.lock()
	defer s.mu.Unlock()
	if proj := s.projects[projectID]; proj != nil {
		proj.allowPipelineTriggerApproveDeployment = allow
	}
}

// eeUpdateParams are the parameters EE's ProjectsHelpers adds to
// update_params_at_least_one_of that the simulator models (the 400's
// message keeps listing CE's).
var eeUpdateParams = []string{"allow_pipeline_trigger_approve_deployment"}

// allowTriggerApproveParam reads PUT /projects/:id's
// allow_pipeline_trigger_approve_deployment (Boolean), nil when absent.
func allowTriggerApproveParam(params map[string]any, errs *grapeErrors) *bool {
	const name = "allow_pipeline_trigger_approve_deployment"
	if v, given := params[name]; !given || v == nil {
		return nil
	}
	allow, ok := boolValue(params, name)
	if !ok {
		errs.add(name, "is invalid")
		return nil
	}
	return &allow
}
