package gitlabsim

import (
	"strings"
	"time"
)

// JSON rendering after GitLab's API entities (lib/api/entities/ci/job.rb,
// job_basic.rb, bridge.rb, user.rb, commit.rb, ci/pipeline_basic.rb). Field
// presence follows the entities: failure_reason only for failed jobs,
// artifacts_file only when the job has an archive. Job entities (with the
// user, commit, pipeline and runner they embed) are encoded by encode.go;
// the other answers are maps for encoding/json.

type obj = map[string]any

// apiTimeLayout is how GitLab renders times: UTC, milliseconds, "Z".
const apiTimeLayout = "2006-01-02T15:04:05.000Z"

// apiTime renders a time as GitLab does.
func apiTime(t time.Time) string { return t.UTC().Format(apiTimeLayout) }

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

// randomHexSeed is a stable fake system ID.
func randomHexSeed(n int64) string {
	const hexdigits = "0123456789abcdef"
	var b strings.Builder
	for i := range 12 {
		b.WriteByte(hexdigits[(n*7+int64(i)*13)%16])
	}
	return b.String()
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

// userBasicEntity is API::Entities::UserBasic.
func (s *Sim) userBasicEntity(u *user, base string) obj {
	if u == nil {
		return nil
	}
	return obj{"id": u.id, "username": u.username, "public_email": nil, "name": u.name, "state": u.state,
		"locked": u.state == "blocked", "avatar_url": base + "/uploads/-/system/user/avatar/" + itoa(u.id) + "/avatar.png",
		"web_url": base + "/" + u.username}
}

func lastSegment(path string) string { return path[strings.LastIndex(path, "/")+1:] }

func nameWithNamespace(path string) string { return strings.Join(strings.Split(path, "/"), " / ") }
