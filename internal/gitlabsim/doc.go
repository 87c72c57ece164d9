// Package gitlabsim is an in-memory GitLab REST v4 API for what the
// provider and its users drive: jobs and their actions, pipelines, triggers,
// artifacts, the CI configuration with its inputs, projects' pipeline
// variables settings, the guards (protected branches, tags and
// environments, resource groups), environments, deployments and their
// approvals, and the groups and memberships that give users their access.
// It answers with GitLab's JSON shapes, status codes, error
// bodies and authentication, over one store guarded by one lock.
// Acceptance tests and the demo run against it the way AWS users run
// against LocalStack.
//
// Jobs change status only through GitLab's state machine (statemachine.go):
// the action endpoints (job_actions.go: play, retry, cancel, erase), their
// out-of-band Go twins (outofband.go), pipeline processing
// (pipeline_processing.go) and a deterministic simulated runner (runner.go)
// that picks pending jobs up and finishes them on the clock of Options.Now
// (a Clock in tests).
//
// Fault injection (faults.go) makes it behave like a GitLab in trouble, per
// route and call number: 5xx answers before or after a request was applied,
// connections reset before or after, Rack::Attack's 429s, latency, and a
// rate limit on the simulator's clock (ratelimit.go). faultspec.go reads the
// standalone simulator's -fault syntax.
//
// # Files
//
// For any endpoint, its handler is in the file named by its resource; the
// route table (sim.go's routes) names the file of each group of routes.
//
// The server and what every handler shares:
//
//   - doc.go: this map and the behaviour covered, with its GitLab sources.
//   - sim.go: Options, New, the route table, ServeHTTP (path cleaning, body cap), Start.
//   - requests.go: a handler's start: authenticate, read params, find the project, check the role.
//   - auth.go: authentication (AuthFinders: tokens, job tokens, OAuth, Sudo, scopes).
//   - permissions.go: a user's access level and the project and build abilities.
//   - params.go: request parameters (query, form, JSON, multipart) and Grape's coercions and errors.
//   - rackparams/: Rack 2.2's nested parameter parsing, a package without HTTP handlers or store.
//   - listparams.go: the list routes' query (scope, include_retried, page, per_page).
//   - pagination.go: offset and keyset pagination, their headers and links.
//   - malformed.go: HandleMalformedStrings' plain 400 before any route.
//   - errors.go: GitLab's error bodies (401, 403, 404, Grape's 400, validation errors).
//   - encode.go: the job entities' hand-written JSON encoder (the list hot path).
//   - entities.go: shared entity pieces (users, times, project names).
//   - ratelimit.go: Rack::Attack's rate limits on the simulator's clock.
//   - faults.go: fault injection per route and call.
//   - faultspec.go: the standalone simulator's -fault syntax.
//
// The store:
//
//   - model.go: the store's records (users, tokens, projects, pipelines, jobs).
//   - groups.go: groups (the nested namespaces of projects), GET /groups/:id, CreateGroup.
//   - members.go: group members, project shares, the access they give (project.access),
//     the members routes, POST /projects/:id/share, AddGroupMember, ShareProjectWithGroup.
//   - status.go: job statuses (Ci::HasStatus) and the composite pipeline status.
//   - index.go: per-project and per-pipeline job indexes, list counts, the seed's pipeline status.
//   - setup.go: the Go API that builds pipelines and jobs from specs; Job snapshots; SetJobStatus.
//   - fixture.go: loading the JSON seed (LoadFixture, DemoFixture: users, groups, projects), the tokens it prints.
//   - fixture_guards.go: the seed's guards (protected refs and environments, resource groups).
//   - fixture_approvals.go: the seed's deployment approval settings.
//
// Resources, each with its routes and its Go API:
//
//   - users.go: users and their tokens (CreateUser, CreatePersonalAccessToken...), GET /user.
//   - projects.go: projects (CreateProject), GET and PUT /projects/:id, the pipeline-variables guard.
//   - jobs.go: GET a job, its trace, and GET /job (the job token's job).
//   - jobs_list.go: GET project jobs, pipeline jobs, bridges and trigger_jobs.
//   - job_actions.go: POST play, retry, cancel, erase, and their core operations.
//   - outofband.go: the Go twins of the actions (PlayJob, RetryJob...), deletions, counters.
//   - statemachine.go: the job state machine (CommitStatus, Ci::Build) and playable/retryable/erasable.
//   - runner.go: the simulated runner, the Clock, downstream pipelines of bridges.
//   - agents.go: agents for Kubernetes, GET /job/allowed_agents.
//   - artifacts.go: artifact downloads (by job and by ref), keep, delete.
//   - artifacts_zip.go: artifact archives built from the seed's files, expire_in.
//   - ciconfig.go: the CI configuration (SetCIConfig, CIConfig, CIJob), compiled for pipeline creation.
//   - ciinputs.go: spec:inputs and job inputs: validation, interpolation.
//   - pipelines.go: the pipeline routes; GET a pipeline, its variables, the pipeline list; the entity.
//   - pipeline_create.go: POST /projects/:id/pipeline (Ci::CreatePipelineService's chain).
//   - pipeline_processing.go: Ci::ProcessPipelineService: stages, needs, when, composite statuses.
//   - triggers.go: pipeline trigger tokens and POST /projects/:id/trigger/pipeline.
//   - guards.go: what the guards share; canWriteJob and the guard that refuses a job action.
//   - protected_refs.go: protected branches and tags: routes, ProtectRef, the ref guard.
//   - environments.go: the environment: keyword, environments and their routes.
//   - protected_environments.go: protected environments: routes (with PUT), the deploy guard.
//   - resource_groups.go: resource groups: routes, process modes, the resource holder.
//   - deployments.go: deployments created with pipelines and their status.
//   - deployments_api.go: GET deployments and a deployment.
//   - deployment_approvals.go: approval rules, POST .../approval, ApproveDeployment.
//
// Beside the package:
//
//   - rackparams/: see above.
//   - schemacheck/: GitLab's JSON schemas and the checker the tests run every answer through.
//   - seed/demo.json: the demo seed (DemoFixture); testdata/fuzz: the fuzz corpus.
//   - cmd/gitlabsim: the standalone simulator (flags, -seed, -fault).
//
// The CI configuration and pipeline processing stay in this package: the
// compiled configuration is validated with the guards' keywords
// (environments, resource groups) and read by processing, the runner and
// the guards on the store's jobs, so a package boundary would export their
// internals without separating anything. Only Rack's parsing is pure.
//
// # Tests
//
// A file X.go is tested in X_test.go (package gitlabsim_test, over HTTP or
// the exported API) and, where a test needs the store's internals, in
// X_internal_test.go (package gitlabsim). The exceptions:
//
//   - conformance_*_test.go are named after the GitLab request spec they
//     follow (jobs_spec.rb, pipelines_spec.rb, the authentication finders,
//     the variables settings, inputs), with tests named after its describe
//     and context blocks (TestSpec...).
//   - encode_ref_test.go is the reference renderer encode_test.go compares
//     the encoder with; fuzz_test.go fuzzes the whole server.
//   - Files without their own test file are tested through the routes that
//     use them: requests.go, permissions.go, params.go, listparams.go,
//     pagination.go, errors.go, entities.go, model.go, status.go, setup.go,
//     artifacts_zip.go (artifacts_test.go), ciinputs.go
//     (conformance_inputs_test.go), deployments_api.go (deployments_test.go),
//     and doc.go.
//   - pipeline_processing_test.go holds pipeEnv, the helper of the pipeline
//     tests; sim_test.go holds env, the helper of the others.
//
// # The reference: GitLab's request specs
//
// What GitLab answers is read from its source (the public mirror
// gitlabhq/gitlabhq): lib/api/ci/jobs.rb (the version with the retry_job
// ability and force-cancel), lib/api/ci/pipelines.rb (the version that adds
// trigger_jobs, GitLab 19.2), lib/api/pagination_params.rb,
// lib/api/helpers/pagination_strategies.rb,
// lib/gitlab/pagination/cursor_based_keyset.rb and lib/api/entities/ci/*.rb,
// and tested by conformance tests named after the describe and context
// blocks of spec/requests/api/ci/jobs_spec.rb and of the pipeline jobs and
// bridges parts of spec/requests/api/ci/pipelines_spec.rb
// (conformance_jobs_test.go, conformance_pipelines_test.go:
// TestSpecJobs_..., TestSpecPipelines_...). Behaviour the specs leave out
// but the routes' settings and helpers decide has tests named after the
// code (TestSpecRoute_..., TestSpecSeed_...).
//
// Covered contexts of jobs_spec.rb:
//
//   - GET /job: when token is valid but not CI_JOB_TOKEN; with job token
//     authentication header; with job token authentication params; with non
//     running job; with basic auth header; without authentication.
//   - GET /job/allowed_agents: when token is valid and user is authorized
//     (job, pipeline, project groups, user id, username, roles_in_project,
//     no environment, each agent's id, config_project and configuration,
//     implicit authorization of the agent's own project); when passing the
//     token as params; when token is invalid because job has finished; when
//     token is invalid; when token is valid but not CI_JOB_TOKEN.
//   - GET /projects/:id/jobs: authorized user (limited pagination headers,
//     values, tag_list sorted, pipeline data, without artifacts and trace, a
//     job with artifacts); filter project with one scope element; with array
//     of scope elements; respond 400 when scope contains invalid state; an
//     endpoint with keyset pagination; unauthorized user when not logged in
//     and when guest; GET /projects/:id/jobs offset pagination; GET
//     /projects/:id/jobs keyset pagination (cursor to the next page, scope
//     filters).
//   - GET /projects/:id/jobs/:job_id: authorized user (common job and
//     pipeline data, finished_at, duration); unauthorized user; when job
//     succeeded; when job failed; when job is erased.
//   - GET /projects/:id/jobs/:job_id/trace: authorized user; when no log;
//     unauthorized user.
//   - POST cancel: user with and without :cancel_build permission;
//     unauthorized user.
//   - POST retry: when the job is a build; when the job is a bridge; when a
//     build is not retryable; user without :update_build permission;
//     unauthorized user.
//   - POST erase: job is erasable; job is not erasable; when a developer
//     erases a build created by them and by another user.
//   - POST play: that is a bridge; that is a build; valid custom variables;
//     a variable without a key; without a value; both valid and invalid
//     variables; when user does not have access to the project; when user is
//     not allowed to trigger the manual action; on a non-playable job.
//
// Covered contexts of pipelines_spec.rb:
//
//   - GET /projects/:id/pipelines/:pipeline_id/jobs: authorized user
//     (pagination headers with totals, values, pipeline data); filter jobs
//     with one scope element (duration null, queued_duration >= 0); when
//     filtering to only running jobs; filter jobs with hash (400); with array
//     of scope elements; respond 400 when scope contains invalid state; jobs
//     in different pipelines; pipeline has retried jobs (by default,
//     include_retried false and true); no pipeline is found; unauthorized
//     user when not logged in (404 Project Not Found) and when guest.
//   - GET /projects/:id/pipelines/:pipeline_id/bridges: authorized user
//     (values, pipeline data, downstream pipeline data); filter bridges with
//     one scope element and an array; respond 400 when scope contains an
//     invalid state in an array, a hash, a string; bridges in different
//     pipelines; no pipeline is found; unauthorized user when not logged in,
//     when guest, when user has no read_build access for project.
//   - GET /projects/:id/pipelines/:pipeline_id/trigger_jobs (GitLab 19.2,
//     which deprecates /bridges): the same list, entity, filters,
//     pagination and errors as /bridges (TestSpecRoute_..._SameAsBridges),
//     and it reads CI job tokens (read_pipelines). GitLab's pipelines.rb of
//     19.2 is not in the public mirror (its newest stored version serves
//     /bridges only), so the route is /bridges with the job token setting of
//     the provider's documentation. Options.WithoutTriggerJobs is a GitLab
//     before 19.2: the route is the catch-all's 404 {"error":"404 Not
//     Found"}, which a client tells from a missing project or pipeline
//     ({"message": ...}).
//
// From the routes and helpers (TestSpecRoute_...): which routes read CI job
// tokens (job_token_allowed: the job token lists its project's jobs,
// pipeline jobs and trigger_jobs and uses GET /job and /job/allowed_agents,
// but gets 401 for a single job, its trace and the actions; /bridges has
// no job_token_allowed, so the token is not read there at all: the GET is
// anonymous and a private project is 404 Project Not Found);
// authenticate_non_get! on the pipeline routes (an anonymous GET sees
// public projects only: a private project is 404 Project Not Found);
// pagination_params.rb (page and per_page are Grape Integers: "page is
// invalid"; per_page 0 "has a value not allowed"; a page below 1 and a
// negative per_page are Kaminari's first page and default size: these
// routes do not call verify_pagination_params!, so no 400 for them);
// offset pagination of project jobs beyond offset_pagination_limit (page *
// per_page > 50,000) is a 405 naming keyset pagination; keyset pagination
// in another order than id desc is a 405 (both Grape's error! with a
// string: {"error": ...}, not {"message": ...}); scope given as a hash: its values
// on project jobs, a 400 on the pipeline routes (PipelinesHelpers);
// include_retried on /bridges and /trigger_jobs, which do not declare it
// but hand it uncoerced to Ci::JobsFinder: any value lists the retried
// trigger jobs, "false" too;
// parameters are validated after authentication and before the project;
// play variable keys Grape accepts but Ci::HasVariable rejects (empty, not
// [a-zA-Z0-9_]+, over 255 characters) leave the job unplayed behind a 200
// (PlayBuildService rescues the failed enqueue by retrying a job that is
// not retryable), a key given twice is a 500 (the unique index on key and
// job); a path with "//" or a dot segment is GitLab's catch-all 404, not
// Go's redirect; a body beyond 250 MiB is NGINX's 413
// (nginx['client_max_body_size'] of the Linux package; GitLab's own JSON
// validation middleware caps depth and element counts, not bytes).
//
// Authentication and the finders (conformance_auth_test.go, after
// lib/gitlab/auth/auth_finders.rb and lib/api/helpers.rb): on
// job_token_allowed routes only, a job token is read as "Authorization:
// Bearer" before any access token, and from job_token=, token= or JOB-TOKEN
// (in that order) after one (a personal token beside it wins); a glcbt-
// value where a personal token is read is no personal token
// (find_personal_access_token skips it); a job
// token acts as its job's user (the job of a Guest of a private project
// may not list its jobs: 403); on a private project other than its own (no
// allowlist of other projects is simulated, so it is outside it) a job
// token gets handle_job_token_failure!'s 403 "Authentication by CI/CD job
// token not allowed from <source path> to <target path>.", on a public or
// internal one it reads what anyone reads; GET /projects/:id/jobs/:job_id
// and its /trace find builds only (find_build!: a bridge is 404 "404 Not
// found"); the Sudo header or sudo= (sudo!): an administrator's personal
// or OAuth token with the sudo scope acts as the user named by ID or
// username (then the endpoint's own scopes are not checked), an
// administrator's token without it is insufficient_scope naming "sudo",
// anyone else "403 Forbidden - Must be admin to use sudo", an admin's job
// token "Must be authenticated using an OAuth or personal access token to
// use sudo", an unknown user "404 User with ID or username '<id>' Not
// Found", and no credentials 401 (also on routes that serve anonymous
// GETs). The sudo parameter is read from the query, and on the action
// routes from the body too, before the header, as Grape's params hold it.
//
// Playing a manual bridge (POST .../play, Ci::PlayBridgeService): 200
// with the bridge as Entities::Ci::Bridge, run as the player, pending;
// job_variables_attributes are ignored, as Ci::Bridge#play ignores them.
// The runner processes it after its pickup delay
// (Ci::CreateDownstreamPipelineService): a bridge with a JobSpec.Trigger
// creates its downstream pipeline — a child pipeline of its project
// (source parent_pipeline, the parent's ref and sha) or a pipeline of
// another project (source pipeline, the bridge's ref), run by the bridge's
// user — and, without strategy:depend, succeeds with it as
// downstream_pipeline; a missing downstream project fails it
// (downstream_bridge_project_not_found), a trigger without jobs too
// (downstream_pipeline_creation_failed); a retried bridge triggers anew. A
// bridge without a Trigger succeeds without a downstream pipeline (the CI
// configuration has no trigger:) (TestPlayBridgeTriggersItsDownstreamPipeline).
// With TriggerSpec.Depend (strategy:depend) the bridge runs until its
// downstream pipeline completes and then takes its status: success,
// canceled, or failed for a failed or skipped pipeline
// (Ci::PipelineBridgeStatusService, Ci::Bridge#inherit_status_from_downstream!;
// TestDependentBridgeFollowsItsDownstreamPipeline).
//
// Parameters (params.go, rackparams, malformed.go) are read as Rack 2.2's
// parse_nested_query reads them (pairs split at "&" and ";", a key without
// "=" is nil, "scope[" and "scope]" keys as Rack nests them), and what Rack
// raises (a key used as a scalar and a list, an invalid %-escape, nesting
// deeper than 100) as well as a null byte or invalid UTF-8 in the path, the
// credentials or a parameter is GitLab's HandleMalformedStrings middleware:
// a plain-text 400 "Bad Request" before any route or authentication
// (TestHandleMalformedStrings, TestRackParseAsRack after Rack's own spec).
//
// The retry and erase routes of current jobs.rb look the job up before
// authorizing (find_job!/find_build! before authorize!), so a user without
// update rights gets 404 for a missing job and 403 for an existing one;
// cancel authorizes first (authorize_cancel_builds!), a 403 either way.
// Older GitLab (before the retry_job ability) ran authorize_update_builds!
// first on retry and erase too.
//
// Not covered, and why:
//
//   - 'avoids N+1 queries', 'authentication via primary' and the
//     jobs_api_use_primary_to_authenticate flag: database behaviour, not
//     observable over HTTP.
//   - GET /projects/:id/jobs rate limited (the jobs_index application rate
//     limit): not simulated; Rack::Attack's limits are (ratelimit.go).
//   - GET /job/allowed_agents when user is anonymous (a job without a
//     user), when deployment and when non-deployment environment action
//     (environment tier and slug, environment-scoped agent authorizations):
//     simulated jobs always have a user, and allowed_agents does not
//     present a job's environment (guards.go models environments for the
//     guards only).
//   - Trace: log in object storage, log as artifact, incremental logging,
//     trace artifact record without a stored file, and the additional access
//     criteria of debug traces (CI_DEBUG_TRACE, CI_DEBUG_SERVICES,
//     public_builds): storage is not simulated, nor debug traces or the
//     public_builds setting (a public project's builds are public).
//   - POST oauth token with the ai_workflows scope: the ai_workflows scope
//     is not simulated.
//   - Retry when executed on SaaS (credit card validation), erase when the
//     project is undergoing stats refresh (409): GitLab.com plans and
//     project statistics are not simulated.
//   - Job token allowlists of other projects and fine-grained job token
//     permissions: a job token reaches its own project, and public and
//     internal projects as anyone does; any other project is outside its
//     allowlist (403).
//   - Gitlab::Middleware::JsonValidation's limits (depth 32, 50,000 array or hash
//     elements, 100,000 elements in all): not simulated.
//
// # The pipeline-variables restriction (projects.go)
//
// ProjectCiCdSetting's restrict_user_defined_variables and
// pipeline_variables_minimum_override_role guard pipeline variables as
// set_pipeline_variables does (app/models/project_ci_cd_setting.rb
// override_pipeline_variables_allowed?, app/policies/project_policy.rb):
// allowed when restrict_user_defined_variables is false; else never for
// no_one_allowed, and for developer/maintainer/owner when the user's
// membership role is at least that (an administrator who is not a member
// has none). Preset per project with ProjectSpec or the seed's
// "restrict_user_defined_variables" and
// "ci_pipeline_variables_minimum_override_role" (default false and
// "developer"; GitLab.com's default for new projects is true and
// "no_one_allowed"), or SetPipelineVariablesSettings. The HTTP contract:
//
//   - PUT /projects/:id (lib/api/projects.rb, projects_helpers.rb,
//     Projects::UpdateService), api scope, JSON or form:
//     restrict_user_defined_variables (Boolean) and
//     ci_pipeline_variables_minimum_override_role (no_one_allowed,
//     developer, maintainer, owner); the route's other parameters are
//     accepted and ignored. 400 {"error":"<param> is invalid"} or
//     {"error":"ci_pipeline_variables_minimum_override_role does not have a
//     valid value"}; no parameter of the route: 400 {"error":"allow_merge_on_skipped_pipeline,
//     ... are missing, at least one parameter must be provided"}; project not
//     visible: 404 {"message":"404 Project Not Found"}; below Maintainer: 403
//     {"message":"403 Forbidden"}; setting owner without the Owner role: 400
//     {"message":"Changing the ci_pipeline_variables_minimum_override_role to
//     the owner role is not allowed"}; changing either setting while the role
//     is owner or no_one_allowed without the Owner role: 400
//     {"message":"Changing the restrict_user_defined_variables or
//     ci_pipeline_variables_minimum_override_role is not allowed"} (sending
//     the current values is no change). 200 with the project.
//   - GET /projects/:id: 200 with the part of Entities::Project the
//     simulator knows (id, name, path, path_with_namespace, namespace,
//     visibility, archived, web_url, default_branch, ...); the CI/CD settings
//     (restrict_user_defined_variables,
//     ci_pipeline_variables_minimum_override_role,
//     ci_job_token_scope_enabled, ...) only for Maintainers, Owners and
//     admins (the entity's admin_project condition). Anonymous: public
//     projects; else 404 {"message":"404 Project Not Found"}.
//   - POST /projects/:id/pipeline with variables, without
//     set_pipeline_variables: 400 {"message":{"base":["Insufficient
//     permissions to set pipeline variables"]}}, nothing created
//     (Gitlab::Ci::Pipeline::Chain::Build::Associations, after
//     Validate::Repository's "Reference not found", before
//     Config::Content's "Missing CI config file"); an empty list is no
//     variables. A key given twice: 400 {"message":{"base":["Duplicate
//     variable name: A"]}} ("names: A, B" for several).
//   - POST /projects/:id/trigger/pipeline: the same 400 when variables are
//     given and the trigger's owner (trigger token) or the job's user (CI
//     job token) may not set them; the TRIGGER_PAYLOAD variable the API adds
//     does not count (gitlab-org/gitlab#557381), so a trigger without
//     variables runs under any setting.
//   - POST /projects/:id/jobs/:job_id/play with job_variables_attributes
//     (a build), without set_pipeline_variables: 403 {"message":"403
//     Forbidden"}, after "400 Bad request - Unplayable Job"
//     (Ci::PlayBuildService#check_access!, AccessDeniedError). The job is
//     not played.
//
// Inputs are not variables: the restriction applies neither to pipeline
// inputs nor to job inputs (apply_permissions and check_access! look at
// variables only).
//
// Tests: conformance_variables_test.go (TestSpecProjects_...,
// TestSpecPipelines_POST_pipeline_When..., TestSpecTriggers_...,
// TestSpecJobs_POST_play_When...).
//
// # Typed inputs (ciinputs.go)
//
// A CI configuration's "spec": {"inputs": {NAME: {"type", "default",
// "options", "regex", "description"}}} is its spec:inputs header; a job's
// "inputs" is its inputs: keyword (job inputs, each with a default);
// "variables" a job's variables and "workflow_name" workflow:name.
//
//   - POST /projects/:id/pipeline and POST /projects/:id/trigger/pipeline
//     take "inputs": a hash (JSON {"inputs":{"tag":"v1","n":3}} or form
//     inputs[tag]=v1; not a hash: 400 {"error":"inputs is invalid"}). JSON
//     values keep their types; a string given for a number, boolean or array
//     input is read as JSON ("3", "true", "[\"a\"]"). Validation errors are
//     the pipeline error, 400 {"message":{"base":["<first three errors
//     joined by \", \">"]}}, nothing created. The errors, from
//     lib/gitlab/ci/config/interpolation/inputs*.rb: "unknown input
//     arguments: a, b"; "`NAME` input: required value has not been
//     provided"; "`NAME` input: provided value is not a string" (a number,
//     a boolean, an array); "`NAME` input: `VALUE` cannot be used because it
//     is not in the list of allowed options" (numbers: "the list of the
//     allowed options"); "`NAME` input: provided value does not match
//     required RegEx pattern"; for bad specifications "default value is not
//     a ...", "Options can only be used with string and number inputs",
//     "RegEx validation can only be used with string inputs", "unknown
//     input specification for `NAME` (valid types: array, boolean, number,
//     string)"; inputs given to a configuration without spec:inputs: "Given
//     inputs not defined in the `spec` section of the included configuration
//     file"; "$[[ inputs.X ]]" with no input X: "unknown interpolation key:
//     `X`". These come after "Reference not found", the variables guard and
//     "Missing CI config file".
//   - $[[ inputs.NAME ]] is interpolated into job names, needs, variables,
//     log_on_run (the job's log when it runs), job input defaults (a whole
//     block keeps its type) and workflow:name, which becomes the pipeline's
//     "name" (GET /pipelines/:id, the create answer).
//   - No REST endpoint of GitLab returns a pipeline's inputs, and neither
//     does the simulator (TRIGGER_PAYLOAD, a file variable of trigger
//     pipelines, holds the request's parameters but the token, inputs
//     included, as GitLab's does).
//   - POST /projects/:id/jobs/:job_id/play takes "job_inputs", a hash (not
//     a hash: 400 {"error":"job_inputs is invalid"}), validated against the
//     job's inputs: keyword with the messages above, names not declared
//     (every name, for a job without inputs) "unknown input arguments:
//     NAME": 400 {"message":"400 Bad request - <errors>"}, after the
//     variables guard; the job is not played. Values not given keep the
//     job's current ones (defaults, or an earlier play's); they are
//     interpolated as ${{ job.inputs.NAME }} into the job's variables and
//     log, and a retry keeps them. Playing a finished job retries it with
//     the new values. GitLab's job inputs code (issue gitlab-org/gitlab#582076,
//     docs ci/jobs/job_inputs) is not in the public mirrors the simulator
//     follows: this status and the reuse of the pipeline inputs' messages
//     are the simulator's reading of it, not checked against the source.
//   - Job snapshots (Sim.Job) show CIVariables and Inputs; GitLab's job
//     entity shows neither, and neither does the simulator's.
//
// Tests: conformance_inputs_test.go (TestSpecPipelines_POST_pipeline_WithInputs...,
// TestSpecTriggers_POST_trigger_pipeline_WithInputs,
// TestSpecJobs_POST_play_WithJobInputs..., TestSpecSeed_DemoInputs).
//
// # Pipelines created through the API (pipeline_create.go, pipeline_processing.go)
//
// A project may carry a CI configuration (CIConfig: the seed's "ci", or
// SetCIConfig) with its refs. POST /projects/:id/pipeline, POST
// /projects/:id/trigger/pipeline (trigger tokens, CreateTriggerToken, and CI
// job tokens for multi-project pipelines), GET /projects/:id/pipelines,
// GET /projects/:id/pipelines/:pipeline_id and its /variables follow
// lib/api/ci/pipelines.rb, lib/api/ci/triggers.rb, Ci::CreatePipelineService
// and Ci::PipelineTriggerService; answers are validated against GitLab's
// pipeline/detail.json and pipelines.json. From pipelines_spec.rb: POST
// /pipeline (creates and returns a new pipeline, variables given, invalid
// ref "Reference not found", without gitlab-ci.yml "Missing CI config
// file", unauthorized user 404), GET /pipelines/:id (404 "404 Not found",
// non-member "404 Project Not Found"), GET /pipelines/:id/variables (a
// maintainer reads them; a developer only those of their own pipelines,
// else 403; a non-member 404). The trigger API checks its variables before
// the project, answers 404 for an unknown project, a trigger of another
// project or an unknown token, 401 for the token of a job that is not
// running, 400 "Insufficient permissions to create a new pipeline" when the
// trigger's owner or the job's user may not create pipelines, and adds
// TRIGGER_PAYLOAD. Processing rules modelled, each
// with a test (pipeline_processing_test.go, pipeline_create_test.go, pipeline_processing_internal_test.go):
// stages in order with the implicit .pre and .post; when on_success,
// manual, always, on_failure (ProcessBuildService's valid previous
// statuses, skip otherwise); allow_failure (success with warnings; a manual
// job blocks only with allow_failure: false, the pipeline is then
// "manual"); needs as a DAG; only/except by branch, tag, name or /regexp/;
// a played or retried job putting the skipped jobs after it back to
// created (Ci::ResetSkippedJobsService); the composite status of
// Gitlab::Ci::Status::Composite for stages,
// prerequisites and the pipeline; started_at, finished_at, duration (running
// periods merged) and queued_duration; detailed_status.
//
// Pipeline rules not modelled:
//
//   - rules: (if/changes/exists/variables), workflow:rules, include:,
//     extends, include:inputs and interpolation functions, trigger: child pipelines,
//     parallel/matrix, outdated deployment jobs, interruptible and
//     auto-cancel of redundant pipelines, needs:optional and needs across
//     pipelines. (environment:, resource_group: and deployments are
//     modelled: see "Production GitLab's guards" and "Deployments" below.)
//   - when: delayed jobs are scheduled but never started (start_in is
//     not simulated).
//   - POST /pipelines/:id/retry, /cancel, DELETE and GET /pipelines/latest
//     are not served (a job's retry or play resets the skipped jobs after
//     it, as Ci::ResetSkippedJobsService does).
//   - The seed's pipelines (those not created through the API) keep the
//     simplified status of index.go; only created pipelines are processed.
//   - The pipeline creation rate limit, skip_ci, and the job token
//     allowlist of the target project of a multi-project trigger.
//   - Validation messages for bad pipeline variables are approximate
//     ({"message":{"variables":["is invalid"]}}).
//
// # Groups and memberships (groups.go, members.go)
//
// Teams get their access through groups, as on production GitLab. Every
// project lives in a group (its path's namespace: "a/b/p" is in "a/b", a
// subgroup of "a"); groups are created with the projects that need them or
// with CreateGroup (a name, a visibility) and the seed's "groups". A
// user's access to a project (permissions.go's accessLevel, and every
// check that used the project role: reading, play, retry, cancel, erase,
// pipelines, trigger tokens, protected refs' roles, protected
// environments' roles, pipeline variables, deployments and approvals) is
// the highest of their project membership, their membership of the
// project's group or any ancestor group, and, for each group the project is
// shared with, the lower of their access to that group (direct or
// inherited) and the share's group_access. Sources (gitlabhq/gitlabhq; EE:
// diffblue/gitlab): app/models/group.rb and app/models/namespace.rb
// (parent, self_and_ancestors, full_path, full_name; Group#member? and
// max_member_access_for_user count the ancestors' members),
// app/models/members/group_member.rb (group.users: the direct members),
// lib/gitlab/project_authorizations.rb (the authorizations above),
// app/policies/group_policy.rb (read_group), lib/api/groups.rb (GET
// /groups/:id, Entities::GroupDetail), lib/api/members.rb with
// API::Helpers::MembersHelpers and lib/api/entities/member.rb (GET
// /groups/:id/members, /groups/:id/members/all, /projects/:id/members/all,
// POST /groups/:id/members; see members.go for the answers), and POST
// /projects/:id/share (lib/api/projects.rb, Projects::GroupLinks::CreateService,
// app/models/project_group_link.rb: a project is not shared with its own
// group or an ancestor, nor twice; Entities::ProjectGroupLink). Tests after spec/requests/api/members_spec.rb and
// groups_spec.rb (members_test.go, groups_test.go), every answer checked
// against extra/group.json, extra/member.json and
// extra/project_group_link.json (schemacheck).
//
// In the guards (below): a protected branch or tag's group access level
// lets the group's direct members through
// (EE::ProtectedRefAccess#check_access: group.users.exists?), and GitLab
// takes it only for a group the project is shared with
// (validate_group_membership: 422 {"message":["Push access levels group
// does not have access to the project"]}, likewise "Merge access levels",
// "Unprotect access levels", "Create access levels"); a protected
// environment's deploy access level or approval rule of a group lets its
// direct members through, or with group_inheritance_type 1 its inherited
// members too (ProtectedEnvironments::Authorizable#check_access:
// group.users.exists? or group.member?), and the Protected environments
// API drops, silently, a group the project is not shared with
// (ProtectedEnvironments::BaseService#sanitized_params, qualified_group_ids:
// project.invited_groups), so that a POST left without deployers is 422
// "Must have at least one deployer.". The project's own group and its
// ancestors are not shared with it: their members pass role rules, not
// group rules.
//
// Not modelled: groups' own routes beyond GET /groups/:id (creation and
// sharing through the API: CreateGroup and the seed's "groups" do it out
// of band), DELETE /projects/:id/share/:group_id, share expiry, group
// shares with groups (group_group_links), minimal access, access requests,
// invitations, expiring memberships, PUT/DELETE of members, several
// user_id in one POST, hiding the members of private invited groups, a
// protected ref's user rule's validation ("is not a member of the
// project") and the Protected environments API's user filter (users
// below Developer dropped).
//
// # Production GitLab's guards (guards.go, protected_refs.go, environments.go, resource_groups.go)
//
// Protected branches and tags, protected environments and resource
// groups, set up through GitLab's own APIs (or the seed's
// protected_branches, protected_tags, protected_environments and
// resource_groups, fixture_guards.go) and enforced as GitLab does. Sources
// (gitlabhq/gitlabhq; EE: diffblue/gitlab):
//
//   - lib/api/protected_branches.rb, lib/api/protected_tags.rb,
//     ProtectedRefs::AccessLevelParams, lib/api/entities/protected_branch.rb,
//     protected_tag.rb, protected_ref_access.rb; RefMatcher's wildcards;
//     ProtectedRefAccess#check_access (membership with push_code and the
//     role, "No one", administrators at 60, users, groups: see "Groups and
//     memberships");
//     Gitlab::UserAccess#can_update_branch? (push or merge) and
//     #can_create_tag?.
//   - app/policies/ci/build_policy.rb (protected_ref) with
//     Ci::JobAbilities: play, retry, cancel and erase of a job of a ref the
//     user may not update answer 403 {"message":"403 Forbidden"} (and a
//     developer erases their own job only on an unprotected ref); and
//     lib/gitlab/ci/pipeline/chain/validate/abilities.rb: POST /pipeline and
//     the trigger API answer 400 {"message":{"base":["You do not have
//     sufficient permission to run a pipeline on '<ref>'. Please select a
//     different branch or contact your administrator for assistance."]}}
//     for an existing protected ref (before "Reference not found").
//   - environment: (lib/gitlab/ci/config/entry/environment.rb;
//     Chain::EnsureEnvironments, Environment#guess_tier,
//     Gitlab::Slug::Environment), lib/api/environments.rb (the reads: list
//     with name, search, states; one environment), and
//     ee/lib/api/protected_environments.rb with
//     ProtectedEnvironments::Authorizable#check_access,
//     EE::Environment#protected_from?/#protected_by? and
//     ee/app/policies/ee/ci/deployable_policy.rb (a non-deployer's actions
//     on the job are 403; a Reporter who may deploy passes, the jailbreak).
//   - resource_group: with app/models/ci/processable.rb's transitions
//     (enqueue to waiting_for_resource, enqueue_waiting_for_resource,
//     release on completion; statemachine.go's table),
//     Ci::ResourceGroups::AssignResourceFromResourceGroupService,
//     app/models/ci/resource_group.rb (process modes unordered,
//     oldest_first, newest_first, newest_ready_first) and
//     lib/api/ci/resource_groups.rb (list, get, PUT process_mode,
//     current_job, upcoming_jobs).
//
// Tests after the request specs (protected_refs_test.go,
// environments_test.go, resource_groups_test.go, fixture_guards_test.go):
// protected_branches_spec.rb (GET list and one, wildcard names, POST with
// access levels and allowed_to_push, conflict, DELETE, a developer's 403),
// protected_tags_spec.rb (POST, the 422 of a name taken, GET, DELETE),
// ee/spec/requests/api/protected_environments_spec.rb (POST with roles and
// users, conflict, missing and invalid deploy_access_levels, GET sorted by
// name, DELETE), environments_spec.rb (list, filters, the search length,
// one environment, a guest's 403), spec/requests/api/ci/resource_groups_spec.rb
// (list, get, PUT, a reporter's 403, unknown keys), and the actions of
// jobs_spec.rb on jobs of protected refs and environments.
//
// Not modelled: group-level protected branches and environments (by tier),
// deploy keys, code owners, force push,
// unprotect_access_level enforcement, stopping environments, and the
// Environments API's writes. Deployments and approvals: see below.
//
// # Deployments and their approvals (deployments.go, deployments_api.go, deployment_approvals.go, protected_environments.go)
//
// Sources (gitlabhq/gitlabhq; EE: diffblue/gitlab, its current files):
// lib/gitlab/ci/pipeline/chain/create_deployments.rb and
// app/services/deployments/create_for_job_service.rb (a job with
// environment: action start, the default, gets a deployment when its
// pipeline is created, a retried job's copy its own; prepare, stop, verify,
// access: none); app/models/deployment.rb (statuses created, running,
// success, failed, canceled, skipped, blocked; run from created or blocked,
// block from created, create from skipped, succeed/drop/cancel/skip from
// any other; finished_at on success, failed, canceled; sync_status_with: a
// manual job's deployment is blocked, pending and other job statuses leave
// it); app/models/concerns/ci/deployable.rb (the sync after every job
// transition); app/finders/deployments_finder.rb; lib/api/deployments.rb;
// lib/api/entities/deployment.rb, environment_basic.rb, user_basic.rb;
// ee/lib/ee/api/entities/deployment_extended.rb;
// ee/lib/api/entities/deployments/approval.rb, approval_summary.rb,
// protected_environments/approval_rule.rb, approval_rule_for_summary.rb;
// ee/app/models/ee/environment.rb (needs_approval?,
// required_approval_count, has_approval_rules?, find_approval_rule_for);
// ee/app/models/ee/deployment.rb (pending_approval_count,
// waiting_for_approval?); ee/app/models/deployments/approval_summary.rb and
// protected_environments/approval_rules/summarizable.rb;
// ee/app/services/ee/ci/process_build_service.rb#process (a job whose
// environment needs approval becomes a manual action, its deployment
// blocked; a retried one too); ee/app/models/concerns/ee/ci/deployable.rb
// and Ci::Build#playable? (not playable, not enqueued while waiting);
// ee/app/services/deployments/approval_service.rb; ee/lib/ee/api/deployments.rb;
// ee/app/policies/ee/deployment_policy.rb (approve_deployment);
// ee/lib/api/protected_environments.rb (approval_rules, PUT).
//
// A job waiting for approval is, as GitLab shows it: job status "manual"
// (GET /jobs/:id; no job field names the approval), its deployment
// "blocked" with pending_approval_count > 0, and POST
// /projects/:id/jobs/:job_id/play answers 400 {"message":"400 Bad request -
// Unplayable Job"} (Ci::Build#playable? is false), nothing applied. Note
// that every manual deployment job's deployment is "blocked"
// (sync_status_with), approval or not: pending_approval_count tells them
// apart. Once approved: with approval rules the job stays manual and
// becomes playable (deployment still "blocked" until the job runs: then
// running, success); with the unified required_approval_count and no rules
// the job is enqueued at once (pending, run as the pipeline's user). A
// rejection fails the job (failure_reason "deployment_rejected", not
// retryable: retry 403 "403 Forbidden - Job is not retryable", play 400
// Unplayable Job) and its deployment. (Older GitLab, whose
// approval_service_spec.rb says "unblocks the deployment", moved the
// deployment from blocked to created on the last approval; current
// GitLab computes waiting_for_approval? from the pending count and runs a
// blocked deployment directly.)
//
// The HTTP contract (authentication: personal/OAuth tokens; no CI job
// tokens on these routes; read_api passes for the GETs only):
//
//   - GET /projects/:id/deployments: read_deployment (Reporter; any
//     authenticated user for a public project). Parameters: page, per_page
//     (offset pagination, X-Total etc. and Link headers), order_by (id,
//     iid, created_at, updated_at, ref, finished_at; default id), sort (asc
//     default, desc), environment (a name), status (created, running,
//     success, failed, canceled, skipped, blocked), updated_after,
//     updated_before, finished_after, finished_before (ISO 8601). 400
//     {"error":"<param> does not have a valid value"} or "<param> is
//     invalid"; the finder's 400 {"message":"400 Bad request - <m>"} with
//     m "Both `updated_at` filter and `finished_at` filter can not be
//     specified", "`finished_at` filter and `finished_at` sorting must be
//     paired", "`finished_at` filter must be combined with `success` status
//     filter."; an updated_at filter sorts by updated_at (id desc breaks
//     ties). 200: a list of Entities::Deployment {id, iid, ref, sha,
//     created_at, updated_at, user (UserBasic: id, username, public_email,
//     name, state, locked, avatar_url, web_url), environment
//     (EnvironmentBasic: id, name, slug, external_url, created_at,
//     updated_at), deployable (the job, as GET /jobs/:id answers it, or
//     null), status}. Anonymous 401 {"message":"401 Unauthorized"}, not a
//     member of a private project 404 {"message":"404 Project Not Found"},
//     Guest 403 {"message":"403 Forbidden"}.
//   - GET /projects/:id/deployments/:deployment_id: the same, plus
//     pending_approval_count (integer), approvals ([{user (UserBasic),
//     status "approved"|"rejected", created_at, comment (string or
//     null)}], in order) and approval_summary ({"rules": [{id, user_id,
//     group_id, access_level, access_level_description, required_approvals,
//     group_inheritance_type, deployment_approvals: [approvals]}]}, empty
//     rules without approval rules). 400 {"error":"deployment_id is
//     invalid"}; 404 {"message":"404 Not found"} for a deployment not in the
//     project.
//   - POST /projects/:id/deployments/:deployment_id/approval, api scope,
//     JSON or form: status (required: approved, rejected), comment,
//     represented_as. In order: 401; 400 {"error":"status is missing"},
//     {"error":"status does not have a valid value"}, {"error":
//     "deployment_id is invalid"}; 404 Project Not Found; 403 Forbidden
//     (below Reporter); 404 {"message":"404 Not found"} (no such deployment
//     in the project); then the service's refusals, 400 {"message":"<m>"}:
//     "This environment is not protected.", "You cannot approve your own
//     deployment. This configuration can be adjusted in the protected
//     environment settings." (the deployment's user — who triggered the
//     pipeline, or retried the job — approving, unless the project's
//     allow_pipeline_trigger_approve_deployment; rejecting is allowed),
//     "Deployment approvals is not configured for this environment.", "This
//     deployment is not waiting for approvals." (no approval pending any
//     more), "You don't have permission to approve this deployment. Contact
//     the project or group owner for help." (with approval rules: no rule
//     grants the user — a user rule, a group rule the user's membership
//     passes (group_inheritance_type), a role the user's access to the
//     project reaches, administrators pass every rule; without rules: below Developer, or a
//     user the protected environment or a protected ref keeps from the
//     job), "There are no approval rules for the given `represent_as`
//     parameter. Use a valid User/Group/Role name instead." (represented_as
//     is matched as a substring of a rule's user name, group name or role
//     description, e.g. "Maintainers"); a comment over 255 characters 400
//     {"message":["Comment is too long (maximum is 255 characters)"]}. 201
//     with the approval {user, status, created_at, comment}. One approval
//     per user and rule (the first rule that grants the user, or the one
//     represented_as names): the same status again is 201 with the existing
//     approval unchanged (its comment too) while approvals are pending, 400
//     "This deployment is not waiting for approvals." once none are; the
//     other status replaces status and comment (rejected then fails the
//     job).
//   - POST /projects/:id/protected_environments (Maintainer): also
//     required_approval_count (default 0) and approval_rules [{user_id |
//     group_id | access_level (20, 30, 40, 60), required_approvals (default
//     1), group_inheritance_type (0, 1)}]; 400 {"error":"approval_rules[
//     access_level], approval_rules[user_id], approval_rules[group_id] are
//     missing, at least one parameter must be provided"}, "approval_rules[
//     access_level] does not have a valid value", "approval_rules is
//     invalid"; 422 {"message":["Approval rules required approvals must be
//     less than or equal to 5"]} (or "greater than or equal to 1"). GET
//     shows approval_rules [{id, user_id, group_id, access_level,
//     access_level_description, required_approvals,
//     group_inheritance_type}].
//   - PUT /projects/:id/protected_environments/:name (Maintainer; 404
//     {"message":"404 Not found"}): required_approval_count,
//     deploy_access_levels and approval_rules as nested attributes (an item
//     with id changes it — approval rules: only the attributes given — with
//     "_destroy": true removes it, without id adds one; an unknown id 404);
//     422 {"message":["Must have at least one deployer."]} and the rules'
//     422s; 200 with the protected environment.
//   - PUT /projects/:id (Maintainer): allow_pipeline_trigger_approve_deployment
//     (Boolean; 400 {"error":"allow_pipeline_trigger_approve_deployment is
//     invalid"}); GET and PUT /projects/:id show it.
//   - GET /projects/:id/environments/:environment_id: last_deployment is
//     the last successful deployment (Entities::Deployment) or null.
//
// Seed and Go twins: a seeded protected environment takes
// "required_approval_count" and "approval_rules" [{"user": USERNAME |
// "group": FULL_PATH (with "group_inheritance_type": 0 or 1; a group in
// the project's "shared_with_groups") | "access_level": N,
// "required_approvals": N}] (deploy_access_levels take "group" likewise), a project
// "allow_pipeline_trigger_approve_deployment" (fixture_approvals.go);
// SetEnvironmentApprovals, SetAllowPipelineTriggerApproveDeployment,
// ApproveDeployment (the endpoint's rules; the refusal is GitLab's
// message), Deployments, JobDeployment. The demo seed's production has
// "approval_rules": [] (the approval is off; the one-line switch is
// "approval_rules": [{"group": "demo-group/release-managers"}], the group
// the project is shared with and release-manager belongs to; the demo's
// run.sh sets that rule through the API).
//
// Tests: deployments_test.go, deployment_approvals_test.go (the contexts of
// ee/spec/requests/api/deployments_spec.rb's approval and GET blocks,
// TestSpecDeployments_..., and the branches of approval_service.rb,
// TestSpecApprovalService_...), protected_environments_test.go,
// fixture_approvals_test.go; every answer checked against GitLab's
// deployment.json and EE's deployment_extended.json,
// deployment_approval.json and protected_environment_approval_rule.json
// (schemacheck).
//
// Not modelled: POST/PUT/DELETE /deployments (deployments made outside CI),
// GET .../deployments/:id/merge_requests, group-level protected
// environments and their approval rules, the deployment-approval audit events and webhooks, the
// EE enqueue guard that drops a job of a protected environment its user
// may not deploy to (protected_environment_failure), forward deployment
// (outdated deployment jobs), and Environment#stop.
package gitlabsim
