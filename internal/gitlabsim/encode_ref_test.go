package gitlabsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// The reference rendering of job entities: the maps for encoding/json that
// entities.go built before encode.go took over, kept here as the oracle the
// encoder must match byte for byte. init turns the checks on for every test
// of the package (internal and external test files share one binary): each
// job entity any test renders is compared with this rendering, each
// pipeline status served from the cache with one computed afresh, and each
// job list index with the jobs it indexes.

func init() {
	checkJobJSON = func(s *Sim, j *job, base string, now time.Time, asJob bool, got []byte) {
		want, err := json.Marshal(s.refRenderJob(j, base, now, asJob))
		if err != nil {
			panic(fmt.Sprintf("job %d: the reference rendering fails: %v", j.id, err))
		}
		if !bytes.Equal(got, want) {
			panic(fmt.Sprintf("job %d (asJob %v): encoded\n%s\nwant (encoding/json of the map)\n%s", j.id, asJob, got, want))
		}
	}
	checkPipelineStatus = func(s *Sim, pl *pipeline, got string) {
		if want := s.refPipelineStatus(pl); got != want {
			panic(fmt.Sprintf("pipeline %d: cached status %q, computed %q", pl.id, got, want))
		}
	}
	checkIndexes = func(s *Sim, proj *project, pl *pipeline) {
		if proj != nil {
			checkIndex(s, fmt.Sprintf("project %d's builds", proj.id), proj.builds, func(j *job) bool {
				return j.projectID == proj.id && !j.bridge
			})
		}
		if pl != nil {
			checkIndex(s, fmt.Sprintf("pipeline %d's jobs", pl.id), pl.jobs, func(j *job) bool { return j.pipelineID == pl.id })
			if pl.counts != nil && *pl.counts != *countJobs(pl.jobs) {
				panic(fmt.Sprintf("pipeline %d: cached list sizes %v, counted %v", pl.id, *pl.counts, *countJobs(pl.jobs)))
			}
		}
	}
}

// checkIndex panics unless index holds the jobs of the store that keep
// selects, in ID order (what sorting them on every request gave).
func checkIndex(s *Sim, what string, index []*job, keep func(*job) bool) {
	var want []*job
	for _, j := range s.jobs {
		if keep(j) {
			want = append(want, j)
		}
	}
	slices.SortFunc(want, func(a, b *job) int { return int(a.id - b.id) })
	if !slices.Equal(index, want) {
		ids := func(js []*job) []int64 {
			out := make([]int64, len(js))
			for i, j := range js {
				out[i] = j.id
			}
			return out
		}
		panic(fmt.Sprintf("%s: index %v, store %v", what, ids(index), ids(want)))
	}
}

func refTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return apiTime(*t)
}

func (s *Sim) refCommitEntity(pl *pipeline, proj *project, base string) obj {
	c := pl.commit
	return obj{
		"id": c.sha, "short_id": c.sha[:8], "created_at": apiTime(c.authoredAt), "parent_ids": c.parentIDs,
		"title": c.title, "message": c.message, "author_name": c.authorName, "author_email": c.authorEmail,
		"authored_date": apiTime(c.authoredAt), "committer_name": c.authorName, "committer_email": c.authorEmail,
		"committed_date": apiTime(c.authoredAt), "trailers": obj{}, "extended_trailers": obj{},
		"web_url": base + "/" + proj.path + "/-/commit/" + c.sha,
	}
}

func (s *Sim) refPipelineStatus(pl *pipeline) string {
	if run := s.ci.runs[pl.id]; run != nil {
		return statusOr(s.currentJobs(pl), false) // a processed pipeline (pipeline_processing.go)
	}
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
	return pipelineStatus(statuses)
}

// pipelineEntity is API::Entities::Ci::PipelineBasic.
func (s *Sim) refPipelineEntity(pl *pipeline, proj *project, base string) obj {
	return obj{
		"id": pl.id, "iid": pl.iid, "project_id": pl.projectID, "sha": pl.sha, "ref": pl.ref,
		"status": s.refPipelineStatus(pl), "source": pl.source, "created_at": apiTime(pl.createdAt),
		"updated_at": apiTime(pl.updatedAt), "web_url": base + "/" + proj.path + "/-/pipelines/" + itoa(pl.id),
	}
}

// runnerEntity is API::Entities::Ci::Runner with the fields of GitLab's runner.json.
func refRunnerEntity(id int64) obj {
	return obj{
		"id": id, "description": "simulated-runner-" + itoa(id), "ip_address": "127.0.0.1", "active": true,
		"is_shared": true, "name": "gitlab-runner", "online": true, "status": "online",
	}
}

func (s *Sim) refRunnerManagerEntity(j *job) obj {
	seen := refTimePtr(j.startedAt)
	return obj{
		"id": j.runnerID, "system_id": "s_" + randomHexSeed(j.runnerID), "version": "17.6.0", "revision": "374d34fd",
		"platform": "linux", "architecture": "amd64", "created_at": seen, "contacted_at": seen,
		"ip_address": "127.0.0.1", "status": "online",
	}
}

// durations of a job now: how long it ran and how long it queued.
func refDurations(j *job, now time.Time) (duration, queued any) {
	if j.startedAt != nil {
		end := now
		if j.finishedAt != nil {
			end = *j.finishedAt
		}
		duration = seconds(end.Sub(*j.startedAt))
	}
	if j.queuedAt != nil {
		end := now
		if j.startedAt != nil {
			end = *j.startedAt
		}
		queued = seconds(end.Sub(*j.queuedAt))
	}
	return duration, queued
}

func (s *Sim) refRenderJob(j *job, base string, now time.Time, asJob bool) obj {
	pl := s.pipelines[j.pipelineID]
	proj := s.projects[j.projectID]
	duration, queued := refDurations(j, now)
	e := obj{
		"id": j.id, "status": j.status, "stage": j.stage, "name": j.name, "ref": pl.ref, "tag": pl.tag,
		"coverage": j.coverage, "allow_failure": j.allowFailure, "created_at": apiTime(j.createdAt),
		"started_at": refTimePtr(j.startedAt), "finished_at": refTimePtr(j.finishedAt),
		"erased_at": refTimePtr(j.erasedAt), "duration": duration, "queued_duration": queued,
		"user": s.userEntity(s.users[j.userID], base), "commit": s.refCommitEntity(pl, proj, base),
		"pipeline": s.refPipelineEntity(pl, proj, base), "web_url": base + "/" + proj.path + "/-/jobs/" + itoa(j.id),
		"project": obj{"ci_job_token_scope_enabled": proj.ciJobTokenScopeEnabled},
	}
	if j.status == StatusFailed {
		e["failure_reason"] = j.failureReason
	}
	if j.bridge && asJob {
		e["artifacts"] = []obj{}
		e["artifacts_expire_at"] = nil
		e["tag_list"] = []string{"bridge"}
		e["archived"] = proj.archived
		e["runner"] = nil
		return e
	}
	if j.bridge {
		var down any
		if dp := s.pipelines[j.downstreamID]; dp != nil {
			down = s.refPipelineEntity(dp, s.projects[dp.projectID], base)
		}
		e["downstream_pipeline"] = down
		return e
	}
	artifacts := make([]obj, 0, len(j.artifacts))
	for _, a := range j.artifacts {
		artifacts = append(artifacts, obj{"file_type": a.fileType, "size": a.size, "filename": a.filename, "file_format": a.fileFormat})
		if a.fileType == "archive" {
			e["artifacts_file"] = obj{"filename": a.filename, "size": a.size}
		}
	}
	e["artifacts"] = artifacts
	e["artifacts_expire_at"] = refTimePtr(j.artifactsExp)
	e["tag_list"] = append([]string{}, j.tags...)
	e["archived"] = proj.archived
	e["runner"], e["runner_manager"] = nil, nil
	if j.runnerID != 0 {
		e["runner"] = refRunnerEntity(j.runnerID)
		e["runner_manager"] = s.refRunnerManagerEntity(j)
	}
	return e
}
