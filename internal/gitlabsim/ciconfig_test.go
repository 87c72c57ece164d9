package gitlabsim_test

import (
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// Invalid configurations are refused when set, naming the job.
func TestCIConfig_invalid(t *testing.T) {
	p := newPipeEnv(t, releaseConfig)
	for _, cfg := range []gitlabsim.CIConfig{
		{Jobs: []gitlabsim.CIJob{{Name: "x", Stage: "nope"}}},
		{Jobs: []gitlabsim.CIJob{{Name: "x", Needs: []string{"y"}}}},
		{Jobs: []gitlabsim.CIJob{{Name: "x"}, {Name: "x"}}},
		{Jobs: []gitlabsim.CIJob{{Name: "x", When: "sometimes"}}},
		{Jobs: []gitlabsim.CIJob{{Name: "x", Stage: "build", Needs: []string{"y"}}, {Name: "y", Stage: "test"}}},
		{Jobs: []gitlabsim.CIJob{{Name: "x", ArtifactFiles: []gitlabsim.ArtifactFileSpec{{Path: "../etc/passwd", Content: "x"}}}}},
		{Jobs: []gitlabsim.CIJob{{Name: "x", ExpireIn: "someday"}}},
	} {
		if err := p.sim.SetCIConfig(p.proj.ID, cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}
