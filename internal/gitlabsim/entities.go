package gitlabsim

import (
	"net/http"
	"strings"
	"time"
)

// JSON rendering after GitLab's API entities (lib/api/entities/ci/job.rb,
// job_basic.rb, bridge.rb, user.rb, commit.rb, ci/pipeline_basic.rb). Field
// presence follows the entities: failure_reason only for failed jobs,
// artifacts_file only when the job has an archive.

type obj = map[string]any

// apiTime renders a time as GitLab does: UTC, milliseconds, "Z".
func apiTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func apiTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return apiTime(*t)
}

func seconds(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }

// userEntity is API::Entities::User, as jobs embed it.
func (s *Sim) userEntity(u *user, base string) obj {
	if u == nil {
		return nil
	}
	return obj{
		"id": u.id, "username": u.username, "name": u.name, "state": u.state, "locked": u.state == "blocked",
		"avatar_url": base + "/uploads/-/system/user/avatar/" + itoa(u.id) + "/avatar.png",
		"web_url":    base + "/" + u.username, "created_at": apiTime(u.createdAt),
		"bio": "", "location": "", "public_email": nil, "skype": "", "linkedin": "", "twitter": "", "discord": "",
		"website_url": "", "organization": "", "job_title": "", "pronouns": nil, "bot": u.bot,
		"work_information": nil, "followers": 0, "following": 0, "is_followed": false, "local_time": nil,
	}
}

func (s *Sim) commitEntity(pl *pipeline, proj *project, base string) obj {
	c := pl.commit
	return obj{
		"id": c.sha, "short_id": c.sha[:8], "created_at": apiTime(c.authoredAt), "parent_ids": c.parentIDs,
		"title": c.title, "message": c.message, "author_name": c.authorName, "author_email": c.authorEmail,
		"authored_date": apiTime(c.authoredAt), "committer_name": c.authorName, "committer_email": c.authorEmail,
		"committed_date": apiTime(c.authoredAt), "trailers": obj{}, "extended_trailers": obj{},
		"web_url": base + "/" + proj.path + "/-/commit/" + c.sha,
	}
}

func (s *Sim) pipelineStatusOf(pl *pipeline) string {
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
func (s *Sim) pipelineEntity(pl *pipeline, proj *project, base string) obj {
	return obj{
		"id": pl.id, "iid": pl.iid, "project_id": pl.projectID, "sha": pl.sha, "ref": pl.ref,
		"status": s.pipelineStatusOf(pl), "source": pl.source, "created_at": apiTime(pl.createdAt),
		"updated_at": apiTime(pl.updatedAt), "web_url": base + "/" + proj.path + "/-/pipelines/" + itoa(pl.id),
	}
}

// runnerEntity is API::Entities::Ci::Runner with the fields of GitLab's runner.json.
func runnerEntity(id int64) obj {
	return obj{
		"id": id, "description": "simulated-runner-" + itoa(id), "ip_address": "127.0.0.1", "active": true,
		"is_shared": true, "name": "gitlab-runner", "online": true, "status": "online",
	}
}

func (s *Sim) runnerManagerEntity(j *job) obj {
	seen := apiTimePtr(j.startedAt)
	return obj{
		"id": j.runnerID, "system_id": "s_" + randomHexSeed(j.runnerID), "version": "17.6.0", "revision": "374d34fd",
		"platform": "linux", "architecture": "amd64", "created_at": seen, "contacted_at": seen,
		"ip_address": "127.0.0.1", "status": "online",
	}
}

// randomHexSeed is a stable fake system ID.
func randomHexSeed(n int64) string {
	const hexdigits = "0123456789abcdef"
	var b strings.Builder
	for i := range 12 {
		b.WriteByte(hexdigits[(n*7+int64(i)*13)%16])
	}
	return b.String()
}

// durations of a job now: how long it ran and how long it queued.
func (s *Sim) durations(j *job) (duration, queued any) {
	now := s.opts.Now()
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

// jobEntity is API::Entities::Ci::Job for a build, or Ci::Bridge for a trigger job.
func (s *Sim) jobEntity(j *job, r *http.Request) obj { return s.renderJob(j, r, false) }

// jobEntityAsJob is API::Entities::Ci::Job for a build or a bridge, as
// POST /jobs/:job_id/retry presents either: a bridge then has no
// downstream_pipeline, no runner_manager (exposed only for Ci::Build), no
// artifacts, and the tag_list of Ci::Bridge#tags ([:bridge], by name).
func (s *Sim) jobEntityAsJob(j *job, r *http.Request) obj { return s.renderJob(j, r, true) }

func (s *Sim) renderJob(j *job, r *http.Request, asJob bool) obj {
	base := s.externalURL(r)
	pl := s.pipelines[j.pipelineID]
	proj := s.projects[j.projectID]
	duration, queued := s.durations(j)
	e := obj{
		"id": j.id, "status": j.status, "stage": j.stage, "name": j.name, "ref": pl.ref, "tag": pl.tag,
		"coverage": j.coverage, "allow_failure": j.allowFailure, "created_at": apiTime(j.createdAt),
		"started_at": apiTimePtr(j.startedAt), "finished_at": apiTimePtr(j.finishedAt),
		"erased_at": apiTimePtr(j.erasedAt), "duration": duration, "queued_duration": queued,
		"user": s.userEntity(s.users[j.userID], base), "commit": s.commitEntity(pl, proj, base),
		"pipeline": s.pipelineEntity(pl, proj, base), "web_url": base + "/" + proj.path + "/-/jobs/" + itoa(j.id),
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
			down = s.pipelineEntity(dp, s.projects[dp.projectID], base)
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
	e["artifacts_expire_at"] = apiTimePtr(j.artifactsExp)
	e["tag_list"] = append([]string{}, j.tags...)
	e["archived"] = proj.archived
	e["runner"], e["runner_manager"] = nil, nil
	if j.runnerID != 0 {
		e["runner"] = runnerEntity(j.runnerID)
		e["runner_manager"] = s.runnerManagerEntity(j)
	}
	return e
}

func itoa(n int64) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = digits[n%10]
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
