package provider

import (
	"os"
	"strings"
	"testing"
)

// TestDocMapsEveryFile: doc.go names every source file of the package, and
// every test file follows the naming rule it states or is one of the
// exceptions it lists, so the map cannot silently fall behind the files.
func TestDocMapsEveryFile(t *testing.T) {
	entries, err := os.ReadDir(".")
	b, docErr := os.ReadFile("doc.go")
	if err != nil || docErr != nil {
		t.Fatal(err, docErr)
	}
	doc := string(b)
	// named: doc.go has f as a word (not inside a longer file name).
	named := func(f string) bool {
		for rest := doc; ; {
			i := strings.Index(rest, f)
			if i < 0 {
				return false
			}
			if i == 0 || !strings.ContainsRune("abcdefghijklmnopqrstuvwxyz_", rune(rest[i-1])) {
				return true
			}
			rest = rest[i+len(f):]
		}
	}
	var files []string
	exists := map[string]bool{}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".go") {
			files = append(files, e.Name())
			exists[e.Name()] = true
		}
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
