// Package provider implements the gitlabjobs Terraform provider: data sources
// that read GitLab CI jobs and pipelines, resources that act on them, and
// Terraform (>= 1.14) actions that do the same on demand.
//
// Each data source, resource and action has its file, named after its type
// and kind (job_play_resource.go, job_play_action.go, job_data_source.go),
// with its tests in the file of the same name: _test.go in package
// provider_test for the acceptance tests through the CLI, _internal_test.go
// in package provider for tests of unexported code. Exceptions: the tests of
// the common_* files, of the actions and of a few helpers (job_model,
// job_wait, validators, project_equivalence, import_checks, job_token_reads,
// startup_check, variables_guard, pipeline_run_intent, provider) are in
// their _test.go but in package provider; tests that cross types are in files named by role
// (lifecycle_acc_test.go, lifecycle_read_acc_test.go, job_outcomes_acc_test.go,
// bad_input_test.go, examples_test.go, log_secrets_test.go,
// job_actions_acc_test.go, job_actions_docs_test.go, ...), and fixtures_test.go
// holds shared fixtures.
// What several of them share is in files named by role:
//
//   - common_operations.go: the operation core, one function per job action
//     (playJob, retryJob, cancelJob, eraseJob), the "never applied twice"
//     decisions and the status checks; resources and actions both call it.
//   - common_resource.go: what the job action resources share
//     (jobActionResource, their attributes, import IDs, plan-time checks).
//   - common_action.go: what the Terraform actions share (jobAction, their
//     attributes, invoke with progress).
//   - common_artifacts.go: what the artifacts keep and delete resources and
//     actions share.
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
//   - pipeline_run_intent.go: which pipeline a gitlabjobs_pipeline_run
//     intent created (resource and action): the intent's key, the per-intent
//     lock, the record a tainted state hands to its replacement, waiting out
//     a creation of unknown outcome, and creating without a marker where
//     GitLab forbids pipeline variables. The design is at the top of
//     pipeline_run_resource.go.
//   - common_deployments.go: finding a deployment (by ID, or a job's) and
//     describing its approvals and who must still approve; common_approval.go:
//     the approval operation (approve or reject once per intent) the
//     deployment approval resource and action share.
//   - job_play_approval.go: the play of a deploy job waiting for approval
//     (plan warning, wait_for_approval); job_log_stream.go: stream_job_log.
//   - job_model.go: the job's model and attributes; job_wait.go: the poller.
//   - plan_checks.go, import_checks.go, import_mark.go: plan-time checks
//     that need the provider's configuration, import ID checks, and the
//     private-state mark of an imported resource.
//   - validators.go, int64_type.go, project_equivalence.go: attribute
//     validators, the integer type, and respelled projects.
//   - job_token_reads.go: the reads a CI job token cannot make.
//   - trigger_jobs.go: what acting on a trigger job (bridge) needs: its
//     pipeline_id, through which the client reads it (GitLab's single-job
//     read finds builds only).
//   - provider.go, server.go, startup_check.go: the provider, its protocol
//     server, and the check of GitLab at configure time.
//
// Documentation: each type's MarkdownDescription is a few sentences ending
// with its upstream API link; the long stories live in templates/ (one
// template per type under templates/resources and templates/data-sources;
// templates/actions is written by TestActionDocTemplates) and in the guides
// (templates/guides: the job action resources' shared rules are in
// lifecycle.md.tmpl, tokens and rights in authentication.md.tmpl), which
// make generate renders into docs/. docs_pages_internal_test.go keeps
// descriptions and pages short and the wait wording the poller's;
// job_actions_docs_test.go checks the actions' templates and examples.
package provider
