// Package provider implements the gitlabjobs Terraform provider: data sources
// that read GitLab CI jobs and pipelines, resources that act on them, and
// Terraform (>= 1.14) actions that do the same on demand.
//
// Each data source, resource and action has its file, named after its type
// and kind: <type>_data_source.go, <type>_resource.go, <type>_action.go
// (the artifacts actions share common_artifacts_action.go):
//   - data sources: job_data_source.go, job_trace_data_source.go,
//     job_artifacts_data_source.go, job_artifact_file_data_source.go,
//     job_token_job_data_source.go, job_token_allowed_agents_data_source.go,
//     project_jobs_data_source.go, pipeline_data_source.go,
//     pipeline_jobs_data_source.go, pipeline_job_data_source.go,
//     pipeline_bridges_data_source.go, deployment_data_source.go,
//     environment_data_source.go;
//   - resources: job_play_resource.go, job_retry_resource.go,
//     job_cancel_resource.go, job_erase_resource.go,
//     job_artifacts_keep_resource.go, job_artifacts_delete_resource.go,
//     pipeline_run_resource.go, deployment_approval_resource.go;
//   - actions: job_play_action.go, job_retry_action.go,
//     job_cancel_action.go, job_erase_action.go,
//     job_artifacts_keep_action.go, job_artifacts_delete_action.go,
//     pipeline_run_action.go, deployment_approval_action.go.
//
// What several of them share is in files named by role:
//
//   - common_operations.go: the job operations, one function per job action
//     (playJob, retryJob, cancelJob, eraseJob), the "never applied twice"
//     decisions and the status checks; resources and actions both call it.
//   - pipeline_operations.go: the pipeline operations (runPipeline, the
//     wait, the outcome, a failed creation's diagnostic), for the resource
//     and the action gitlabjobs_pipeline_run.
//   - pipeline_run_intent.go: which pipeline a gitlabjobs_pipeline_run
//     intent created: the intent's key, the per-intent lock, the record a
//     tainted state hands to its replacement, waiting out a creation of
//     unknown outcome, and creating without a marker where GitLab forbids
//     pipeline variables. The design is at the top of
//     pipeline_run_resource.go.
//   - act_again.go: the "act again" marker, how a replacement the user asked
//     for reaches the create that acts again (plan, the server's hand-over
//     of the planned private state, the delete half's stash, Create).
//   - waiter.go: the one waiter (waitUntil), parameterised by fetch, done,
//     describe and an optional limit, and its timeout error; its users: the
//     job's wait (job_wait.go, also the poller's intervals), the pipeline's
//     (pipeline_operations.go) and the wait for a deployment's approval
//     (job_play_approval.go).
//   - common_resource.go: what the job action resources share (their
//     attributes, result model and default timeouts);
//     job_action_resource.go: their shared methods (jobActionResource:
//     Configure, ModifyPlan, Read, Update, Delete, the import of a job);
//     plan_checks.go: their plan-time checks (the job's status at plan,
//     the CI job token GitLab refuses, also for gitlabjobs_pipeline_run);
//     import_checks.go: their import ID checks against GitLab;
//     import_mark.go: the private-state mark of an imported resource.
//   - resource_id.go: the "<project>:<id>" IDs, built (formatID) and read
//     back (parseImportID).
//   - common_action.go: what the Terraform actions share (jobAction, their
//     attributes, invoke with progress).
//   - common_artifacts.go: what the artifacts keep and delete resources and
//     actions share; common_artifacts_action.go: the two artifacts actions.
//   - common_schema.go: attributes shared by data sources, resources and
//     actions (project, pipeline ID, scope, jobs, variable keys).
//   - common_list.go: the values and state of the job list data sources.
//   - common_diagnostics.go: diagnostics shared by several types;
//     guard_diagnostics.go: production GitLab's guards (protected branches,
//     tags and environments named in a refusal's diagnostic, the resource
//     group a waiting job waits for).
//   - common_inputs.go: typed CI/CD inputs as HCL values (a play's job
//     inputs): the attribute's checks and its JSON for GitLab.
//   - variables_guard.go: GitLab's refusals of what a play sends besides
//     the job (variables where the project forbids pipeline variables,
//     inputs the job does not take), with the guard and the fix.
//   - common_deployments.go: finding a deployment (by ID, or a job's) and
//     describing its approvals and who must still approve; common_approval.go:
//     the approval operation (approve or reject once per intent) the
//     deployment approval resource and action share.
//   - job_play_approval.go: the play of a deploy job waiting for approval
//     (plan warning, wait_for_approval); job_log_stream.go: stream_job_log.
//   - job_model.go: the job's attributes in full and the conversion from
//     GitLab's job, for the data sources that return jobs.
//   - validators.go: attribute validators; int64_type.go: the integer type;
//     project_equivalence.go: respelled projects.
//   - job_token_reads.go: the reads a CI job token cannot make.
//   - trigger_jobs.go: what playing or retrying a trigger job (bridge)
//     needs: its pipeline_id, through which the client reads it (GitLab's
//     single-job read finds builds only), and its import ID form
//     "<project>:<pipeline_id>:<job_id>[:<new_job_id>]".
//   - provider.go: the provider and its configuration; server.go: its
//     protocol server; startup_check.go: the check of GitLab at configure
//     time.
//
// Tests. The tests of <name>.go are in files that start with its name:
//   - <name>_test.go: its tests: acceptance tests through the CLI (package
//     provider_test) for every data source and resource and for
//     guard_diagnostics, import_mark, job_play_approval and trigger_jobs;
//     unit tests (package provider) for the other shared code and for the
//     Terraform actions.
//   - <name>_internal_test.go: unit tests of unexported code beside an
//     acceptance <name>_test.go (job_token_allowed_agents_data_source has
//     only this one).
//   - <name>_acc_test.go: acceptance tests beside a unit <name>_test.go
//     (provider, pipeline_run_action, pipeline_run_intent).
//   - <name>_bench_test.go, <name>_fuzz_test.go: benchmarks and fuzz tests.
//
// Exceptions: tests of what several types share are named by what they
// test: bad_input_test.go, deployment_approval_lifecycle_acc_test.go,
// dev_overrides_acc_test.go, examples_test.go, fixtures_test.go,
// group_access_acc_test.go,
// deployment_fixture_test.go and held_request_test.go (fixtures the tests
// share: seeded deployments, a proxy that holds a request while the CLI is
// interrupted), docs_pages_internal_test.go, job_actions_acc_test.go,
// job_actions_docs_test.go, job_artifacts_log_test.go,
// job_failure_log_acc_test.go, job_outcomes_acc_test.go,
// lifecycle_acc_test.go, lifecycle_read_acc_test.go,
// lifecycle_respell_acc_test.go, log_secrets_test.go,
// pipeline_downstream_test.go, pipeline_run_inputs_acc_test.go,
// provider_settings_acc_test.go, provider_tls_test.go. These files have no
// test file of their own and are tested through the types that use them:
// common_approval.go, common_artifacts_action.go, common_deployments.go,
// common_schema.go, int64_type.go, job_action_resource.go,
// job_artifacts_delete_action.go, job_artifacts_keep_action.go,
// pipeline_data_source.go, pipeline_operations.go, plan_checks.go,
// server.go. TestDocMapsEveryFile (doc_test.go) fails when a file is
// missing from this map or a test file breaks the rule without being
// listed.
//
// Documentation: each type's MarkdownDescription is a few sentences ending
// with its upstream API link; the long stories live in templates/ (a
// type's own template, where it has one, under templates/resources and
// templates/data-sources; templates/actions is written by
// TestActionDocTemplates) and in the guides (templates/guides: the job
// action resources' shared rules are in lifecycle.md.tmpl, tokens and rights
// in authentication.md.tmpl, deployment approvals in release-gate.md.tmpl), which
// make generate renders into docs/. docs_pages_internal_test.go keeps
// descriptions and pages short and the wait wording the poller's;
// job_actions_docs_test.go checks the actions' templates and examples.
// CONTRIBUTING.md maps each GitLab endpoint to its simulator handler, client
// method and types, and a type to its files (TestEndpointMap, TestTypeFiles).
package provider
