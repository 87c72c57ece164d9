package gitlabsim

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Pagination as GitLab's API does it (lib/gitlab/pagination/offset_pagination.rb,
// lib/gitlab/pagination/keyset, cursor_based_keyset.rb).

const (
	defaultPerPage = 20
	maxPerPage     = 100
	// GitLab stops counting beyond this many rows: no X-Total, X-Total-Pages or rel="last".
	countLimit = 10000
)

// pageParams are the validated page and per_page as Kaminari uses them: a
// page below 1 is the first, a negative per_page the default (Kaminari's
// per ignores it), more than 100 is 100 (max_per_page).
func pageParams(lp listParams) (page, perPage int) {
	page, perPage = int(max(lp.page, 1)), int(lp.perPage)
	if perPage < 1 {
		perPage = defaultPerPage
	}
	return page, min(perPage, maxPerPage)
}

// linkURL is the request's URL with query parameters replaced.
func (s *Sim) linkURL(r *http.Request, set map[string]string, drop ...string) string {
	q := r.URL.Query()
	for _, k := range drop {
		q.Del(k)
	}
	for k, v := range set {
		q.Set(k, v)
	}
	return s.externalURL(r) + r.URL.EscapedPath() + "?" + q.Encode()
}

// offsetPage pages the jobs of list (in ID order) that keep selects, newest
// first, with offset pagination (paginateOffset's headers), and returns the
// requested page's jobs. count is how many jobs keep selects, if known (a
// cached count), else -1. It reads the list only as far as the page and one
// job more, unless it has to count (withCount, count unknown).
func (s *Sim) offsetPage(w http.ResponseWriter, r *http.Request, lp listParams, list []*job, keep func(*job) bool, withCount bool, count int) []*job {
	page, perPage := pageParams(lp)
	skip := math.MaxInt - perPage - 1 // a page past the end, however far (no overflow of (page-1)*perPage)
	if page-1 <= skip/perPage {
		skip = (page - 1) * perPage
	}
	jobs, seen := pageOf(list, len(list)-1, keep, skip, perPage, withCount && count < 0)
	// seen is the number of rows, or, when more follow the page, at least
	// the rows up to one past it: the same window and next page either way,
	// and without counts the same headers.
	n := seen
	if count >= 0 {
		n = count
	}
	from, to := s.paginateOffset(w, r, lp, n, withCount)
	if to-from != len(jobs) {
		panic("gitlabsim: offsetPage and paginateOffset disagree on the page")
	}
	return jobs
}

// paginateOffset writes offset pagination headers for n rows and returns the
// [from, to) window of the requested page. withCount false is GitLab's
// without_count mode (project jobs): no totals, no rel="last".
func (s *Sim) paginateOffset(w http.ResponseWriter, r *http.Request, lp listParams, n int, withCount bool) (from, to int) {
	page, perPage := pageParams(lp)
	from = n // a page past the end, however far (no overflow of (page-1)*perPage)
	if page-1 <= n/perPage {
		from = min((page-1)*perPage, n)
	}
	to = min(from+perPage, n)
	h := w.Header()
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(perPage))
	next, prev := "", ""
	if to < n {
		next = strconv.Itoa(page + 1)
	}
	if page > 1 {
		prev = strconv.Itoa(page - 1)
	}
	h.Set("X-Next-Page", next)
	h.Set("X-Prev-Page", prev)
	pp := strconv.Itoa(perPage)
	var links []string
	if prev != "" {
		links = append(links, `<`+s.linkURL(r, map[string]string{"page": prev, "per_page": pp})+`>; rel="prev"`)
	}
	if next != "" {
		links = append(links, `<`+s.linkURL(r, map[string]string{"page": next, "per_page": pp})+`>; rel="next"`)
	}
	links = append(links, `<`+s.linkURL(r, map[string]string{"page": "1", "per_page": pp})+`>; rel="first"`)
	if withCount && n <= countLimit {
		pages := max((n+perPage-1)/perPage, 1)
		h.Set("X-Total", strconv.Itoa(n))
		h.Set("X-Total-Pages", strconv.Itoa(pages))
		links = append(links, `<`+s.linkURL(r, map[string]string{"page": strconv.Itoa(pages), "per_page": pp})+`>; rel="last"`)
	}
	h.Set("Link", strings.Join(links, ", "))
	return from, to
}

// cursor is the keyset position GitLab encodes in the cursor parameter.
type cursor struct {
	ID        string `json:"id"`
	Direction string `json:"_kd"`
}

func encodeCursor(id int64) string {
	b, _ := json.Marshal(cursor{ID: strconv.FormatInt(id, 10), Direction: "n"})
	return base64.URLEncoding.EncodeToString(b)
}

// decodeCursor returns the ID after which (in id-descending order) a page
// starts; ok is false for a malformed cursor.
func decodeCursor(v string) (int64, bool) {
	b, err := base64.URLEncoding.DecodeString(v)
	if err != nil {
		if b, err = base64.RawURLEncoding.DecodeString(v); err != nil {
			return 0, false
		}
	}
	var c cursor
	if json.Unmarshal(b, &c) != nil {
		return 0, false
	}
	id, err := strconv.ParseInt(c.ID, 10, 64)
	return id, err == nil
}

// paginateKeyset pages the jobs of list (in ID order) that keep selects,
// newest (highest id) first: it returns the page after the request's
// cursor (the jobs with lower IDs) and sets Link rel="next" when there is more.
func (s *Sim) paginateKeyset(w http.ResponseWriter, r *http.Request, lp listParams, list []*job, keep func(*job) bool) (page []*job, ok bool) {
	_, perPage := pageParams(lp)
	start := len(list) - 1
	if c := r.URL.Query().Get("cursor"); c != "" {
		after, valid := decodeCursor(c)
		if !valid {
			badParam(w, "cursor is invalid")
			return nil, false
		}
		i, _ := slices.BinarySearchFunc(list, after, compareID) // the first job with id >= after
		start = i - 1
	}
	page, seen := pageOf(list, start, keep, 0, perPage, false)
	w.Header().Set("X-Per-Page", strconv.Itoa(perPage))
	if seen > len(page) {
		next := s.linkURL(r, map[string]string{"cursor": encodeCursor(page[len(page)-1].id), "per_page": strconv.Itoa(perPage)}, "page")
		w.Header().Set("Link", `<`+next+`>; rel="next"`)
	}
	return page, true
}

// Grape's Boolean coercion (dry-types Params::Bool).
var (
	trueValues  = map[string]bool{"1": true, "on": true, "On": true, "ON": true, "t": true, "true": true, "True": true, "TRUE": true, "T": true, "y": true, "yes": true, "Yes": true, "YES": true, "Y": true}
	falseValues = map[string]bool{"0": true, "off": true, "Off": true, "OFF": true, "f": true, "false": true, "False": true, "FALSE": true, "F": true, "n": true, "no": true, "No": true, "NO": true, "N": true}
)

// writePage answers 200 with the page of items that r asks for, with
// offset pagination headers (paginate(...)).
func writePage[T any](s *Sim, w http.ResponseWriter, r *http.Request, lp listParams, items []T, present func(T) obj) {
	from, to := s.paginateOffset(w, r, lp, len(items), true)
	out := make([]obj, 0, to-from)
	for _, it := range items[from:to] {
		out = append(out, present(it))
	}
	writeJSON(w, http.StatusOK, out)
}
