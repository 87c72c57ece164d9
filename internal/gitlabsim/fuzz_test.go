package gitlabsim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim/schemacheck"
)

// Fuzz targets for the simulator's reading of query strings and bodies
// (params.go, rackparams, jobs_list.go, pagination.go): whatever a client sends, the
// simulator answers as GitLab would — never a panic, never a 5xx — and its
// answers keep GitLab's schemas. Run one with
//
//	go test -run '^$' -fuzz '^FuzzListQuery$' -fuzztime 30s ./internal/gitlabsim

// fuzzWorld is a fresh simulator per input (actions change it), with a
// maintainer's token and a pipeline holding a job of every kind, one of
// them retried.
type fuzzWorld struct {
	sim                                     *gitlabsim.Sim
	tok                                     string
	proj                                    gitlabsim.Project
	pl                                      gitlabsim.Pipeline
	success, failed, running, manual, retry int64 // jobs of pl; retry is failed's new attempt
	bridge                                  int64
}

func newFuzzWorld(t *testing.T) *fuzzWorld {
	checkerOnce.Do(loadChecker)
	if checkerErr != nil {
		t.Fatalf("GitLab's schemas: %v", checkerErr)
	}
	clock := gitlabsim.NewClock(t0)
	w := &fuzzWorld{}
	w.sim = gitlabsim.New(gitlabsim.Options{Now: clock.Now, OnResponse: func(route string, status int, h http.Header, body []byte) {
		if err := checker.Check(route, status, h, body); err != nil {
			t.Errorf("response of %s (%d) breaks GitLab's schema: %v\n%.500s", route, status, err, body)
		}
	}})
	u := w.sim.CreateUser(gitlabsim.UserSpec{Username: "maintainer"})
	w.tok = w.sim.CreatePersonalAccessToken(u.ID, gitlabsim.TokenSpec{})
	w.proj = w.sim.CreateProject(gitlabsim.ProjectSpec{Path: "fuzz/app", Members: map[int64]int{u.ID: gitlabsim.MaintainerAccess}})
	w.pl = w.sim.CreatePipeline(w.proj.ID, gitlabsim.PipelineSpec{UserID: u.ID, Jobs: []gitlabsim.JobSpec{
		{Name: "build", Stage: "build", Status: "success", Log: "built\n",
			Artifacts: []gitlabsim.ArtifactSpec{{FileType: "archive", Filename: "artifacts.zip", FileFormat: "zip", Size: 10}}},
		{Name: "test", Stage: "test", Status: "failed", Log: "FAIL\n"},
		{Name: "e2e", Stage: "test", Status: "running"},
		{Name: "deploy", Stage: "deploy", Status: "manual"},
		{Name: "trigger", Stage: "deploy", Status: "manual", Bridge: true},
		{Name: "nightly", Stage: "deploy", Status: "scheduled"},
		{Name: "lint", Stage: "test", Status: "canceled"},
		{Name: "docs", Stage: "test", Status: "skipped"},
	}})
	ids := w.pl.JobIDs
	w.success, w.failed, w.running, w.manual, w.bridge = ids[0], ids[1], ids[2], ids[3], ids[4]
	var err error
	if w.retry, err = w.sim.RetryJob(w.failed); err != nil {
		t.Fatal(err)
	}
	return w
}

// loadChecker loads GitLab's schemas, as newEnvWith does.
func loadChecker() {
	checker, checkerErr = schemacheck.Default()
}

// serve sends one request through Sim.ServeHTTP; a 5xx fails the input.
func (w *fuzzWorld) serve(t *testing.T, method, path, rawQuery, contentType string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "http://gitlab.example"+path, bytes.NewReader(body))
	req.URL.RawQuery = rawQuery
	req.Header.Set("PRIVATE-TOKEN", w.tok)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	w.sim.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s %s?%q (%q, %q): %d %s", method, path, rawQuery, contentType, body, rec.Code, rec.Body)
	}
	return rec
}

// malformedAnswer says whether rec is GitLab's HandleMalformedStrings
// middleware refusing parameters Rack cannot parse.
func malformedAnswer(rec *httptest.ResponseRecorder) bool {
	return rec.Code == http.StatusBadRequest && rec.Header().Get("Content-Type") == "text/plain" && rec.Body.String() == "Bad Request"
}

// listed decodes a 200 list answer: the jobs' IDs and statuses.
func listed(t *testing.T, rec *httptest.ResponseRecorder) map[int64]string {
	t.Helper()
	var items []struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &items); err != nil {
		t.Fatalf("a 200 list answer is not a JSON array: %v\n%s", err, rec.Body)
	}
	out := map[int64]string{}
	for _, it := range items {
		out[it.ID] = it.Status
	}
	return out
}

// scopeOf is every value a query gives the scope parameter, for a query
// whose scope keys are plain (scope=, scope[]=, scope[x]= with a value);
// ok is false when another key names scope too ("scope[=", "scope]=",
// "scope[a][b]=", "scope" without a value), whose reading is Rack's
// business (TestRackParse), not this check's. Whatever Rack keeps of
// repeated or mixed keys is one of these values.
func scopeOf(rawQuery string) (values []string, ok bool) {
	plain := regexp.MustCompile(`^scope(\[\]|\[[^\[\]]+\])?$`)
	for _, pair := range regexp.MustCompile(`[&;] *`).Split(rawQuery, -1) {
		k, v, hasValue := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil || !strings.Contains(key, "scope") {
			continue
		}
		if !plain.MatchString(key) || !hasValue {
			return nil, false
		}
		values = append(values, value)
	}
	return values, true
}

// FuzzListQuery sends any query string to the three job lists: scope
// (string, array or hash; a value that is not a status is a 400),
// include_retried (Grape's Boolean), pagination and anything else. A 200
// lists jobs of the scope only, and the pipeline's jobs list holds retried
// jobs only with include_retried.
func FuzzListQuery(f *testing.F) {
	for _, q := range []string{
		"", "scope=success", "scope[]=failed&scope[]=running", "scope[x]=manual", "scope=bogus", "scope[]=", "scope=",
		"scope%5B%5D=success", "scope[]=success&scope=failed", "scope[][]=success", "scope[a][b]=success",
		"include_retried=true", "include_retried=1", "include_retried=yes", "include_retried=false", "include_retried=f",
		"include_retried=maybe", "include_retried=", "include_retried", "include_retried[]=true", "include_retried=TRUE&include_retried=no",
		"page=2&per_page=1", "pagination=keyset&per_page=2", "pagination=keyset&cursor=eyJpZCI6IjMiLCJfa2QiOiJuIn0%3D",
		"pagination=keyset&cursor=%%%", "per_page=-1&page=-5", "page=99999999999999999999", "page=9223372036854775807&per_page=100",
		"a=%zz&scope=success", "&&&=&=", "scope=success;scope=failed", "order_by=id&sort=asc",
		"scope[=failed&scope[]=running", "scope]=failed", "scope[]]=failed", "scope&scope[]=failed", "scope=success%00",
		"scope=failed&scope[]=running", "scope[]=running& scope[]=failed", "include_retried=%E0%80",
	} {
		for route := range uint8(3) {
			f.Add(route, q)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, rawQuery string) {
		w := newFuzzWorld(t)
		paths := []string{
			fmt.Sprintf("/api/v4/projects/%d/jobs", w.proj.ID),
			fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/jobs", w.proj.ID, w.pl.ID),
			fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/bridges", w.proj.ID, w.pl.ID),
		}
		rec := w.serve(t, http.MethodGet, paths[int(route)%len(paths)], rawQuery, "", nil)
		if rec.Code != http.StatusOK {
			// 405: project jobs beyond the offset limit, or keyset
			// pagination in another order than id desc.
			if rec.Code != http.StatusBadRequest && (rec.Code != http.StatusMethodNotAllowed || int(route)%len(paths) != 0) {
				t.Fatalf("?%q: %d %s, want 200 or 400 (or 405 for project jobs)", rawQuery, rec.Code, rec.Body)
			}
			return
		}
		jobs := listed(t, rec)
		if scope, ok := scopeOf(rawQuery); ok && len(scope) > 0 {
			for id, status := range jobs {
				if !slices.Contains(scope, status) {
					t.Errorf("?%q: job %d is %s, outside the scope %v", rawQuery, id, status, scope)
				}
			}
		}
		if int(route)%len(paths) == 1 {
			q, _ := url.ParseQuery(rawQuery)
			v := q["include_retried"]
			retried := len(v) > 0 && slices.Contains([]string{"1", "on", "On", "ON", "t", "true", "True", "TRUE", "T", "y", "yes", "Yes", "YES", "Y"}, v[0])
			if _, has := jobs[w.failed]; has && !retried {
				t.Errorf("?%q: the retried job is listed without include_retried", rawQuery)
			}
		}
	})
}

// FuzzPagination sends any page, per_page and cursor, with offset or keyset
// pagination: a 200 holds at most per_page (at most 100) jobs, with the
// headers that say so, and an unreadable cursor is a 400.
func FuzzPagination(f *testing.F) {
	for _, tc := range []struct {
		page, perPage, cursor string
		keyset                bool
	}{
		{"1", "20", "", false}, {"2", "3", "", false}, {"0", "0", "", false}, {"-1", "-1", "", false},
		{"abc", "1e3", "", false}, {"99999999999999999999", "100", "", false}, {"9223372036854775807", "100", "", false},
		{"4611686018427387904", "2", "", false}, {"", "101", "", false}, {"3", "1", "", true},
		{"", "2", "eyJpZCI6IjMiLCJfa2QiOiJuIn0=", true}, {"", "2", "eyJpZCI6IjMiLCJfa2QiOiJuIn0", true},
		{"", "", "bm90IGpzb24", true}, {"", "", "%%%", true}, {"", "", `{"id":"1"}`, true},
		{"", "", "eyJpZCI6Ii05MjIzMzcyMDM2ODU0Nzc1ODA4In0=", true}, {"", "", "eyJpZCI6MTJ9", true},
	} {
		for route := range uint8(2) {
			f.Add(route, tc.page, tc.perPage, tc.cursor, tc.keyset)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, page, perPage, cursor string, keyset bool) {
		w := newFuzzWorld(t)
		q := url.Values{}
		for k, v := range map[string]string{"page": page, "per_page": perPage, "cursor": cursor} {
			if v != "" {
				q.Set(k, v)
			}
		}
		if keyset {
			q.Set("pagination", "keyset")
		}
		path := fmt.Sprintf("/api/v4/projects/%d/jobs", w.proj.ID)
		if route%2 == 1 {
			path = fmt.Sprintf("/api/v4/projects/%d/pipelines/%d/jobs", w.proj.ID, w.pl.ID)
		}
		rec := w.serve(t, http.MethodGet, path, q.Encode(), "", nil)
		// Grape's Integer and except_values: [0] (pagination_params.rb).
		badParams := !validPageValue(page) || !validPageValue(perPage) || strings.Trim(strings.TrimLeft(strings.TrimSpace(perPage), "+-"), "0_") == "" && strings.TrimSpace(perPage) != ""
		switch rec.Code {
		case http.StatusOK:
			if badParams {
				t.Fatalf("%s: 200 for an invalid page or per_page", q.Encode())
			}
		case http.StatusBadRequest:
			if malformedAnswer(rec) {
				// HandleMalformedStrings: a null byte or invalid UTF-8.
				malformed := false
				for _, v := range []string{page, perPage, cursor} {
					malformed = malformed || !utf8.ValidString(v) || strings.Contains(v, "\x00")
				}
				if !malformed {
					t.Fatalf("%s: HandleMalformedStrings' 400 for well-formed values", q.Encode())
				}
				return
			}
			if !badParams && (cursor == "" || !keyset || route%2 == 1) {
				t.Fatalf("%s: 400 %s without a cursor or parameter to blame", q.Encode(), rec.Body)
			}
			return
		case http.StatusMethodNotAllowed:
			// offset_pagination_limit: project jobs only, page * per_page > 50,000.
			p, _ := new(big.Int).SetString(strings.ReplaceAll(strings.TrimSpace(orDefault(page, "1")), "_", ""), 10)
			pp, _ := new(big.Int).SetString(strings.ReplaceAll(strings.TrimSpace(orDefault(perPage, "20")), "_", ""), 10)
			if route%2 == 1 || keyset || p == nil || pp == nil || new(big.Int).Mul(p, pp).Cmp(big.NewInt(50000)) <= 0 {
				t.Fatalf("%s: 405 %s", q.Encode(), rec.Body)
			}
			return
		default:
			t.Fatalf("%s: %d %s", q.Encode(), rec.Code, rec.Body)
		}
		per, err := strconv.Atoi(rec.Header().Get("X-Per-Page"))
		if err != nil || per < 1 || per > 100 {
			t.Fatalf("%s: X-Per-Page %q", q.Encode(), rec.Header().Get("X-Per-Page"))
		}
		if n := len(listed(t, rec)); n > per {
			t.Errorf("%s: %d jobs on a page of %d", q.Encode(), n, per)
		}
	})
}

// validPageValue says whether Grape's Integer coercion takes a page or
// per_page value: blank, or Ruby's Integer(s, 10).
func validPageValue(s string) bool {
	s = strings.Trim(s, " \t\n\v\f\r")
	if s == "" {
		return true
	}
	return rubyIntegerRE.MatchString(s)
}

var rubyIntegerRE = regexp.MustCompile(`^[+-]?[0-9]+(_[0-9]+)*$`)

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// FuzzActionBody sends any body, content type and query to the action
// endpoints — play's job_variables_attributes above all, as JSON, a form or
// multipart, and cancel's force. The answers are GitLab's: a success, 400
// for what Grape rejects, 403 or 404, 415 for an unknown content type.
// A successful play sets exactly the variables the body gave.
func FuzzActionBody(f *testing.F) {
	const form = "application/x-www-form-urlencoded"
	const multipart = "multipart/form-data; boundary=XyZ"
	for _, tc := range []struct {
		action      uint8 // 0 play, 1 retry, 2 cancel, 3 erase
		contentType string
		query       string
		body        string
	}{
		{0, "", "", ""},
		{0, "application/json", "", `{"job_variables_attributes":[{"key":"A","value":"1"},{"key":"B","value":2},{"key":"C","value":true}]}`},
		{0, "application/json", "", `{"job_variables_attributes":[{"key":"A"}]}`},
		{0, "application/json", "", `{"job_variables_attributes":[{"value":"x"},"str",[1],null]}`},
		{0, "application/json", "", `{"job_variables_attributes":[{"key":{"a":1},"value":[1]}]}`},
		{0, "application/json", "", `{"job_variables_attributes":{"key":"A","value":"1"}}`},
		{0, "application/json", "", `{"job_variables_attributes":null}`},
		{0, "application/json", "", `{"job_variables_attributes":"A=1"}`},
		{0, "application/json", "", `{"job_variables_attributes":[]}`},
		{0, "application/json", "", `[{"key":"A","value":"1"}]`},
		{0, "application/json", "", `null`},
		{0, "application/json", "", `{"a":1}{"b":2}`},
		{0, "application/json", "", `{"job_variables_attributes":[{"key":"A","value":1e400}]}`},
		{0, "application/json; charset=utf-8", "", `{"job_variables_attributes":[{"key":"\u0000","value":"\ud800"}]}`},
		{0, form, "", "job_variables_attributes[][key]=A&job_variables_attributes[][value]=1&job_variables_attributes[][key]=B&job_variables_attributes[][value]=2"},
		{0, form, "", "job_variables_attributes[0][key]=A&job_variables_attributes[0][value]=1"},
		{0, form, "", "job_variables_attributes[]=A&job_variables_attributes[][key]=B"},
		{0, form, "", "job_variables_attributes=x&job_variables_attributes[k]=v"},
		{0, form, "", "job_variables_attributes[][key]=A&job_variables_attributes[][key]=B&job_variables_attributes[][value]=2"},
		{0, form, "", "job_variables_attributes[[]]=1&%zz=1&job_variables_attributes[][key"},
		{0, "", "job_variables_attributes[][key]=Q&job_variables_attributes[][value]=q", ""},
		{0, multipart, "", "--XyZ\r\nContent-Disposition: form-data; name=\"job_variables_attributes[][key]\"\r\n\r\nM\r\n--XyZ\r\nContent-Disposition: form-data; name=\"job_variables_attributes[][value]\"\r\n\r\nm\r\n--XyZ--\r\n"},
		{0, "multipart/form-data", "", "--XyZ--"},
		{0, "multipart/form-data; boundary=", "", "x"},
		{0, multipart, "", "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\ndata\r\n--XyZ--\r\n"},
		{0, "text/plain", "", "hello"},
		{0, "application/json;;", "", "{}"},
		{0, "application/xml", "", "<a/>"},
		{2, "", "force=true", ""},
		{2, "application/json", "", `{"force":"maybe"}`},
		{2, "application/json", "", `{"force":1}`},
		{2, "application/json", "", `{"force":2}`},
		{2, "application/json", "", `{"force":[true]}`},
		{2, form, "", "force=f"},
		{1, "application/json", "", `{"unknown":[1,2,3]}`},
		{3, form, "force=1", "a[b][c][d]=1"},
	} {
		f.Add(tc.action, uint8(0), tc.contentType, tc.query, []byte(tc.body))
		f.Add(tc.action, uint8(3), tc.contentType, tc.query, []byte(tc.body))
	}
	f.Fuzz(func(t *testing.T, action, target uint8, contentType, rawQuery string, body []byte) {
		w := newFuzzWorld(t)
		actions := []string{"play", "retry", "cancel", "erase"}
		name := actions[int(action)%len(actions)]
		jobs := []int64{w.success, w.failed, w.running, w.manual, w.bridge, w.retry}
		job := jobs[int(target)%len(jobs)]
		path := fmt.Sprintf("/api/v4/projects/%d/jobs/%d/%s", w.proj.ID, job, name)
		if strings.ContainsAny(contentType, "\r\n\x00") {
			contentType = "" // not a header value net/http would send
		}
		kinds := []string{gitlabsim.ActionPlay, gitlabsim.ActionRetry, gitlabsim.ActionCancel, gitlabsim.ActionErase}
		before := map[string]int{}
		for _, a := range kinds {
			before[a] = w.sim.ActionCount(job, a)
		}
		rec := w.serve(t, http.MethodPost, path, rawQuery, contentType, body)
		allowed := []int{400, 403, 404, 415}
		success := http.StatusCreated
		if name == "play" {
			success = http.StatusOK
		}
		if name == "play" {
			allowed = append(allowed, 500) // a variable key given twice: RecordNotUnique
		}
		if rec.Code != success && !slices.Contains(allowed, rec.Code) {
			t.Fatalf("%s: %d %s", name, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var m map[string]any
			if malformedAnswer(rec) {
				// HandleMalformedStrings refused the parameters.
			} else if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil || (m["message"] == nil && m["error"] == nil) {
				t.Errorf("%s: %d answer is not GitLab's error JSON: %s", name, rec.Code, rec.Body)
			}
			for _, a := range kinds {
				if n := w.sim.ActionCount(job, a); n != before[a] {
					t.Errorf("%s answered %d, yet %s was applied", name, rec.Code, a)
				}
			}
		}
	})
}
