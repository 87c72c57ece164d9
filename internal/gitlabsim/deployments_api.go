package gitlabsim

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The Deployments API's reads (lib/api/deployments.rb, before {
// authenticate! }, no CI job tokens): GET /projects/:id/deployments,
// filtered and sorted by app/finders/deployments_finder.rb and presented as
// Entities::Deployment, and GET /projects/:id/deployments/:deployment_id,
// presented as Entities::DeploymentExtended with EE's
// pending_approval_count, approvals and approval_summary
// (ee/lib/ee/api/entities/deployment_extended.rb). Both need
// read_deployment (Reporter; 403 Forbidden). The approval endpoint is in
// deployment_approvals.go.

// Route patterns of the Deployments API.
const (
	RouteDeployments = "GET /api/v4/projects/{id}/deployments"
	RouteDeployment  = "GET /api/v4/projects/{id}/deployments/{deployment_id}"
)

func (s *Sim) deploymentRoutes() {
	s.handle(RouteDeployments, s.listDeployments)
	s.handle(RouteDeployment, s.getDeployment)
	s.handle(RouteDeploymentApproval, s.postDeploymentApproval)
}

// DeploymentsFinder::ALLOWED_SORT_VALUES and ALLOWED_SORT_DIRECTIONS.
var (
	deploymentSortValues     = []string{"id", "iid", "created_at", "updated_at", "ref", "finished_at"}
	deploymentSortDirections = []string{"asc", "desc"}
)

// deploymentsQuery is the declared parameters of GET /projects/:id/deployments.
type deploymentsQuery struct {
	lp                            listParams
	orderBy, sort                 string
	environment, status           string
	updatedAfter, updatedBefore   *time.Time
	finishedAfter, finishedBefore *time.Time
}

// grapeDateTime reads a Grape DateTime parameter (ISO 8601, or a date).
func grapeDateTime(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05Z0700", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func readDeploymentsQuery(w http.ResponseWriter, r *http.Request) (deploymentsQuery, bool) {
	lp, ok := readPageParams(w, r)
	if !ok {
		return deploymentsQuery{}, false
	}
	params := queryParams(r)
	q := deploymentsQuery{lp: lp, orderBy: "id", sort: "asc"}
	var errs grapeErrors
	str := func(name string) (string, bool) {
		v, given := params[name]
		if !given || v == nil {
			return "", false
		}
		s, isStr := grapeString(v)
		if !isStr {
			errs.add(name, "is invalid")
			return "", false
		}
		return s, true
	}
	for _, f := range []struct {
		name   string
		to     *string
		values []string
	}{{"order_by", &q.orderBy, deploymentSortValues}, {"sort", &q.sort, deploymentSortDirections},
		{"environment", &q.environment, nil}, {"status", &q.status, deploymentStatuses}} {
		if v, given := str(f.name); given {
			if f.values != nil && !slices.Contains(f.values, v) {
				errs.add(f.name, "does not have a valid value")
				continue
			}
			*f.to = v
		}
	}
	for _, f := range []struct {
		name string
		to   **time.Time
	}{{"updated_after", &q.updatedAfter}, {"updated_before", &q.updatedBefore},
		{"finished_after", &q.finishedAfter}, {"finished_before", &q.finishedBefore}} {
		if v, given := str(f.name); given && v != "" {
			t, valid := grapeDateTime(v)
			if !valid {
				errs.add(f.name, "is invalid")
				continue
			}
			*f.to = &t
		}
	}
	if len(errs.order) > 0 {
		badParam(w, errs.message())
		return deploymentsQuery{}, false
	}
	return q, true
}

// finderRefusal is DeploymentsFinder#validate's InefficientQueryError
// (bad_request!); the unpaired updated_at filter and sort is only tracked
// in production, not raised.
func (q deploymentsQuery) finderRefusal() string {
	byUpdated := q.updatedAfter != nil || q.updatedBefore != nil
	byFinished := q.finishedAfter != nil || q.finishedBefore != nil
	switch {
	case byUpdated && byFinished:
		return "Both `updated_at` filter and `finished_at` filter can not be specified"
	case byFinished != (q.orderBy == "finished_at"):
		return "`finished_at` filter and `finished_at` sorting must be paired"
	case byFinished && q.status != DeploymentSuccess:
		return "`finished_at` filter must be combined with `success` status filter."
	}
	return ""
}

// GET /projects/:id/deployments.
func (s *Sim) listDeployments(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, outcome := s.authenticate(w, r, false, readScopes...)
	if outcome != authOK {
		return
	}
	q, ok := readDeploymentsQuery(w, r)
	if !ok {
		return
	}
	proj, ok := s.deploymentsProject(w, r, p)
	if !ok {
		return
	}
	if msg := q.finderRefusal(); msg != "" {
		badRequest(w, msg)
		return
	}
	var list []*deployment
	for _, d := range s.guards.deploys.byProject[proj.id] {
		env := s.environmentByID(d.projectID, d.environmentID)
		switch {
		case q.environment != "" && (env == nil || env.name != q.environment),
			q.status != "" && d.status != q.status,
			q.updatedAfter != nil && d.updatedAt.Before(*q.updatedAfter),
			q.updatedBefore != nil && d.updatedAt.After(*q.updatedBefore),
			q.finishedAfter != nil && (d.finishedAt == nil || d.finishedAt.Before(*q.finishedAfter)),
			q.finishedBefore != nil && (d.finishedAt == nil || !d.finishedAt.Before(*q.finishedBefore)):
			continue
		}
		list = append(list, d)
	}
	sortDeployments(list, q)
	base := s.externalURL(r)
	writePage(s, w, r, q.lp, list, func(d *deployment) obj { return s.deploymentEntity(r, d, base, false) })
}

// sortDeployments is DeploymentsFinder#sort: created_at and iid sort as
// id; updated_at with id desc as tie-breaker, and imposed by an updated_at
// filter (optimize_sort_params!); finished_at as PostgreSQL orders NULLs
// (last ascending, first descending).
func sortDeployments(list []*deployment, q deploymentsQuery) {
	orderBy := q.orderBy
	if q.updatedAfter != nil || q.updatedBefore != nil {
		orderBy = "updated_at"
	}
	desc := q.sort == "desc"
	dir := func(c int) int {
		if desc {
			return -c
		}
		return c
	}
	slices.SortStableFunc(list, func(a, b *deployment) int {
		switch orderBy {
		case "updated_at":
			if c := a.updatedAt.Compare(b.updatedAt); c != 0 {
				return dir(c)
			}
			return -cmp.Compare(a.id, b.id)
		case "ref":
			if c := strings.Compare(a.ref, b.ref); c != 0 {
				return dir(c)
			}
			return cmp.Compare(a.id, b.id)
		case "finished_at":
			switch {
			case a.finishedAt == nil && b.finishedAt == nil:
				return cmp.Compare(a.id, b.id)
			case a.finishedAt == nil:
				return dir(1)
			case b.finishedAt == nil:
				return dir(-1)
			}
			if c := a.finishedAt.Compare(*b.finishedAt); c != 0 {
				return dir(c)
			}
			return cmp.Compare(a.id, b.id)
		}
		return dir(cmp.Compare(a.id, b.id))
	})
}

// GET /projects/:id/deployments/:deployment_id.
func (s *Sim) getDeployment(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, outcome := s.authenticate(w, r, false, readScopes...)
	if outcome != authOK {
		return
	}
	id, isInt := rubyInteger(r.PathValue("deployment_id"))
	if !isInt {
		badParam(w, "deployment_id is invalid")
		return
	}
	proj, ok := s.deploymentsProject(w, r, p)
	if !ok {
		return
	}
	d := s.findDeployment(proj.id, id)
	if d == nil {
		notFound(w, "")
		return
	}
	writeJSON(w, http.StatusOK, s.deploymentEntity(r, d, s.externalURL(r), true))
}

// deploymentsProject is user_project (404 Project Not Found) and
// authorize! :read_deployment (403).
func (s *Sim) deploymentsProject(w http.ResponseWriter, r *http.Request, p principal) (*project, bool) {
	proj, ok := s.actionProject(w, r, p)
	if !ok {
		return nil, false
	}
	if !s.canReadDeployments(p, proj) {
		forbidden(w, "")
		return nil, false
	}
	return proj, true
}

// deploymentEntity is Entities::Deployment, or with extended
// Entities::DeploymentExtended (EE: pending_approval_count, approvals,
// approval_summary). The deployable is Entities::Ci::Job.
func (s *Sim) deploymentEntity(r *http.Request, d *deployment, base string, extended bool) obj {
	e := obj{"id": d.id, "iid": d.iid, "ref": d.ref, "sha": d.sha, "created_at": apiTime(d.createdAt),
		"updated_at": apiTime(d.updatedAt), "user": s.userBasicEntity(s.users[d.userID], base),
		"environment": nil, "deployable": nil, "status": d.status}
	if env := s.environmentByID(d.projectID, d.environmentID); env != nil {
		e["environment"] = obj{"id": env.id, "name": env.name, "slug": env.slug, "external_url": nilIfEmpty(env.externalURL),
			"created_at": apiTime(env.createdAt), "updated_at": apiTime(env.updatedAt)}
	}
	if j := s.jobs[d.jobID]; j != nil {
		enc := s.newJobEncoder(r, nil)
		enc.job(j, false)
		if !enc.bad {
			e["deployable"] = json.RawMessage(enc.buf)
		}
	}
	if extended {
		e["pending_approval_count"] = s.pendingApprovalCount(d)
		approvals := []obj{}
		for _, a := range d.approvals {
			approvals = append(approvals, s.approvalEntity(a, base))
		}
		e["approvals"] = approvals
		e["approval_summary"] = s.approvalSummaryEntity(d, base)
	}
	return e
}

// lastDeploymentEntity is Entities::Environment's last_deployment
// (Environment#last_deployment: the last successful deployment,
// Deployment.ordered by finished_at) as Entities::Deployment, or nil.
func (s *Sim) lastDeploymentEntity(r *http.Request, env *environment) any {
	var last *deployment
	for _, d := range s.guards.deploys.byProject[env.projectID] {
		if d.environmentID == env.id && d.status == DeploymentSuccess && d.finishedAt != nil &&
			(last == nil || !d.finishedAt.Before(*last.finishedAt)) {
			last = d
		}
	}
	if last == nil {
		return nil
	}
	return s.deploymentEntity(r, last, s.externalURL(r), false)
}
