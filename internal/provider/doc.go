// Package provider implements the gitlabjobs Terraform provider: data sources
// that read GitLab CI jobs and pipelines, resources that act on them, and
// Terraform (>= 1.14) actions that do the same on demand.
//
// Each data source, resource and action has its file, named after its type
// and kind (job_play_resource.go, job_play_action.go, job_data_source.go),
// with its tests in the file of the same name (_test.go for the acceptance
// tests through the CLI, _internal_test.go for tests of unexported code).
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
//   - provider.go, server.go, startup_check.go: the provider, its protocol
//     server, and the check of GitLab at configure time.
package provider
