package rackparams

import (
	"fmt"
	"strings"
	"testing"
)

func TestRackParse(t *testing.T) {
	p := map[string]any{}
	if err := Parse(p, "force=true&a[]=1&a[]=2&v[][key]=K1&v[][value]=V1&v[][key]=K2&v[][value]=V2&h[x]=1&i[0][key]=z"); err != nil {
		t.Fatal(err)
	}
	if p["force"] != "true" || fmt.Sprint(p["a"]) != "[1 2]" {
		t.Errorf("scalars and lists: %v", p)
	}
	if fmt.Sprint(p["v"]) != "[map[key:K1 value:V1] map[key:K2 value:V2]]" {
		t.Errorf("array of hashes: %v", p["v"])
	}
	if fmt.Sprint(p["h"]) != "map[x:1]" || fmt.Sprint(p["i"]) != "map[0:map[key:z]]" {
		t.Errorf("hashes: %v %v", p["h"], p["i"])
	}
}

// TestRackParseAsRack holds cases of Rack 2.2's own spec of
// parse_nested_query (test/spec_utils.rb) and the keys fuzzing found.
func TestRackParseAsRack(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  string // fmt of the params; "error" for what Rack raises
	}{
		{"foo", "map[foo:<nil>]"},
		{"foo=", "map[foo:]"},
		{"foo=bar&foo=quux", "map[foo:quux]"},
		{"&foo=1&&bar=2", "map[bar:2 foo:1]"},
		{"foo&bar=", "map[bar: foo:<nil>]"},
		{"foo=bar;baz=1", "map[baz:1 foo:bar]"}, // Rack 2.2 splits at ";" too
		{"foo=1& bar=2", "map[bar:2 foo:1]"},    // and drops the spaces after a separator
		{"foo]=bar", "map[foo:bar]"},
		{"]foo=bar", "map[foo:bar]"},
		{"foo[=bar", "map[foo[:bar]"},
		{"scope[=failed&scope[]=running", "map[scope:[running] scope[:failed]"},
		{"[]=1", "map[]"},
		{"foo[]=bar&foo[]=", "map[foo:[bar ]]"},
		{"foo[bar]=1&foo[bar]=2", "map[foo:map[bar:2]]"},
		{"x[y][][z]=1&x[y][][w]=2", "map[x:map[y:[map[w:2 z:1]]]]"},
		{"x[y][][z]=1&x[y][][z]=2", "map[x:map[y:[map[z:1] map[z:2]]]]"},
		{"x[][y]=1&x[][z]=2&x[][y]=3", "map[x:[map[y:1 z:2] map[y:3]]]"},
		{"foo[]=a&foo=b", "map[foo:b]"},
		{"foo=b&foo[]=a", "error"},
		{"x[y]=1&x[y]z=2", "error"},
		{"x[y]=1&x[]=1", "error"},
		{"x[y]=1&x[y][][w]=2", "error"},
		{"bad=%zz", "error"},
		{"%zz=1", "error"},
		{"a" + strings.Repeat("[b]", 100) + "=1", "error"}, // deeper than 100
		{"a" + strings.Repeat("[b]", 98) + "=1", "map[a:" + strings.Repeat("map[b:", 98) + "1" + strings.Repeat("]", 99)},
	} {
		p := map[string]any{}
		got := "error"
		if err := Parse(p, tc.query); err == nil {
			got = fmt.Sprint(p)
		}
		if got != tc.want {
			t.Errorf("%q: %s, want %s", tc.query, got, tc.want)
		}
	}
}
