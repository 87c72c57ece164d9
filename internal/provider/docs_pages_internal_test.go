package provider

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// The reference pages stay short: a type's description is a few sentences
// ending with its upstream API link, and the long stories (across re-runs,
// tokens and rights, how a list is read) live in templates/ and the guides.

// maxDescriptionWords is the most words a type's description may have.
const maxDescriptionWords = 120

// longDescriptions are the types whose descriptions still tell the long
// story, to be moved to templates/ and guides like the others'.
var longDescriptions = map[string]bool{}

// TestDescriptionsAreShort checks every resource, data source and action:
// its description ends with its upstream API link and has at most
// maxDescriptionWords words.
func TestDescriptionsAreShort(t *testing.T) {
	_, resp := servedSchemas(t)
	descriptions := map[string]string{}
	for kind, schemas := range map[string]map[string]*tfprotov6.Schema{"resource": resp.ResourceSchemas, "data source": resp.DataSourceSchemas} {
		for name, s := range schemas {
			descriptions[kind+" "+name] = s.Block.Description
		}
	}
	for name, s := range resp.ActionSchemas {
		descriptions["action "+name] = s.Schema.Block.Description
	}
	if len(descriptions) < 20 {
		t.Fatalf("only %d types", len(descriptions))
	}
	for name, desc := range descriptions {
		if !hasAPILink(desc) {
			t.Errorf("%s: the description does not end with its upstream API link: %q", name, desc)
		}
		checkWords(t, name+"'s description", desc, maxDescriptionWords, longDescriptions[name], "longDescriptions")
	}
}

// TestLifecycleGuideLinks checks that the job action resources' pages link
// the guide that tells their shared rules, and that it exists.
func TestLifecycleGuideLinks(t *testing.T) {
	if _, err := os.Stat(filepath.Join(repoRoot, "templates", "guides", "lifecycle.md.tmpl")); err != nil {
		t.Fatal(err)
	}
	pages := docPages(t)
	for _, name := range []string{"job_play", "job_retry", "job_cancel", "job_erase", "job_artifacts_keep", "job_artifacts_delete"} {
		page := pages["resources/"+name+".md"]
		for _, want := range []string{"(../guides/lifecycle.md)", "## Across re-runs", "## Import"} {
			if !strings.Contains(page, want) {
				t.Errorf("docs/resources/%s.md lacks %q", name, want)
			}
		}
	}
}

// maxPageWords is the most words a generated reference page of docs/
// (docs/resources, docs/data-sources, docs/actions and docs/index.md) may
// have, as `wc -w` counts them: the aim is ~800. The guides tell stories and
// may have up to maxGuideWords.
const (
	maxPageWords  = 850
	maxGuideWords = 1500
)

// longPages are the reference pages still over maxPageWords, to be made
// terse like the others (descriptions of a few words, the long story in
// their templates/ or a guide). None is: the pages that list jobs list a
// job's nested objects (jobAttributes' commit, runner, user...) once, on
// gitlabjobs_job's page, and link there (TestSharedJobSchemaLinks).
var longPages = map[string]bool{}

// TestDocPagesAreShort checks the length of every page of docs/: a guide's
// against maxGuideWords, any other's against maxPageWords.
func TestDocPagesAreShort(t *testing.T) {
	for rel, src := range docPages(t) {
		if strings.HasPrefix(rel, "guides/") {
			checkWords(t, "docs/"+rel, src, maxGuideWords, false, "")
			continue
		}
		checkWords(t, "docs/"+rel, src, maxPageWords, longPages[rel], "longPages")
	}
}

// docPages are the pages of docs/ by path under docs/ (index.md,
// resources/job_play.md, ...).
func docPages(t *testing.T) map[string]string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(repoRoot, "docs", "*", "*.md"))
	paths = append(paths, filepath.Join(repoRoot, "docs", "index.md"))
	if len(paths) < 30 {
		t.Fatalf("only %d pages in docs/: run make generate", len(paths))
	}
	pages := map[string]string{}
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(filepath.Join(repoRoot, "docs"), path)
		pages[filepath.ToSlash(rel)] = string(src)
	}
	return pages
}

// checkWords checks that text (what) has at most max words, as `wc -w`
// counts them, unless listed in the exceptions named list, and that a listed
// one still needs to be.
func checkWords(t *testing.T, what, text string, max int, listed bool, list string) {
	t.Helper()
	switch words := len(strings.Fields(text)); {
	case listed && words <= max:
		t.Errorf("%s is short now (%d words): remove it from %s", what, words, list)
	case !listed && words > max:
		t.Errorf("%s has %d words, more than %d: move the long story to its template (templates/) or a guide, "+
			"and make the attribute descriptions terse", what, words, max)
	}
}

// staleWaitWording are the pages whose wait wording is still their own,
// not waitPolling's.
var staleWaitWording = map[string]bool{}

// TestWaitPollingWording checks that waitPolling says what the default
// poller does (the words read back as numbers against its intervals), and
// that every page of docs/ that says how a wait polls says it in
// waitPolling's words.
func TestWaitPollingWording(t *testing.T) {
	p := defaultPoller()
	for _, what := range []string{"job", "pipeline"} {
		wording := waitPolling(what)
		m := regexp.MustCompile(`^Waiting polls the ` + what + ` every (\w+) of the time waited so far \(at least (\d+) s, at most (\d+) s: a ` +
			what + ` is seen within about a (\w+) of its run time after it ends\)$`).FindStringSubmatch(wording)
		if m == nil {
			t.Fatalf("waitPolling(%q) = %q", what, wording)
		}
		divisor := map[string]time.Duration{"half": 2, "third": 3, "quarter": 4, "fifth": 5, "tenth": 10}[m[1]]
		least, _ := strconv.Atoi(m[2])
		most, _ := strconv.Atoi(m[3])
		if divisor == 0 || m[4] != m[1] {
			t.Fatalf("waitPolling(%q) names no share: %q", what, wording)
		}
		if got := p.interval(0); got != time.Duration(least)*time.Second {
			t.Errorf("%q says at least %d s; the first poll waits %s", wording, least, got)
		}
		if got := p.interval(24 * time.Hour); got != time.Duration(most)*time.Second {
			t.Errorf("%q says at most %d s; a long wait polls every %s", wording, most, got)
		}
		waited := time.Duration(most) * time.Second // within the bounds for any share
		if got, want := p.interval(waited), waited/divisor; got != want {
			t.Errorf("%q says every %s; after %s the poller waits %s, not %s", wording, m[1], waited, got, want)
		}
	}

	polls := regexp.MustCompile(`Waiting polls the (\w+)[^\n]*`)
	seen := 0
	for rel, src := range docPages(t) {
		stale := false
		for _, m := range polls.FindAllStringSubmatch(src, -1) {
			seen++
			if !strings.HasPrefix(m[0], waitPolling(m[1])) {
				stale = true
				if !staleWaitWording[rel] {
					t.Errorf("docs/%s: %q is not waitPolling(%q): %q", rel, m[0], m[1], waitPolling(m[1]))
				}
			}
		}
		if staleWaitWording[rel] && !stale {
			t.Errorf("docs/%s says how a wait polls in waitPolling's words now: remove it from staleWaitWording", rel)
		}
	}
	if seen == 0 {
		t.Error("no page of docs/ says how a wait polls: are the docs generated (make generate)?")
	}
}

// TestDocLinksResolve checks every relative link of docs/ (`job.md#x`,
// `../guides/lifecycle.md#picking-the-job`, `#nestedatt--jobs`): the page
// exists and has the anchor, as an `<a id>` or a heading's GitHub slug.
func TestDocLinksResolve(t *testing.T) {
	pages := docPages(t)
	anchors := map[string]map[string]bool{}
	for rel, src := range pages {
		anchors[rel] = pageAnchors(src)
	}
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	checked := 0
	for rel, src := range pages {
		for _, m := range link.FindAllStringSubmatch(src, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			to := rel
			if file != "" {
				to = filepath.ToSlash(filepath.Join(filepath.Dir(rel), file))
			}
			checked++
			switch has, ok := anchors[to]; {
			case !ok:
				t.Errorf("docs/%s links %q: there is no docs/%s", rel, target, to)
			case anchor != "" && !has[anchor]:
				t.Errorf("docs/%s links %q: docs/%s has no anchor %q", rel, target, to, anchor)
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d relative links checked in docs/", checked)
	}
}

// pageAnchors are the anchors of a page: its `<a id="...">`s and its
// headings' slugs as GitHub and the Registry make them (lower case, spaces to
// hyphens, punctuation other than - and _ dropped).
func pageAnchors(src string) map[string]bool {
	out := map[string]bool{}
	for _, m := range regexp.MustCompile(`<a id="([^"]+)"></a>`).FindAllStringSubmatch(src, -1) {
		out[m[1]] = true
	}
	inCode := false
	for _, line := range strings.Split(src, "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		if inCode || !strings.HasPrefix(line, "#") {
			continue
		}
		heading := strings.ToLower(strings.TrimSpace(strings.TrimLeft(line, "#")))
		slug := strings.Map(func(r rune) rune {
			switch {
			case r == ' ':
				return '-'
			case r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
				return r
			}
			return -1
		}, heading)
		out[slug] = true
	}
	return out
}

// TestSharedJobSchemaLinks checks that where a page sends the reader to
// gitlabjobs_job's page for a nested object (`commit`, `runner`...), the
// object there has the same attributes as the one the data source serves.
func TestSharedJobSchemaLinks(t *testing.T) {
	_, resp := servedSchemas(t)
	jobAttrs := map[string]*tfprotov6.SchemaAttribute{}
	for _, a := range resp.DataSourceSchemas["gitlabjobs_job"].Block.Attributes {
		jobAttrs[a.Name] = a
	}
	section := regexp.MustCompile("^### Nested Schema for `(\\w+)`")
	shared := regexp.MustCompile("^- `(\\w+)` .*\\(see \\[nested schema on gitlabjobs_job\\]\\(job\\.md#nestedatt--(\\w+)\\)\\)$")
	seen := 0
	for rel, src := range docPages(t) {
		name, ok := strings.CutPrefix(strings.TrimSuffix(rel, ".md"), "data-sources/")
		if !ok {
			if strings.Contains(src, "nested schema on gitlabjobs_job") {
				t.Errorf("docs/%s links a job's nested schema, but is not a data source's page", rel)
			}
			continue
		}
		schema := resp.DataSourceSchemas["gitlabjobs_"+name]
		if schema == nil {
			t.Errorf("docs/%s: no data source gitlabjobs_%s", rel, name)
			continue
		}
		parent := ""
		for _, line := range strings.Split(src, "\n") {
			if m := section.FindStringSubmatch(line); m != nil {
				parent = m[1]
			}
			m := shared.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			seen++
			served := findAttribute(schema.Block.Attributes, parent, m[1])
			job := jobAttrs[m[2]]
			switch {
			case served == nil || served.NestedType == nil:
				t.Errorf("docs/%s: %s.%s is no nested attribute of gitlabjobs_%s", rel, parent, m[1], name)
			case job == nil || job.NestedType == nil:
				t.Errorf("docs/%s links gitlabjobs_job's %q, which is no nested attribute", rel, m[2])
			default:
				if !reflect.DeepEqual(job.NestedType, served.NestedType) {
					t.Errorf("docs/%s: gitlabjobs_%s's %s differs from gitlabjobs_job's %s, which its page links: "+
						"describe it on the page (a template of templates/ cuts the schema)", rel, name, m[1], m[2])
				}
			}
		}
	}
	if seen < 30 {
		t.Errorf("only %d links to gitlabjobs_job's nested schemas: are the docs generated (make generate)?", seen)
	}
}

// findAttribute returns attrs' attribute name, or, with a parent, the
// attribute name of the nested attribute parent.
func findAttribute(attrs []*tfprotov6.SchemaAttribute, parent, name string) *tfprotov6.SchemaAttribute {
	for _, a := range attrs {
		switch {
		case parent == "" && a.Name == name:
			return a
		case parent != "" && a.Name == parent && a.NestedType != nil:
			return findAttribute(a.NestedType.Attributes, "", name)
		}
	}
	return nil
}

// TestEndpointMap checks CONTRIBUTING.md's map of the endpoints: every
// handler it names is a method of the simulator in the file it names, every
// client method a method of gitlabclient's Client in its file, every route
// one the simulator serves, every type a served one, and every served type
// is in the map.
func TestEndpointMap(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(repoRoot, "CONTRIBUTING.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, resp := servedSchemas(t)
	types := map[string]bool{}
	for name := range resp.DataSourceSchemas {
		types[name] = true
	}
	for name := range resp.ResourceSchemas {
		types[name] = true
	}
	for name := range resp.ActionSchemas {
		types[name] = true
	}
	simSource := goSources(t, filepath.Join(repoRoot, "internal", "gitlabsim"))
	row := regexp.MustCompile("^\\| `(GET|POST|PUT|DELETE) (/[^`]*)` \\| (.+) \\| (.+) \\| (.+) \\|$")
	fileFuncs := regexp.MustCompile("`(\\w+\\.go)` ((?:`\\w+`(?:, )?)+)")
	funcName := regexp.MustCompile("`(\\w+)`")
	check := func(dir, receiver, cell, where string) {
		groups := fileFuncs.FindAllStringSubmatch(cell, -1)
		if len(groups) == 0 {
			t.Errorf("CONTRIBUTING.md: %s: no `file.go` `Func` in %q", where, cell)
		}
		for _, g := range groups {
			code, err := os.ReadFile(filepath.Join(repoRoot, "internal", dir, g[1]))
			if err != nil {
				t.Errorf("CONTRIBUTING.md: %s: %v", where, err)
				continue
			}
			for _, f := range funcName.FindAllStringSubmatch(g[2], -1) {
				if !strings.Contains(string(code), "func ("+receiver+") "+f[1]+"(") {
					t.Errorf("CONTRIBUTING.md: %s: internal/%s/%s has no func (%s) %s", where, dir, g[1], receiver, f[1])
				}
			}
		}
	}
	mapped := map[string]bool{}
	rows := 0
	for _, line := range strings.Split(string(src), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		rows++
		where := m[1] + " " + m[2]
		if !strings.Contains(simSource, `"`+m[1]+" /api/v4"+m[2]+`"`) {
			t.Errorf("CONTRIBUTING.md: the simulator serves no %q", m[1]+" /api/v4"+m[2])
		}
		check("gitlabsim", "s *Sim", m[3], where)
		check("gitlabclient", "c *Client", m[4], where)
		for _, ty := range regexp.MustCompile("`(gitlabjobs_\\w+)`").FindAllStringSubmatch(m[5], -1) {
			if !types[ty[1]] {
				t.Errorf("CONTRIBUTING.md: %s: %s is no type of the provider", where, ty[1])
			}
			mapped[ty[1]] = true
		}
	}
	if rows < 30 {
		t.Fatalf("CONTRIBUTING.md maps only %d endpoints", rows)
	}
	for ty := range types {
		if !mapped[ty] {
			t.Errorf("CONTRIBUTING.md: no endpoint names %s", ty)
		}
	}
}

// goSources is the text of dir's Go files but its tests, one after another.
func goSources(t *testing.T, dir string) string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	var b strings.Builder
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(src)
	}
	return b.String()
}

// TestTypeFiles checks CONTRIBUTING.md's rule for a type's files: every
// served type gitlabjobs_<name> of a kind has its code in
// internal/provider/<name>_<kind>.go, its example in
// examples/<kinds>/gitlabjobs_<name>/ and its page in docs/<kinds>/<name>.md.
func TestTypeFiles(t *testing.T) {
	_, resp := servedSchemas(t)
	kinds := map[string][]string{"data_source": nil, "resource": nil, "action": nil}
	for name := range resp.DataSourceSchemas {
		kinds["data_source"] = append(kinds["data_source"], name)
	}
	for name := range resp.ResourceSchemas {
		kinds["resource"] = append(kinds["resource"], name)
	}
	for name := range resp.ActionSchemas {
		kinds["action"] = append(kinds["action"], name)
	}
	folder := map[string]string{"data_source": "data-sources", "resource": "resources", "action": "actions"}
	for kind, names := range kinds {
		if len(names) == 0 {
			t.Fatalf("no %s served", kind)
		}
		for _, typeName := range names {
			name := strings.TrimPrefix(typeName, "gitlabjobs_")
			for _, rel := range []string{
				filepath.Join("internal", "provider", name+"_"+kind+".go"),
				filepath.Join("examples", folder[kind], typeName),
				filepath.Join("docs", folder[kind], name+".md"),
			} {
				if _, err := os.Stat(filepath.Join(repoRoot, rel)); err != nil {
					t.Errorf("%s (%s): %s is missing (CONTRIBUTING.md: A Terraform type)", typeName, kind, rel)
				}
			}
		}
	}
}
