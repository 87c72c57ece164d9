package gitlabsim

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"time"
)

// Resource groups: jobs with resource_group: run one at a time. Sources
// (gitlabhq/gitlabhq):
//
//   - app/models/ci/processable.rb: enqueue (and enqueue_scheduled) of a job
//     with a resource group goes to waiting_for_resource; its
//     enqueue_waiting_for_resource goes on to pending once the group's
//     resource is assigned to it (before_transition: assign_resource_to);
//     a job of the group that completes releases the resource, and each of
//     these transitions runs AssignResourceFromResourceGroupWorker.
//   - app/services/ci/resource_groups/assign_resource_from_resource_group_service.rb:
//     the upcoming processables, as many as the group has free resources
//     (one), are enqueued if they are waiting for the resource (an
//     upcoming job not yet waiting keeps its turn).
//   - app/models/ci/resource_group.rb: one resource per group; process
//     modes unordered (waiting jobs, by ID here), oldest_first and
//     newest_first (waiting and upcoming jobs, created, scheduled or
//     waiting_for_resource, by pipeline, oldest or newest first, waiting
//     ones first within a pipeline), newest_ready_first (waiting jobs,
//     newest pipeline first); key validated as an environment name.
//   - Gitlab::Ci::Pipeline::Seed::Processable::ResourceGroup: the group is
//     created with its key when a pipeline with such a job is created.
//   - lib/api/ci/resource_groups.rb: GET /projects/:id/resource_groups,
//     GET/PUT .../:key (process_mode), GET .../:key/current_job and
//     .../:key/upcoming_jobs (Entities::Ci::ResourceGroup,
//     Entities::Ci::JobBasic); read_resource_group and update_resource_group
//     are the Developer role (ProjectPolicy); an unknown key is 404 Not found.
//
// The simulated runner takes a job only once it is pending, so a job that
// waits for the resource stays waiting_for_resource until the holder
// completes (success, failed, canceled or skipped).

// resourceGroup is a Ci::ResourceGroup with its one resource.
type resourceGroup struct {
	id          int64
	projectID   int64
	key         string
	processMode string
	holder      int64 // the job the resource is assigned to, 0 when free
	createdAt   time.Time
	updatedAt   time.Time
}

// resourceGroupProcessModes are Ci::ResourceGroup.process_modes.
var resourceGroupProcessModes = []string{"unordered", "oldest_first", "newest_first", "newest_ready_first"}

// resourceGroupKey is Gitlab::Regex.environment_name_regex, which resource group keys follow.
var resourceGroupKey = regexp.MustCompile(`^[a-zA-Z0-9 _/${}.\-]+$`)

// Route patterns of the resource groups API.
const (
	RouteResourceGroups      = "GET /api/v4/projects/{id}/resource_groups"
	RouteResourceGroup       = "GET /api/v4/projects/{id}/resource_groups/{key}"
	RouteEditResourceGroup   = "PUT /api/v4/projects/{id}/resource_groups/{key}"
	RouteResourceCurrentJob  = "GET /api/v4/projects/{id}/resource_groups/{key}/current_job"
	RouteResourceUpcomingJob = "GET /api/v4/projects/{id}/resource_groups/{key}/upcoming_jobs"
)

func (s *Sim) resourceGroupRoutes() {
	s.handle(RouteResourceGroups, s.listResourceGroups)
	s.handle(RouteResourceGroup, s.getResourceGroup)
	s.handle(RouteEditResourceGroup, s.putResourceGroup)
	s.handle(RouteResourceCurrentJob, s.getResourceGroupCurrentJob)
	s.handle(RouteResourceUpcomingJob, s.getResourceGroupUpcomingJobs)
}

// ensureResourceGroup is safe_find_or_create_by!(key:).
func (s *Sim) ensureResourceGroup(projectID int64, key string, at time.Time) *resourceGroup {
	if rg := s.findResourceGroup(projectID, key); rg != nil {
		return rg
	}
	rg := &resourceGroup{id: s.newID("resource_group", 0), projectID: projectID, key: key, processMode: "unordered",
		createdAt: at.UTC(), updatedAt: at.UTC()}
	if s.guards.resourceGroups == nil {
		s.guards.resourceGroups = map[int64][]*resourceGroup{}
	}
	s.guards.resourceGroups[projectID] = append(s.guards.resourceGroups[projectID], rg)
	return rg
}

func (s *Sim) findResourceGroup(projectID int64, key string) *resourceGroup {
	for _, rg := range s.guards.resourceGroups[projectID] {
		if rg.key == key {
			return rg
		}
	}
	return nil
}

// jobResourceGroup is the resource group of a job of a pipeline created
// from a CI configuration (its retries included), or nil.
func (s *Sim) jobResourceGroup(j *job) *resourceGroup {
	run := s.ci.runs[j.pipelineID]
	if run == nil {
		return nil
	}
	key := run.byName[j.name].ResourceGroup
	if key == "" {
		return nil
	}
	return s.findResourceGroup(j.projectID, key)
}

// withResourceGroup is Ci::Processable#with_resource_group?, the guard of
// enqueue's transition to waiting_for_resource (statemachine.go).
func (s *Sim) withResourceGroup(j *job) bool { return s.jobResourceGroup(j) != nil }

// resourceGroupAfter is the after_transition hooks of Ci::Processable for
// resource groups, run on every status change of a job: a completed job
// releases the resource it holds; then, if the job waits for the resource
// or released it, AssignResourceFromResourceGroupService runs.
func (s *Sim) resourceGroupAfter(j *job, at time.Time) {
	rg := s.jobResourceGroup(j)
	if rg == nil {
		return
	}
	released := false
	if completed(j.status) && rg.holder == j.id { // release_resource_from
		rg.holder = 0
		released = true
	}
	if released || j.status == StatusWaitingForResource {
		s.assignResource(rg, at)
	}
}

// assignResource is AssignResourceFromResourceGroupService#execute for the
// one resource: the first upcoming job gets it if it is waiting for it.
// The holder is released first if it is gone or completed (the service's
// release_resource_from_stale_jobs).
func (s *Sim) assignResource(rg *resourceGroup, at time.Time) {
	if h := s.jobs[rg.holder]; rg.holder != 0 && (h == nil || completed(h.status)) {
		rg.holder = 0
	}
	if rg.holder != 0 {
		return
	}
	upcoming := s.upcomingJobs(rg)
	if len(upcoming) == 0 || upcoming[0].status != StatusWaitingForResource {
		return
	}
	next := upcoming[0]
	rg.holder = next.id // before_transition on enqueue_waiting_for_resource: assign_resource_to
	s.fire(next, evEnqueueWaiting, at, transitionArgs{})
}

// upcomingJobs is Ci::ResourceGroup#upcoming_processables.
func (s *Sim) upcomingJobs(rg *resourceGroup) []*job {
	var out []*job
	for _, j := range s.jobsOf(rg) {
		switch j.status {
		case StatusWaitingForResource:
			out = append(out, j)
		case StatusCreated, StatusScheduled: // waiting_for_resource_or_upcoming
			if rg.processMode == "oldest_first" || rg.processMode == "newest_first" {
				out = append(out, j)
			}
		}
	}
	waitingFirst := func(a, b *job) int {
		return boolIndex(a.status != StatusWaitingForResource) - boolIndex(b.status != StatusWaitingForResource)
	}
	switch rg.processMode {
	case "oldest_first":
		slices.SortStableFunc(out, func(a, b *job) int {
			if a.pipelineID != b.pipelineID {
				return int(a.pipelineID - b.pipelineID)
			}
			return waitingFirst(a, b)
		})
	case "newest_first", "newest_ready_first":
		slices.SortStableFunc(out, func(a, b *job) int {
			if a.pipelineID != b.pipelineID {
				return int(b.pipelineID - a.pipelineID)
			}
			return waitingFirst(a, b)
		})
	}
	return out
}

// jobsOf are the group's processables (not retried), in ID order.
func (s *Sim) jobsOf(rg *resourceGroup) []*job {
	var out []*job
	for _, pl := range s.pipelines {
		if pl.projectID != rg.projectID || s.ci.runs[pl.id] == nil {
			continue
		}
		for _, j := range pl.jobs {
			if !j.retried && s.jobResourceGroup(j) == rg {
				out = append(out, j)
			}
		}
	}
	slices.SortFunc(out, func(a, b *job) int { return int(a.id - b.id) })
	return out
}

// ResourceGroupHolder is the job holding a project's resource group, 0 when free.
func (s *Sim) ResourceGroupHolder(projectID int64, key string) int64 {
	s.lock()
	defer s.mu.Unlock()
	if rg := s.findResourceGroup(projectID, key); rg != nil {
		return rg.holder
	}
	return 0
}

func resourceGroupEntity(rg *resourceGroup) obj {
	return obj{"id": rg.id, "key": rg.key, "process_mode": rg.processMode,
		"created_at": apiTime(rg.createdAt), "updated_at": apiTime(rg.updatedAt)}
}

// resourceGroupOf finds {key}, after projectRequest (authenticate!, no job tokens), (find_by_key!: 404 Not found) and authorizes
// read_resource_group or update_resource_group (Developers, 403).
func (s *Sim) resourceGroupOf(w http.ResponseWriter, r *http.Request, p principal, proj *project) (*resourceGroup, bool) {
	rg := s.findResourceGroup(proj.id, r.PathValue("key"))
	if rg == nil {
		notFound(w, "")
		return nil, false
	}
	if accessLevel(p, proj) < DeveloperAccess {
		forbidden(w, "")
		return nil, false
	}
	return rg, true
}

// resourceGroupJobsOf is resourceGroupOf with authorize! :read_build, the
// start of the routes that present the group's jobs.
func (s *Sim) resourceGroupJobsOf(w http.ResponseWriter, r *http.Request, p principal, proj *project) (*resourceGroup, bool) {
	rg, ok := s.resourceGroupOf(w, r, p, proj)
	if ok && !s.canReadJobs(p, proj) {
		forbidden(w, "")
		return nil, false
	}
	return rg, ok
}

// GET /projects/:id/resource_groups.
func (s *Sim) listResourceGroups(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, proj, ok := s.projectRequest(w, r)
	if !ok {
		return
	}
	lp, ok := readPageParams(w, r)
	if !ok {
		return
	}
	if accessLevel(p, proj) < DeveloperAccess { // authorize! :read_resource_group, user_project
		forbidden(w, "")
		return
	}
	writePage(s, w, r, lp, s.guards.resourceGroups[proj.id], resourceGroupEntity)
}

// GET /projects/:id/resource_groups/:key.
func (s *Sim) getResourceGroup(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, proj, ok := s.projectRequest(w, r)
	if !ok {
		return
	}
	rg, ok := s.resourceGroupOf(w, r, p, proj)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, resourceGroupEntity(rg))
}

// PUT /projects/:id/resource_groups/:key: process_mode.
func (s *Sim) putResourceGroup(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	params, ok := readParams(w, r)
	if !ok {
		return
	}
	p, proj, ok := s.projectRequest(w, r)
	if !ok {
		return
	}
	mode, given := params["process_mode"]
	modeStr, isString := grapeString(mode)
	if given && (!isString || !slices.Contains(resourceGroupProcessModes, modeStr)) {
		badParam(w, "process_mode does not have a valid value")
		return
	}
	rg, ok := s.resourceGroupOf(w, r, p, proj)
	if !ok {
		return
	}
	if given && modeStr != rg.processMode {
		rg.processMode = modeStr
		rg.updatedAt = s.opts.Now().UTC()
		s.assignResource(rg, s.opts.Now())
	}
	writeJSON(w, http.StatusOK, resourceGroupEntity(rg))
}

// GET /projects/:id/resource_groups/:key/current_job: the holder as
// Entities::Ci::JobBasic, or null.
func (s *Sim) getResourceGroupCurrentJob(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, proj, ok := s.projectRequest(w, r)
	if !ok {
		return
	}
	rg, ok := s.resourceGroupJobsOf(w, r, p, proj)
	if !ok {
		return
	}
	h := s.jobs[rg.holder]
	if h == nil {
		writeJSON(w, http.StatusOK, nil)
		return
	}
	writeJSON(w, http.StatusOK, s.jobBasicEntities(r, []*job{h})[0])
}

// GET /projects/:id/resource_groups/:key/upcoming_jobs: paginated JobBasic.
func (s *Sim) getResourceGroupUpcomingJobs(w http.ResponseWriter, r *http.Request) {
	s.lock()
	defer s.mu.Unlock()
	p, proj, ok := s.projectRequest(w, r)
	if !ok {
		return
	}
	lp, ok := readPageParams(w, r)
	if !ok {
		return
	}
	rg, ok := s.resourceGroupJobsOf(w, r, p, proj)
	if !ok {
		return
	}
	jobs := s.upcomingJobs(rg)
	from, to := s.paginateOffset(w, r, lp, len(jobs), true)
	writeJSON(w, http.StatusOK, s.jobBasicEntities(r, jobs[from:to]))
}

// jobBasicEntities are Entities::Ci::JobBasic: the job entity without what
// Entities::Ci::Job and Entities::Ci::Bridge add to it.
func (s *Sim) jobBasicEntities(r *http.Request, jobs []*job) []map[string]json.RawMessage {
	e := s.newJobEncoder(r, nil)
	e.list(jobs)
	var out []map[string]json.RawMessage
	if err := json.Unmarshal(e.buf, &out); err != nil {
		panic("gitlabsim: job entities: " + err.Error())
	}
	for _, m := range out {
		for _, k := range []string{"artifacts_file", "artifacts", "artifacts_expire_at", "archived", "runner",
			"runner_manager", "tag_list", "downstream_pipeline"} {
			delete(m, k)
		}
	}
	if out == nil {
		out = []map[string]json.RawMessage{}
	}
	return out
}
