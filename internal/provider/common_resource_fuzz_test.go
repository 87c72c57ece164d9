package provider

import (
	"strconv"
	"strings"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// FuzzParseImportID: parseImportID never panics; an accepted import ID has
// one positive ID per name, a valid project, and is rebuilt from them.
//
//	go test -run '^$' -fuzz '^FuzzParseImportID$' -fuzztime 30s ./internal/provider
func FuzzParseImportID(f *testing.F) {
	for _, id := range []string{
		"group/sub/project:12", "42:7", "group%2Fproject:7", "g/p:12:13", "g/p/12", "g/p:12", "g/p:0", "g/p:-3",
		"g/p:+3", "g/p:007", "g/p:9223372036854775807", "g/p:9223372036854775808", "g/p:1e3", "g/p: 1", "g/p:",
		":1", "::", "g/p:1:", "g/p:1:2:3", "g%3Ap:1", "https://gitlab.com/g/p:1", "0:1", "-5:1", "g/p:0x10", "g/p:١",
	} {
		f.Add(id, false)
		f.Add(id, true)
	}
	f.Fuzz(func(t *testing.T, id string, two bool) {
		names := []string{"job_id"}
		if two {
			names = append(names, "new_job_id")
		}
		project, ids, err := parseImportID(id, names...)
		if err != nil {
			if !strings.Contains(err.Error(), "import ID") {
				t.Fatalf("parseImportID(%q): the error does not say what is wrong: %v", id, err)
			}
			return
		}
		if len(ids) != len(names) {
			t.Fatalf("parseImportID(%q) = %v for %d names", id, ids, len(names))
		}
		parts := []string{project.String()}
		for _, n := range ids {
			if n <= 0 {
				t.Fatalf("parseImportID(%q): ID %d is not positive", id, n)
			}
			parts = append(parts, strconv.FormatInt(n, 10))
		}
		if p, err := gitlabclient.ParseProject(project.String()); err != nil || p != project {
			t.Fatalf("parseImportID(%q): project %+v does not parse back: %+v, %v", id, project, p, err)
		}
		again := strings.Join(parts, ":")
		p2, ids2, err := parseImportID(again, names...)
		if err != nil || p2 != project || len(ids2) != len(ids) || ids2[0] != ids[0] || ids2[len(ids2)-1] != ids[len(ids)-1] {
			t.Fatalf("parseImportID(%q) = %+v %v, but its canonical form %q gives %+v %v, %v", id, project, ids, again, p2, ids2, err)
		}
	})
}
