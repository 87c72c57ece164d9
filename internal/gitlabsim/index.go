package gitlabsim

import (
	"cmp"
	"slices"
)

// Indexes the list endpoints read instead of scanning and sorting the whole
// store on every request: each project's builds (project.builds) and each
// pipeline's jobs (pipeline.jobs), in ID order, kept as jobs are added
// (addJob) and deleted (deleteJob, DeletePipeline); and each pipeline's
// status (pipelineStatusOf), derived from its jobs again only after one of
// them changed (pipelineChanged: a status, a retry, a job added or deleted).
// Jobs usually get growing IDs (a retry appends), but a fixture may give a
// job any free ID, so additions insert in order.
//
// The package's tests check every index they use against the store and
// every cached status against a fresh one (encode_ref_test.go).

// checkIndexes and checkPipelineStatus, when set (by the package's tests),
// verify an index before a list reads it and a pipeline status as it is served.
var (
	checkIndexes        func(s *Sim, proj *project, pl *pipeline)
	checkPipelineStatus func(s *Sim, pl *pipeline, status string)
)

func compareID(j *job, id int64) int { return cmp.Compare(j.id, id) }

// insertByID adds j to list (in ID order), replacing a job with its ID.
func insertByID(list []*job, j *job) []*job {
	if n := len(list); n == 0 || list[n-1].id < j.id {
		return append(list, j)
	}
	i, found := slices.BinarySearchFunc(list, j.id, compareID)
	if found {
		list[i] = j
		return list
	}
	return slices.Insert(list, i, j)
}

// removeByID removes job j from list (in ID order).
func removeByID(list []*job, j *job) []*job {
	if i, found := slices.BinarySearchFunc(list, j.id, compareID); found && list[i] == j {
		return slices.Delete(list, i, i+1)
	}
	return list
}

// addJob stores a new job and indexes it.
func (s *Sim) addJob(j *job) {
	if old := s.jobs[j.id]; old != nil {
		// Two JobSpecs of one pipeline with the same fixed ID: the last wins.
		s.unindexJob(old)
	}
	s.jobs[j.id] = j
	s.jobTokens[j.token] = j.id
	if pl := s.pipelines[j.pipelineID]; pl != nil {
		pl.jobs = insertByID(pl.jobs, j)
	}
	if proj := s.projects[j.projectID]; proj != nil && !j.bridge {
		proj.builds = insertByID(proj.builds, j)
	}
	s.pipelineChanged(j.pipelineID)
}

// unindexJob removes a job from the indexes.
func (s *Sim) unindexJob(j *job) {
	if pl := s.pipelines[j.pipelineID]; pl != nil {
		pl.jobs = removeByID(pl.jobs, j)
	}
	if proj := s.projects[j.projectID]; proj != nil && !j.bridge {
		proj.builds = removeByID(proj.builds, j)
	}
	s.pipelineChanged(j.pipelineID)
}

// unindexPipeline removes all jobs of a pipeline being deleted from its
// project's index at once.
func (s *Sim) unindexPipeline(pl *pipeline) {
	if proj := s.projects[pl.projectID]; proj != nil {
		proj.builds = slices.DeleteFunc(proj.builds, func(j *job) bool { return j.pipelineID == pl.id })
	}
	pl.jobs = nil
	pl.statusOK = false
	pl.counts = nil
}

// pipelineChanged says one of the pipeline's jobs changed: its status and
// list sizes are derived again when next served.
func (s *Sim) pipelineChanged(id int64) {
	if pl := s.pipelines[id]; pl != nil {
		pl.statusOK = false
		pl.counts = nil
	}
}

// listCounts are the sizes of a pipeline's lists without scope, by
// [bridges][include_retried].
type listCounts [2][2]int

func countJobs(jobs []*job) *listCounts {
	var c listCounts
	for _, j := range jobs {
		b := boolIndex(j.bridge)
		c[b][1]++
		if !j.retried {
			c[b][0]++
		}
	}
	return &c
}

func boolIndex(v bool) int {
	if v {
		return 1
	}
	return 0
}

// listCount is how many jobs (bridges) a pipeline's job (bridge) list
// without scope holds, retried ones only with includeRetried.
func (s *Sim) listCount(pl *pipeline, bridges, includeRetried bool) int {
	if pl.counts == nil {
		pl.counts = countJobs(pl.jobs)
	}
	return pl.counts[boolIndex(bridges)][boolIndex(includeRetried)]
}

// pipelineStatusOf is the pipeline's status: the composite of its jobs'
// (retried jobs left out, allowed failures counting as success).
func (s *Sim) pipelineStatusOf(pl *pipeline) string {
	if run := s.ci.runs[pl.id]; run != nil {
		return run.status // processed as GitLab does (pipeline_processing.go)
	}
	if !pl.statusOK {
		statuses := make([]string, 0, len(pl.jobIDs))
		for _, id := range pl.jobIDs {
			j := s.jobs[id]
			if j == nil || j.retried {
				continue
			}
			st := j.status
			if st == StatusFailed && j.allowFailure {
				st = StatusSuccess
			}
			statuses = append(statuses, st)
		}
		pl.status, pl.statusOK = pipelineStatus(statuses), true
	}
	if checkPipelineStatus != nil {
		checkPipelineStatus(s, pl, pl.status)
	}
	return pl.status
}

// pageOf walks list (in ID order) from index start down, newest first, and
// returns the jobs keep selects from the skip-th on, at most limit of them,
// with how many it saw: all the jobs selected when all is set, else up to
// one past the page — enough to tell whether another page follows.
func pageOf(list []*job, start int, keep func(*job) bool, skip, limit int, all bool) (page []*job, seen int) {
	for i := start; i >= 0; i-- {
		j := list[i]
		if !keep(j) {
			continue
		}
		if seen >= skip && len(page) < limit {
			page = append(page, j)
		}
		seen++
		if !all && seen > skip+limit {
			break
		}
	}
	return page, seen
}
