package provider

import (
	"strings"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The intent's key in provider memory: the same for the same project and
// ref however written, different for other values or inputs (whose
// digest it holds, in memory only).
func TestPipelineIntentKey(t *testing.T) {
	req := func(ref, value string, inputs map[string]any) gitlabclient.RunRequest {
		return gitlabclient.RunRequest{Ref: ref, Marker: "tf-1", Variables: []gitlabclient.Variable{{Key: "ENV", Value: value}}, Inputs: inputs}
	}
	base := pipelineIntentKey("group/app", req("main", "staging", nil))
	for name, c := range map[string]struct {
		project string
		req     gitlabclient.RunRequest
		same    bool
	}{
		"encoded, other case":  {"Group%2FApp", req("main", "staging", nil), true},
		"ref spelled in full":  {"group/app", req("refs/heads/main", "staging", nil), true},
		"other value":          {"group/app", req("main", "production", nil), false},
		"inputs":               {"group/app", req("main", "staging", map[string]any{"v": "1"}), false},
		"other project":        {"group/other", req("main", "staging", nil), false},
		"marker with its salt": {"group/app", gitlabclient.RunRequest{Ref: "main", Marker: "tf-1.salt.mac", Variables: []gitlabclient.Variable{{Key: "ENV", Value: "staging"}}}, true},
	} {
		if got := pipelineIntentKey(c.project, c.req) == base; got != c.same {
			t.Errorf("%s: same key = %v, want %v", name, got, c.same)
		}
	}
	if k := pipelineIntentKey("group/app", req("main", "s3cr3t-value", nil)); strings.Contains(k, "s3cr3t") {
		t.Error("the key holds a variable's value")
	}
}
