package gitlabsim

import (
	"math"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"
)

// Job entities are the simulator's largest answers (a page of 100 jobs is
// about 220 kB) and its hottest path, so they are not built as maps and
// handed to encoding/json (reflection, and sorting every map's keys, per
// job) but appended to a byte slice by jobEncoder, with exactly the bytes
// encoding/json wrote for them as maps: the keys of every object in sorted
// order, encoding/json's string escaping (HTML-safe), number and time
// formats, and a newline after the value, as json.Encoder ends it. The
// parts jobs of a page share (their user, their pipeline's commit and
// pipeline entity, runner) are encoded once per answer and copied. The
// package's tests compare every job entity they render with encoding/json
// of the maps (checkJobJSON, encode_ref_test.go).

// jobEncoder appends job entities to buf for one answer.
type jobEncoder struct {
	s    *Sim
	base string    // the external URL
	now  time.Time // durations of unfinished jobs run to now
	buf  []byte
	memo []encoded
	// bad is set when a value has no JSON form (a NaN or infinite
	// coverage): encoding/json then fails and writeJSON writes no body.
	bad bool
}

// encoded is a shared part already in buf: buf[from:to].
type encoded struct {
	// 'u' a user, 'c' a pipeline's commit, 'p' a pipeline entity, 'r' a
	// runner, 'm' the end of a runner manager (after its times), 'j' the
	// escaped start of a project's job URLs.
	kind     byte
	id       int64
	from, to int
}

func (s *Sim) newJobEncoder(r *http.Request, buf []byte) *jobEncoder {
	return &jobEncoder{s: s, base: s.externalURL(r), now: s.opts.Now(), buf: buf}
}

// checkJobJSON, when set (by the package's tests), is called with every job
// entity encoded and its bytes.
var checkJobJSON func(s *Sim, j *job, base string, now time.Time, asJob bool, got []byte)

// job appends j's entity: API::Entities::Ci::Job for a build, Ci::Bridge for
// a trigger job, or, with asJob, Ci::Job for either, as POST
// /jobs/:job_id/retry presents a bridge (see appendJob).
func (e *jobEncoder) job(j *job, asJob bool) {
	from := len(e.buf)
	e.appendJob(j, asJob)
	if checkJobJSON != nil && !e.bad {
		checkJobJSON(e.s, j, e.base, e.now, asJob, e.buf[from:])
	}
}

// list appends the entities of jobs as a JSON array.
func (e *jobEncoder) list(jobs []*job) {
	e.buf = append(e.buf, '[')
	for i, j := range jobs {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.job(j, false)
	}
	e.buf = append(e.buf, ']')
}

// writeJobs answers with the jobs' entities, as writeJSON would: a list, or
// (one set) a single job.
func (s *Sim) writeJobs(w http.ResponseWriter, r *http.Request, status int, jobs []*job, one *job, asJob bool) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	d, deferred := w.(*deferredWriter)
	var buf []byte
	if deferred {
		buf = d.body
	}
	start := len(buf)
	e := s.newJobEncoder(r, buf)
	if one != nil {
		e.job(one, asJob)
	} else {
		e.list(jobs)
	}
	e.buf = append(e.buf, '\n')
	if e.bad {
		e.buf = e.buf[:start]
	}
	if deferred {
		d.body = e.buf
		return
	}
	_, _ = w.Write(e.buf)
}

func (e *jobEncoder) raw(s string) { e.buf = append(e.buf, s...) }

func (e *jobEncoder) str(s string) { e.buf = appendJSONString(e.buf, s) }

func (e *jobEncoder) int(n int64) { e.buf = strconv.AppendInt(e.buf, n, 10) }

func (e *jobEncoder) bool(v bool) { e.buf = strconv.AppendBool(e.buf, v) }

func (e *jobEncoder) float(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		e.bad = true
		e.raw("null")
		return
	}
	e.buf = appendJSONFloat(e.buf, f)
}

// time appends apiTime(t) as a JSON string (only digits and "-:.TZ": nothing to escape).
func (e *jobEncoder) time(t time.Time) {
	e.buf = append(e.buf, '"')
	e.buf = appendAPITime(e.buf, t)
	e.buf = append(e.buf, '"')
}

func (e *jobEncoder) timePtr(t *time.Time) {
	if t == nil {
		e.raw("null")
		return
	}
	e.time(*t)
}

// url appends the JSON string of base + the parts.
func (e *jobEncoder) url(parts ...string) {
	e.buf = append(e.buf, '"')
	e.urlBody(parts...)
	e.buf = append(e.buf, '"')
}

// urlBody is url without the quotes. The pieces are escaped one by one:
// the same bytes as escaping them joined, since each boundary between them
// has an ASCII byte on one side (the parts alternate with constant ASCII
// pieces), so no UTF-8 sequence spans two.
func (e *jobEncoder) urlBody(parts ...string) {
	e.buf = appendJSONStringBody(e.buf, e.base)
	for _, p := range parts {
		e.buf = appendJSONStringBody(e.buf, p)
	}
}

// shared appends a part jobs share, encoded by enc the first time and copied after.
func (e *jobEncoder) shared(kind byte, id int64, enc func()) {
	for _, m := range e.memo {
		if m.kind == kind && m.id == id {
			e.buf = append(e.buf, e.buf[m.from:m.to]...)
			return
		}
	}
	from := len(e.buf)
	enc()
	e.memo = append(e.memo, encoded{kind: kind, id: id, from: from, to: len(e.buf)})
}

// appendJob appends a job's entity, keys in encoding/json's (sorted) order;
// refRenderJob (encode_ref_test.go) is the same entity as a map. Field
// presence follows the entities: failure_reason only for failed jobs,
// artifacts_file only when the job has an archive (the last one); a bridge
// as Ci::Bridge has downstream_pipeline and none of the build's archived,
// artifacts, runner, runner_manager and tag_list; as Ci::Job it has them
// empty (tag_list ["bridge"], Ci::Bridge#tags) but for runner_manager,
// exposed only for Ci::Build.
func (e *jobEncoder) appendJob(j *job, asJob bool) {
	s := e.s
	pl := s.pipelines[j.pipelineID]
	proj := s.projects[j.projectID]
	build := !j.bridge
	jobShape := build || asJob // the fields of Ci::Job a bridge lacks as Ci::Bridge

	e.raw(`{"allow_failure":`)
	e.bool(j.allowFailure)
	if jobShape {
		e.raw(`,"archived":`)
		e.bool(proj.archived)
		e.artifactFields(j, build)
	}
	e.raw(`,"commit":`)
	e.shared('c', pl.id, func() { e.commit(pl, proj) })
	e.raw(`,"coverage":`)
	e.floatPtr(j.coverage)
	e.raw(`,"created_at":`)
	e.time(j.createdAt)
	if !jobShape {
		e.raw(`,"downstream_pipeline":`)
		if dp := s.pipelines[j.downstreamID]; dp != nil {
			e.shared('p', dp.id, func() { e.pipeline(dp, s.projects[dp.projectID]) })
		} else {
			e.raw("null")
		}
	}
	e.raw(`,"duration":`)
	e.elapsed(j.startedAt, j.finishedAt)
	e.raw(`,"erased_at":`)
	e.timePtr(j.erasedAt)
	if j.status == StatusFailed {
		e.raw(`,"failure_reason":`)
		e.str(j.failureReason)
	}
	e.raw(`,"finished_at":`)
	e.timePtr(j.finishedAt)
	e.raw(`,"id":`)
	e.int(j.id)
	e.raw(`,"name":`)
	e.str(j.name)
	e.raw(`,"pipeline":`)
	e.shared('p', pl.id, func() { e.pipeline(pl, proj) })
	e.raw(`,"project":{"ci_job_token_scope_enabled":`)
	e.bool(proj.ciJobTokenScopeEnabled)
	e.raw(`},"queued_duration":`)
	e.elapsed(j.queuedAt, j.startedAt)
	e.raw(`,"ref":`)
	e.str(pl.ref)
	e.runnerFields(j, build, jobShape)
	e.raw(`,"stage":`)
	e.str(j.stage)
	e.raw(`,"started_at":`)
	e.timePtr(j.startedAt)
	e.raw(`,"status":`)
	e.str(j.status)
	e.raw(`,"tag":`)
	e.bool(pl.tag)
	if jobShape {
		e.tagList(j, build)
	}
	e.raw(`,"user":`)
	if u := s.users[j.userID]; u != nil {
		e.shared('u', u.id, func() { e.user(u) })
	} else {
		e.raw("null")
	}
	e.raw(`,"web_url":"`)
	e.shared('j', proj.id, func() { e.urlBody("/", proj.path, "/-/jobs/") })
	e.int(j.id)
	e.raw(`"}`)
}

// artifactFields appends artifacts, artifacts_expire_at and, when the job
// has an archive (the last one), artifacts_file; a bridge's are empty.
func (e *jobEncoder) artifactFields(j *job, build bool) {
	e.raw(`,"artifacts":[`)
	var archive *artifact
	if build {
		for i := range j.artifacts {
			a := &j.artifacts[i]
			if i > 0 {
				e.raw(",")
			}
			e.raw(`{"file_format":`)
			e.str(a.fileFormat)
			e.raw(`,"file_type":`)
			e.str(a.fileType)
			e.raw(`,"filename":`)
			e.str(a.filename)
			e.raw(`,"size":`)
			e.int(a.size)
			e.raw("}")
			if a.fileType == "archive" {
				archive = a
			}
		}
	}
	e.raw(`],"artifacts_expire_at":`)
	if build {
		e.timePtr(j.artifactsExp)
	} else {
		e.raw("null")
	}
	if archive != nil {
		e.raw(`,"artifacts_file":{"filename":`)
		e.str(archive.filename)
		e.raw(`,"size":`)
		e.int(archive.size)
		e.raw("}")
	}
}

// elapsed appends the seconds from start to end (now while end is nil),
// null before start: a job's duration and queued_duration.
func (e *jobEncoder) elapsed(start, end *time.Time) {
	if start == nil {
		e.raw("null")
		return
	}
	to := e.now
	if end != nil {
		to = *end
	}
	e.float(seconds(to.Sub(*start)))
}

// floatPtr appends a number or null.
func (e *jobEncoder) floatPtr(f *float64) {
	if f == nil {
		e.raw("null")
		return
	}
	e.float(*f)
}

// runnerFields appends runner (Ci::Job's) and runner_manager (Ci::Build's
// only): null until a runner has picked the job up.
func (e *jobEncoder) runnerFields(j *job, build, jobShape bool) {
	if jobShape {
		e.raw(`,"runner":`)
		if build && j.runnerID != 0 {
			e.shared('r', j.runnerID, func() { e.runner(j.runnerID) })
		} else {
			e.raw("null")
		}
	}
	if build {
		e.raw(`,"runner_manager":`)
		if j.runnerID != 0 {
			e.runnerManager(j)
		} else {
			e.raw("null")
		}
	}
}

// tagList appends tag_list: a build's tags, ["bridge"] for a bridge
// (Ci::Bridge#tags).
func (e *jobEncoder) tagList(j *job, build bool) {
	e.raw(`,"tag_list":[`)
	if build {
		for i, t := range j.tags {
			if i > 0 {
				e.raw(",")
			}
			e.str(t)
		}
	} else {
		e.raw(`"bridge"`)
	}
	e.raw("]")
}

// user is userEntity (API::Entities::User, as jobs embed it).
func (e *jobEncoder) user(u *user) {
	e.raw(`{"avatar_url":`)
	e.url("/uploads/-/system/user/avatar/", itoa(u.id), "/avatar.png")
	e.raw(`,"bio":"","bot":`)
	e.bool(u.bot)
	e.raw(`,"created_at":`)
	e.time(u.createdAt)
	e.raw(`,"discord":"","followers":0,"following":0,"id":`)
	e.int(u.id)
	e.raw(`,"is_followed":false,"job_title":"","linkedin":"","local_time":null,"location":"","locked":`)
	e.bool(u.state == "blocked")
	e.raw(`,"name":`)
	e.str(u.name)
	e.raw(`,"organization":"","pronouns":null,"public_email":null,"skype":"","state":`)
	e.str(u.state)
	e.raw(`,"twitter":"","username":`)
	e.str(u.username)
	e.raw(`,"web_url":`)
	e.url("/", u.username)
	e.raw(`,"website_url":"","work_information":null}`)
}

// commit is API::Entities::Commit of the pipeline's commit.
func (e *jobEncoder) commit(pl *pipeline, proj *project) {
	c := pl.commit
	e.raw(`{"author_email":`)
	e.str(c.authorEmail)
	e.raw(`,"author_name":`)
	e.str(c.authorName)
	e.raw(`,"authored_date":`)
	e.time(c.authoredAt)
	e.raw(`,"committed_date":`)
	e.time(c.authoredAt)
	e.raw(`,"committer_email":`)
	e.str(c.authorEmail)
	e.raw(`,"committer_name":`)
	e.str(c.authorName)
	e.raw(`,"created_at":`)
	e.time(c.authoredAt)
	e.raw(`,"extended_trailers":{},"id":`)
	e.str(c.sha)
	e.raw(`,"message":`)
	e.str(c.message)
	e.raw(`,"parent_ids":`)
	if c.parentIDs == nil {
		e.raw("null")
	} else {
		e.raw("[")
		for i, p := range c.parentIDs {
			if i > 0 {
				e.raw(",")
			}
			e.str(p)
		}
		e.raw("]")
	}
	e.raw(`,"short_id":`)
	e.str(c.sha[:8])
	e.raw(`,"title":`)
	e.str(c.title)
	e.raw(`,"trailers":{},"web_url":`)
	e.url("/", proj.path, "/-/commit/", c.sha)
	e.raw("}")
}

// pipeline is API::Entities::Ci::PipelineBasic. A job's pipeline and a
// bridge's downstream pipeline are the same entity (shared as 'p').
func (e *jobEncoder) pipeline(pl *pipeline, proj *project) {
	e.raw(`{"created_at":`)
	e.time(pl.createdAt)
	e.raw(`,"id":`)
	e.int(pl.id)
	e.raw(`,"iid":`)
	e.int(pl.iid)
	e.raw(`,"project_id":`)
	e.int(pl.projectID)
	e.raw(`,"ref":`)
	e.str(pl.ref)
	e.raw(`,"sha":`)
	e.str(pl.sha)
	e.raw(`,"source":`)
	e.str(pl.source)
	e.raw(`,"status":`)
	e.str(e.s.pipelineStatusOf(pl))
	e.raw(`,"updated_at":`)
	e.time(pl.updatedAt)
	e.raw(`,"web_url":`)
	e.url("/", proj.path, "/-/pipelines/", itoa(pl.id))
	e.raw("}")
}

// runner is API::Entities::Ci::Runner with the fields of GitLab's runner.json.
func (e *jobEncoder) runner(runnerID int64) {
	id := itoa(runnerID)
	e.raw(`{"active":true,"description":`)
	e.str("simulated-runner-" + id)
	e.raw(`,"id":`)
	e.raw(id)
	e.raw(`,"ip_address":"127.0.0.1","is_shared":true,"name":"gitlab-runner","online":true,"status":"online"}`)
}

// runnerManager is the job's runner manager, seen when the job started.
func (e *jobEncoder) runnerManager(j *job) {
	e.raw(`{"architecture":"amd64","contacted_at":`)
	from := len(e.buf)
	e.timePtr(j.startedAt) // seen
	to := len(e.buf)
	e.raw(`,"created_at":`)
	e.buf = append(e.buf, e.buf[from:to]...)
	e.shared('m', j.runnerID, func() {
		e.raw(`,"id":`)
		e.int(j.runnerID)
		e.raw(`,"ip_address":"127.0.0.1","platform":"linux","revision":"374d34fd","status":"online","system_id":`)
		e.str("s_" + randomHexSeed(j.runnerID))
		e.raw(`,"version":"17.6.0"}`)
	})
}

// appendAPITime appends t.UTC().Format(apiTimeLayout), without parsing the
// layout every time for years 0 to 9999.
func appendAPITime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, apiTimeLayout)
	}
	hour, minute, sec := t.Clock()
	ms := t.Nanosecond() / int(time.Millisecond)
	d2 := func(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }
	b = d2(b, year/100)
	b = d2(b, year%100)
	b = d2(append(b, '-'), int(month))
	b = d2(append(b, '-'), day)
	b = d2(append(b, 'T'), hour)
	b = d2(append(b, ':'), minute)
	b = d2(append(b, ':'), sec)
	return append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
}

// appendJSONFloat is encoding/json's float64 encoding (the value must be finite).
func appendJSONFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendJSONString appends s as encoding/json writes a string (HTML-safe).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendJSONStringBody(b, s)
	return append(b, '"')
}

// appendJSONStringBody is appendJSONString without the quotes: encoding/json's
// escaping with escapeHTML, which json.Encoder uses by default.
func appendJSONStringBody(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}
