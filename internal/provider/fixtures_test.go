package provider_test

import (
	"strings"
	"testing"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// releaseFixture is a project with one pipeline of every kind of job, for
// the list data sources.
type releaseFixture struct {
	project          gitlabsim.Project
	pipeline         gitlabsim.Pipeline
	downstream       gitlabsim.Pipeline
	build, unit      int64
	running, deploy  int64
	trigger, pending int64
}

func newReleaseFixture(t *testing.T, env *acctest.Env) releaseFixture {
	t.Helper()
	env.RequireSim(t, "builds a pipeline of known jobs")
	var f releaseFixture
	f.project = env.Sim.CreateProject(gitlabsim.ProjectSpec{Path: "release/sub/app", Members: map[int64]int{env.AdminID: 40}})
	f.downstream = env.Sim.CreatePipeline(f.project.ID, gitlabsim.PipelineSpec{Source: "parent_pipeline", Jobs: []gitlabsim.JobSpec{{Name: "child", Status: "running"}}})
	f.pipeline = env.Sim.CreatePipeline(f.project.ID, gitlabsim.PipelineSpec{Ref: "release-1.2", Jobs: []gitlabsim.JobSpec{
		{Name: "build", Stage: "build", Status: "success", Log: "line 1\nline 2\nline 3\nsecret=hunter2\n"},
		{Name: "unit", Stage: "test", Status: "failed"},
		{Name: "e2e", Stage: "test", Status: "running"},
		{Name: "deploy", Stage: "deploy", Status: "manual"},
		{Name: "trigger-child", Stage: "deploy", Status: "success", Bridge: true, DownstreamPipelineID: f.downstream.ID},
		{Name: "trigger-later", Stage: "deploy", Status: "manual", Bridge: true},
	}})
	ids := f.pipeline.JobIDs
	f.build, f.unit, f.running, f.deploy, f.trigger, f.pending = ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]
	return f
}

// newPipeline creates a project of its own (named after the test) with one
// pipeline of the given jobs, for the job action resources.
func newPipeline(t *testing.T, env *acctest.Env, jobs ...gitlabsim.JobSpec) (gitlabsim.Project, gitlabsim.Pipeline) {
	t.Helper()
	env.RequireSim(t, "acts on jobs it sets up")
	p := env.Sim.CreateProject(gitlabsim.ProjectSpec{
		Path:    "actions/" + strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())),
		Members: map[int64]int{env.AdminID: 40},
	})
	return p, env.Sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: jobs})
}

// simJob is a job as the simulator holds it, failing the test when it is gone.
func simJob(t *testing.T, env *acctest.Env, id int64) gitlabsim.Job {
	t.Helper()
	j, ok := env.Sim.Job(id)
	if !ok {
		t.Fatalf("job %d does not exist in the simulator", id)
	}
	return j
}
