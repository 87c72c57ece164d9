package provider

import (
	"os"
	"path/filepath"
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
// their templates/ or a guide). Each lists a job's attributes (jobAttributes:
// ~620 words with their nested schemas) beside its own; pipeline_bridges
// twice a pipeline's.
var longPages = map[string]bool{
	"data-sources/pipeline_bridges.md": true,
	"data-sources/pipeline_job.md":     true,
	"data-sources/pipeline_jobs.md":    true,
}

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
