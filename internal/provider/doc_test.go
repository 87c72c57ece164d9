package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocMapsEveryFile: doc.go names every source file of the package, and
// every test file follows the naming rule it states or is one of the
// exceptions it lists, so the map cannot silently fall behind the files.
func TestDocMapsEveryFile(t *testing.T) {
	b, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	named := func(f string) bool {
		return regexp.MustCompile(`(^|[^a-z_])` + regexp.QuoteMeta(f) + `\b`).MatchString(doc)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	exists := map[string]bool{}
	for _, f := range files {
		exists[f] = true
	}
	for _, f := range files {
		if f == "doc.go" {
			continue
		}
		if !strings.HasSuffix(f, "_test.go") {
			if !named(f) {
				t.Errorf("doc.go does not name %s", f)
			}
			continue
		}
		base := strings.TrimSuffix(f, "_test.go")
		for _, suffix := range []string{"_internal", "_acc", "_bench", "_fuzz"} {
			base = strings.TrimSuffix(base, suffix)
		}
		if !exists[base+".go"] && !named(f) {
			t.Errorf("%s tests no %s.go and is not among doc.go's exceptions", f, base)
		}
	}
}
