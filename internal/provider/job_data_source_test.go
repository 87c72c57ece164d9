package provider_test

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

const jobDataSource = "data.gitlabjobs_job.test"

func jobDataSourceConfig(project string, jobID int64) string {
	return fmt.Sprintf(`
data "gitlabjobs_job" "test" {
  project = %q
  job_id  = %d
}
`, project, jobID)
}

// apiJob is the part of GitLab's job JSON the tests compare with state.
type apiJob struct {
	ID            int64    `json:"id"`
	Name          string   `json:"name"`
	Status        string   `json:"status"`
	Stage         string   `json:"stage"`
	Ref           string   `json:"ref"`
	Tag           bool     `json:"tag"`
	AllowFailure  bool     `json:"allow_failure"`
	WebURL        string   `json:"web_url"`
	Archived      bool     `json:"archived"`
	Duration      *float64 `json:"duration"`
	Coverage      *float64 `json:"coverage"`
	StartedAt     *string  `json:"started_at"`
	FinishedAt    *string  `json:"finished_at"`
	TagList       []string `json:"tag_list"`
	FailureReason string   `json:"failure_reason"`
	User          struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
	} `json:"user"`
	Commit struct {
		ID      string `json:"id"`
		ShortID string `json:"short_id"`
	} `json:"commit"`
	Pipeline struct {
		ID        int64  `json:"id"`
		ProjectID int64  `json:"project_id"`
		SHA       string `json:"sha"`
		Ref       string `json:"ref"`
		Status    string `json:"status"`
	} `json:"pipeline"`
	Artifacts []struct {
		FileType string `json:"file_type"`
		Filename string `json:"filename"`
		Size     int64  `json:"size"`
	} `json:"artifacts"`
}

func getAPIJob(t *testing.T, env *acctest.Env, job acctest.Job) apiJob {
	t.Helper()
	var j apiJob
	env.GetJSON(t, fmt.Sprintf("/projects/%s/jobs/%d", acctest.PathEscape(job.Project), job.JobID), &j)
	return j
}

func attr(path ...any) tfjsonpath.Path {
	p := tfjsonpath.New(path[0].(string))
	for _, step := range path[1:] {
		switch s := step.(type) {
		case string:
			p = p.AtMapKey(s)
		case int:
			p = p.AtSliceIndex(s)
		}
	}
	return p
}

// TestAccJobDataSource_basic reads a finished job and compares every kind of
// attribute with what GitLab's API answers for it.
func TestAccJobDataSource_basic(t *testing.T) {
	env := acctest.NewEnv(t)
	job := env.FinishedJob(t)
	want := getAPIJob(t, env, job)

	tags := make([]knownvalue.Check, 0, len(want.TagList))
	for _, tag := range want.TagList {
		tags = append(tags, knownvalue.StringExact(tag))
	}
	checks := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(jobDataSource, attr("id"), knownvalue.StringExact(fmt.Sprintf("%s:%d", job.Project, job.JobID))),
		statecheck.ExpectKnownValue(jobDataSource, attr("job_id"), knownvalue.Int64Exact(job.JobID)),
		statecheck.ExpectKnownValue(jobDataSource, attr("name"), knownvalue.StringExact(want.Name)),
		statecheck.ExpectKnownValue(jobDataSource, attr("status"), knownvalue.StringExact(want.Status)),
		statecheck.ExpectKnownValue(jobDataSource, attr("stage"), knownvalue.StringExact(want.Stage)),
		statecheck.ExpectKnownValue(jobDataSource, attr("ref"), knownvalue.StringExact(want.Ref)),
		statecheck.ExpectKnownValue(jobDataSource, attr("tag"), knownvalue.Bool(want.Tag)),
		statecheck.ExpectKnownValue(jobDataSource, attr("allow_failure"), knownvalue.Bool(want.AllowFailure)),
		statecheck.ExpectKnownValue(jobDataSource, attr("archived"), knownvalue.Bool(want.Archived)),
		statecheck.ExpectKnownValue(jobDataSource, attr("web_url"), knownvalue.StringExact(want.WebURL)),
		statecheck.ExpectKnownValue(jobDataSource, attr("tag_list"), knownvalue.ListExact(tags)),
		statecheck.ExpectKnownValue(jobDataSource, attr("started_at"), sameInstant(want.StartedAt)),
		statecheck.ExpectKnownValue(jobDataSource, attr("finished_at"), sameInstant(want.FinishedAt)),
		statecheck.ExpectKnownValue(jobDataSource, attr("erased_at"), knownvalue.Null()),
		statecheck.ExpectKnownValue(jobDataSource, attr("failure_reason"), knownvalue.Null()),
		statecheck.ExpectKnownValue(jobDataSource, attr("user", "id"), knownvalue.Int64Exact(want.User.ID)),
		statecheck.ExpectKnownValue(jobDataSource, attr("user", "username"), knownvalue.StringExact(want.User.Username)),
		statecheck.ExpectKnownValue(jobDataSource, attr("commit", "id"), knownvalue.StringExact(want.Commit.ID)),
		statecheck.ExpectKnownValue(jobDataSource, attr("commit", "short_id"), knownvalue.StringExact(want.Commit.ShortID)),
		statecheck.ExpectKnownValue(jobDataSource, attr("pipeline", "id"), knownvalue.Int64Exact(want.Pipeline.ID)),
		statecheck.ExpectKnownValue(jobDataSource, attr("pipeline", "project_id"), knownvalue.Int64Exact(want.Pipeline.ProjectID)),
		statecheck.ExpectKnownValue(jobDataSource, attr("pipeline", "sha"), knownvalue.StringExact(want.Pipeline.SHA)),
		statecheck.ExpectKnownValue(jobDataSource, attr("pipeline", "status"), knownvalue.StringExact(want.Pipeline.Status)),
		statecheck.ExpectKnownValue(jobDataSource, attr("artifacts"), knownvalue.ListSizeExact(len(want.Artifacts))),
	}
	if want.Duration != nil {
		checks = append(checks, statecheck.ExpectKnownValue(jobDataSource, attr("duration"), knownvalue.Float64Exact(*want.Duration)))
	}
	if want.Coverage != nil {
		checks = append(checks, statecheck.ExpectKnownValue(jobDataSource, attr("coverage"), knownvalue.Float64Exact(*want.Coverage)))
	}
	for i, a := range want.Artifacts {
		checks = append(checks,
			statecheck.ExpectKnownValue(jobDataSource, attr("artifacts", i, "file_type"), knownvalue.StringExact(a.FileType)),
			statecheck.ExpectKnownValue(jobDataSource, attr("artifacts", i, "filename"), knownvalue.StringExact(a.Filename)),
			statecheck.ExpectKnownValue(jobDataSource, attr("artifacts", i, "size"), knownvalue.Int64Exact(a.Size)),
		)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config:            env.Config(jobDataSourceConfig(job.Project, job.JobID)),
			ConfigStateChecks: checks,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		}},
	})
}

// sameInstant checks an RFC 3339 timestamp in state against GitLab's
// timestamp (or null), as instants: the provider normalises to UTC.
func sameInstant(want *string) knownvalue.Check {
	if want == nil {
		return knownvalue.Null()
	}
	wantTime, err := time.Parse(time.RFC3339Nano, *want)
	if err != nil {
		return knownvalue.StringExact(*want)
	}
	return knownvalue.StringFunc(func(got string) error {
		gotTime, err := time.Parse(time.RFC3339Nano, got)
		if err != nil {
			return fmt.Errorf("%q is not RFC 3339: %w", got, err)
		}
		if !gotTime.Equal(wantTime) {
			return fmt.Errorf("got %s, want %s", got, *want)
		}
		return nil
	})
}

// TestAccJobDataSource_projectForms reads one job through a numeric project
// ID, a full path and a URL-encoded path.
func TestAccJobDataSource_projectForms(t *testing.T) {
	env := acctest.NewEnv(t)
	job := env.FinishedJob(t)
	want := getAPIJob(t, env, job)
	numeric := strconv.FormatInt(want.Pipeline.ProjectID, 10)

	step := func(project, wantID string) resource.TestStep {
		return resource.TestStep{
			Config: env.Config(jobDataSourceConfig(project, job.JobID)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(jobDataSource, attr("id"), knownvalue.StringExact(wantID)),
				statecheck.ExpectKnownValue(jobDataSource, attr("project"), knownvalue.StringExact(project)),
				statecheck.ExpectKnownValue(jobDataSource, attr("name"), knownvalue.StringExact(want.Name)),
			},
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			step(numeric, fmt.Sprintf("%s:%d", numeric, job.JobID)),
			step(job.Project, fmt.Sprintf("%s:%d", job.Project, job.JobID)),
			step(acctest.PathEscape(job.Project), fmt.Sprintf("%s:%d", job.Project, job.JobID)),
		},
	})
}

// TestAccJobDataSource_notFound reports a missing job or project clearly.
func TestAccJobDataSource_notFound(t *testing.T) {
	env := acctest.NewEnv(t)
	job := env.FinishedJob(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      env.Config(jobDataSourceConfig(job.Project, 987654321)),
				ExpectError: regexp.MustCompile(`(?s)GitLab job not found.*Job 987654321 was not found in project`),
			},
			{
				Config:      env.Config(jobDataSourceConfig("no-such-group/no-such-project", job.JobID)),
				ExpectError: regexp.MustCompile(`(?s)GitLab job not found.*404 Project Not Found`),
			},
		},
	})
}

// TestAccJobDataSource_invalidInput fails at plan time, before any request,
// naming the attribute.
func TestAccJobDataSource_invalidInput(t *testing.T) {
	env := acctest.NewEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config:      env.Config(jobDataSourceConfig("just-a-name", 1)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid GitLab project.*project`),
			},
			{
				Config:      env.Config(jobDataSourceConfig("group//project", 1)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Invalid GitLab project`),
			},
			{
				Config:      env.Config(jobDataSourceConfig("group/project", 0)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)job_id.*must be at least 1`),
			},
		},
	})
}

// TestAccJobDataSource_nullFields keeps what GitLab sends as null (a manual
// job that never ran) null in state.
func TestAccJobDataSource_nullFields(t *testing.T) {
	env := acctest.NewEnv(t)
	env.RequireSim(t, "creates a manual job")
	p := env.Sim.CreateProject(gitlabsim.ProjectSpec{Path: "nulls/app", Members: map[int64]int{env.AdminID: 40}})
	pl := env.Sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{UserID: env.AdminID, Jobs: []gitlabsim.JobSpec{
		{Name: "deploy", Stage: "deploy", Status: "manual"},
	}})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config: env.Config(jobDataSourceConfig(p.PathWithNamespace, pl.JobIDs[0])),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(jobDataSource, attr("status"), knownvalue.StringExact("manual")),
				statecheck.ExpectKnownValue(jobDataSource, attr("started_at"), knownvalue.Null()),
				statecheck.ExpectKnownValue(jobDataSource, attr("finished_at"), knownvalue.Null()),
				statecheck.ExpectKnownValue(jobDataSource, attr("duration"), knownvalue.Null()),
				statecheck.ExpectKnownValue(jobDataSource, attr("coverage"), knownvalue.Null()),
				statecheck.ExpectKnownValue(jobDataSource, attr("runner"), knownvalue.Null()),
				statecheck.ExpectKnownValue(jobDataSource, attr("artifacts_file"), knownvalue.Null()),
				statecheck.ExpectKnownValue(jobDataSource, attr("artifacts"), knownvalue.ListSizeExact(0)),
				statecheck.ExpectKnownValue(jobDataSource, attr("created_at"), knownvalue.NotNull()),
			},
		}},
	})
}

// TestAccJobDataSource_jobToken authenticates as a running CI job, the way
// Terraform runs inside GitLab CI. Current GitLab lets a job token list its
// own project's pipeline jobs (route_setting job_token_allowed, policy
// read_jobs) but not get a single job (GET /projects/:id/jobs/:job_id does
// not read job tokens: 401), so the token reads the pipeline's jobs, and
// gitlabjobs_job and gitlabjobs_job_trace refuse it without asking GitLab.
func TestAccJobDataSource_jobToken(t *testing.T) {
	env := acctest.NewEnv(t)
	env.RequireSim(t, "needs a running job's CI job token")
	p := env.Sim.CreateProject(gitlabsim.ProjectSpec{Path: "ci/app", Members: map[int64]int{env.AdminID: 40}})
	pl := env.Sim.CreatePipeline(p.ID, gitlabsim.PipelineSpec{UserID: env.AdminID, Jobs: []gitlabsim.JobSpec{
		{Name: "build", Stage: "build", Status: "success"},
		{Name: "terraform", Stage: "deploy", Status: "running"},
	}})
	built, running := pl.JobIDs[0], pl.JobIDs[1]
	jobToken := env.Sim.JobToken(running)
	pipelineJobs := fmt.Sprintf(`
data "gitlabjobs_pipeline_jobs" "test" {
  project     = %q
  pipeline_id = %d
  scope       = ["success"]
}
`, p.PathWithNamespace, pl.ID)
	const listed = "data.gitlabjobs_pipeline_jobs.test"
	jobReads := func() int {
		return env.Sim.RequestCount("GET /api/v4/projects/{id}/jobs/{job_id}") +
			env.Sim.RequestCount("GET /api/v4/projects/{id}/jobs/{job_id}/trace")
	}
	trace := fmt.Sprintf("data \"gitlabjobs_job_trace\" \"test\" {\n  project = %q\n  job_id  = %d\n}\n", p.PathWithNamespace, built)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: env.ProviderBlock(fmt.Sprintf("  job_token = %q", jobToken)) + pipelineJobs,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(listed, tfjsonpath.New("jobs"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"job_id": knownvalue.Int64Exact(built), "name": knownvalue.StringExact("build"),
						}),
					})),
				},
			},
			{
				// A single job is not the job token's to read: refused at
				// plan, naming what to use instead, without a request.
				Config: env.ProviderBlock(fmt.Sprintf("  job_token = %q", jobToken)) + jobDataSourceConfig(p.PathWithNamespace, built),
				ExpectError: regexp.MustCompile(`(?s)A CI job token cannot read a single job.*data source gitlabjobs_job.*` +
					`job_token\s+attribute.*gitlabjobs_pipeline_job.*read_api`),
			},
			{
				// Nor its log.
				Config: env.ProviderBlock(fmt.Sprintf("  job_token = %q", jobToken)) + trace,
				ExpectError: regexp.MustCompile(`(?s)A CI job token cannot read a job's\s+log.*data source\s+gitlabjobs_job_trace.*` +
					`job_token\s+attribute.*read_api`),
			},
			{
				// A finished job's token is rejected by the early auth check.
				PreConfig: func() {
					if n := jobReads(); n != 0 {
						t.Errorf("%d requests for a single job or its log were sent with the job token, want none", n)
					}
					if err := env.Sim.SetJobStatus(running, "success"); err != nil {
						t.Fatal(err)
					}
				},
				Config:      env.ProviderBlock(fmt.Sprintf("  job_token = %q", jobToken)) + pipelineJobs,
				ExpectError: regexp.MustCompile(`(?s)GitLab did not accept the provider's credentials.*no longer running`),
			},
			{
				// Running again, the token works again (and lets the test's destroy authenticate).
				PreConfig: func() {
					if err := env.Sim.SetJobStatus(running, "running"); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.ProviderBlock(fmt.Sprintf("  job_token = %q", jobToken)) + pipelineJobs,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(listed, tfjsonpath.New("jobs"), knownvalue.ListSizeExact(1)),
				},
			},
		},
	})
}

// TestAccJobDataSource_badToken fails once, early, with what to check.
func TestAccJobDataSource_badToken(t *testing.T) {
	env := acctest.NewEnv(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{{
			Config:      env.ProviderBlock(`  token = "glpat-not-a-valid-token"`) + jobDataSourceConfig("group/project", 1),
			ExpectError: regexp.MustCompile(`(?s)GitLab did not accept the provider's credentials.*401`),
		}},
	})
}
