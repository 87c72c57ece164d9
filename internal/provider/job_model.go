package provider

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// This file declares, once, the attributes of a GitLab job as the provider
// exposes them in full, and the conversion from the API's job into them: the
// data sources that return jobs use these. The job action resources keep a
// smaller summary of the job they acted on (jobResultModel,
// common_resource.go).

// jobModel holds every field of GitLab's job entity.
type jobModel struct {
	JobID                  types.Int64         `tfsdk:"job_id"`
	Name                   types.String        `tfsdk:"name"`
	Status                 types.String        `tfsdk:"status"`
	Stage                  types.String        `tfsdk:"stage"`
	Ref                    types.String        `tfsdk:"ref"`
	Tag                    types.Bool          `tfsdk:"tag"`
	Coverage               types.Float64       `tfsdk:"coverage"`
	AllowFailure           types.Bool          `tfsdk:"allow_failure"`
	CreatedAt              types.String        `tfsdk:"created_at"`
	StartedAt              types.String        `tfsdk:"started_at"`
	FinishedAt             types.String        `tfsdk:"finished_at"`
	ErasedAt               types.String        `tfsdk:"erased_at"`
	Duration               types.Float64       `tfsdk:"duration"`
	QueuedDuration         types.Float64       `tfsdk:"queued_duration"`
	FailureReason          types.String        `tfsdk:"failure_reason"`
	WebURL                 types.String        `tfsdk:"web_url"`
	ArtifactsExpireAt      types.String        `tfsdk:"artifacts_expire_at"`
	TagList                []types.String      `tfsdk:"tag_list"`
	Archived               types.Bool          `tfsdk:"archived"`
	CIJobTokenScopeEnabled types.Bool          `tfsdk:"ci_job_token_scope_enabled"`
	User                   *jobUserModel       `tfsdk:"user"`
	Commit                 *jobCommitModel     `tfsdk:"commit"`
	Pipeline               *jobPipelineModel   `tfsdk:"pipeline"`
	Runner                 *jobRunnerModel     `tfsdk:"runner"`
	RunnerManager          *runnerManagerModel `tfsdk:"runner_manager"`
	Artifacts              []jobArtifactModel  `tfsdk:"artifacts"`
	ArtifactsFile          *artifactsFileModel `tfsdk:"artifacts_file"`
}

type jobUserModel struct {
	ID        types.Int64  `tfsdk:"id"`
	Username  types.String `tfsdk:"username"`
	Name      types.String `tfsdk:"name"`
	State     types.String `tfsdk:"state"`
	AvatarURL types.String `tfsdk:"avatar_url"`
	WebURL    types.String `tfsdk:"web_url"`
	Bot       types.Bool   `tfsdk:"bot"`
}

type jobCommitModel struct {
	ID             types.String `tfsdk:"id"`
	ShortID        types.String `tfsdk:"short_id"`
	Title          types.String `tfsdk:"title"`
	Message        types.String `tfsdk:"message"`
	AuthorName     types.String `tfsdk:"author_name"`
	AuthorEmail    types.String `tfsdk:"author_email"`
	AuthoredDate   types.String `tfsdk:"authored_date"`
	CommitterName  types.String `tfsdk:"committer_name"`
	CommitterEmail types.String `tfsdk:"committer_email"`
	CommittedDate  types.String `tfsdk:"committed_date"`
	CreatedAt      types.String `tfsdk:"created_at"`
	WebURL         types.String `tfsdk:"web_url"`
}

type jobPipelineModel struct {
	ID        types.Int64  `tfsdk:"id"`
	IID       types.Int64  `tfsdk:"iid"`
	ProjectID types.Int64  `tfsdk:"project_id"`
	SHA       types.String `tfsdk:"sha"`
	Ref       types.String `tfsdk:"ref"`
	Status    types.String `tfsdk:"status"`
	Source    types.String `tfsdk:"source"`
	CreatedAt types.String `tfsdk:"created_at"`
	UpdatedAt types.String `tfsdk:"updated_at"`
	WebURL    types.String `tfsdk:"web_url"`
}

type jobRunnerModel struct {
	ID          types.Int64  `tfsdk:"id"`
	Description types.String `tfsdk:"description"`
	Name        types.String `tfsdk:"name"`
	Active      types.Bool   `tfsdk:"active"`
	Paused      types.Bool   `tfsdk:"paused"`
	IsShared    types.Bool   `tfsdk:"is_shared"`
	RunnerType  types.String `tfsdk:"runner_type"`
	Online      types.Bool   `tfsdk:"online"`
	Status      types.String `tfsdk:"status"`
}

type runnerManagerModel struct {
	ID           types.Int64  `tfsdk:"id"`
	SystemID     types.String `tfsdk:"system_id"`
	Version      types.String `tfsdk:"version"`
	Revision     types.String `tfsdk:"revision"`
	Platform     types.String `tfsdk:"platform"`
	Architecture types.String `tfsdk:"architecture"`
	IPAddress    types.String `tfsdk:"ip_address"`
	Status       types.String `tfsdk:"status"`
	CreatedAt    types.String `tfsdk:"created_at"`
	ContactedAt  types.String `tfsdk:"contacted_at"`
}

type jobArtifactModel struct {
	FileType   types.String `tfsdk:"file_type"`
	Filename   types.String `tfsdk:"filename"`
	FileFormat types.String `tfsdk:"file_format"`
	Size       types.Int64  `tfsdk:"size"`
}

type artifactsFileModel struct {
	Filename types.String `tfsdk:"filename"`
	Size     types.Int64  `tfsdk:"size"`
}

// newJobModel converts GitLab's job into the provider's attributes. Absent
// (null) API values stay null; timestamps are RFC 3339 in UTC.
func newJobModel(j *gitlabclient.Job) jobModel {
	m := jobModel{
		JobID:             types.Int64Value(j.ID),
		Name:              types.StringValue(j.Name),
		Status:            types.StringValue(j.Status),
		Stage:             types.StringValue(j.Stage),
		Ref:               types.StringValue(j.Ref),
		Tag:               types.BoolValue(j.Tag),
		Coverage:          types.Float64PointerValue(j.Coverage),
		AllowFailure:      types.BoolValue(j.AllowFailure),
		CreatedAt:         timeValue(j.CreatedAt),
		StartedAt:         timeValue(j.StartedAt),
		FinishedAt:        timeValue(j.FinishedAt),
		ErasedAt:          timeValue(j.ErasedAt),
		Duration:          types.Float64PointerValue(j.Duration),
		QueuedDuration:    types.Float64PointerValue(j.QueuedDuration),
		FailureReason:     optionalString(j.FailureReason),
		WebURL:            types.StringValue(j.WebURL),
		ArtifactsExpireAt: timeValue(j.ArtifactsExpireAt),
		TagList:           stringValues(j.TagList),
		Archived:          types.BoolValue(j.Archived),
		// Older GitLab versions do not send the project fragment.
		CIJobTokenScopeEnabled: types.BoolNull(),
		Artifacts:              make([]jobArtifactModel, 0, len(j.Artifacts)),
	}
	if j.Project != nil {
		m.CIJobTokenScopeEnabled = types.BoolValue(j.Project.CIJobTokenScopeEnabled)
	}
	if u := j.User; u != nil {
		m.User = &jobUserModel{
			ID:        types.Int64Value(u.ID),
			Username:  types.StringValue(u.Username),
			Name:      types.StringValue(u.Name),
			State:     types.StringValue(u.State),
			AvatarURL: types.StringValue(u.AvatarURL),
			WebURL:    types.StringValue(u.WebURL),
			Bot:       types.BoolValue(u.Bot),
		}
	}
	if c := j.Commit; c != nil {
		m.Commit = &jobCommitModel{
			ID:             types.StringValue(c.ID),
			ShortID:        types.StringValue(c.ShortID),
			Title:          types.StringValue(c.Title),
			Message:        types.StringValue(c.Message),
			AuthorName:     types.StringValue(c.AuthorName),
			AuthorEmail:    types.StringValue(c.AuthorEmail),
			AuthoredDate:   timeValue(c.AuthoredDate),
			CommitterName:  types.StringValue(c.CommitterName),
			CommitterEmail: types.StringValue(c.CommitterEmail),
			CommittedDate:  timeValue(c.CommittedDate),
			CreatedAt:      timeValue(c.CreatedAt),
			WebURL:         types.StringValue(c.WebURL),
		}
	}
	if p := j.Pipeline; p != nil {
		m.Pipeline = newPipelineModel(p)
	}
	if r := j.Runner; r != nil {
		m.Runner = &jobRunnerModel{
			ID:          types.Int64Value(r.ID),
			Description: types.StringValue(r.Description),
			Name:        types.StringPointerValue(r.Name),
			Active:      types.BoolValue(r.Active),
			Paused:      types.BoolValue(r.Paused),
			IsShared:    types.BoolValue(r.IsShared),
			RunnerType:  optionalString(r.RunnerType),
			Online:      types.BoolValue(r.Online),
			Status:      types.StringValue(r.Status),
		}
	}
	if rm := j.RunnerManager; rm != nil {
		m.RunnerManager = &runnerManagerModel{
			ID:           types.Int64Value(rm.ID),
			SystemID:     types.StringValue(rm.SystemID),
			Version:      types.StringValue(rm.Version),
			Revision:     types.StringValue(rm.Revision),
			Platform:     types.StringValue(rm.Platform),
			Architecture: types.StringValue(rm.Architecture),
			IPAddress:    types.StringValue(rm.IPAddress),
			Status:       types.StringValue(rm.Status),
			CreatedAt:    timeValue(rm.CreatedAt),
			ContactedAt:  timeValue(rm.ContactedAt),
		}
	}
	for _, a := range j.Artifacts {
		m.Artifacts = append(m.Artifacts, jobArtifactModel{
			FileType:   types.StringValue(a.FileType),
			Filename:   types.StringValue(a.Filename),
			FileFormat: types.StringValue(a.FileFormat),
			Size:       types.Int64Value(a.Size),
		})
	}
	if f := j.ArtifactsFile; f != nil {
		m.ArtifactsFile = &artifactsFileModel{
			Filename: types.StringValue(f.Filename),
			Size:     types.Int64Value(f.Size),
		}
	}
	return m
}

func newPipelineModel(p *gitlabclient.JobPipeline) *jobPipelineModel {
	return &jobPipelineModel{
		ID:        types.Int64Value(p.ID),
		IID:       optionalInt64(p.IID),
		ProjectID: types.Int64Value(p.ProjectID),
		SHA:       types.StringValue(p.SHA),
		Ref:       types.StringValue(p.Ref),
		Status:    types.StringValue(p.Status),
		Source:    optionalString(p.Source),
		CreatedAt: timeValue(p.CreatedAt),
		UpdatedAt: timeValue(p.UpdatedAt),
		WebURL:    optionalString(p.WebURL),
	}
}

// timeValue renders an API timestamp as RFC 3339 in UTC, keeping GitLab's
// millisecond precision; nil becomes null.
func timeValue(t *time.Time) types.String {
	if t == nil {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
}

// optionalString maps a field GitLab omits (or older versions lack) to null.
func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func optionalInt64(v int64) types.Int64 {
	if v == 0 {
		return types.Int64Null()
	}
	return types.Int64Value(v)
}

func stringValues(in []string) []types.String {
	out := make([]types.String, 0, len(in))
	for _, s := range in {
		out = append(out, types.StringValue(s))
	}
	return out
}

// The list data sources hold thousands of jobs. Setting them into the state
// through the framework's struct reflection costs about 2 ms and 0.9 MB of
// allocations a job (BENCHMARKS.md, P1), so the lists are built here by hand
// from attr.Values instead. The attribute types come from the schema, once;
// TestJobObjectValueEqualsReflection and its siblings check that the result
// equals the reflection's, attribute for attribute, so the two cannot drift.

var (
	// jobObjectType is the type of one job object: the schema's.
	jobObjectType = types.ObjectType{AttrTypes: attributeTypes(jobAttributes())}

	jobUserAttrTypes      = nestedAttrTypes(jobObjectType, "user")
	jobCommitAttrTypes    = nestedAttrTypes(jobObjectType, "commit")
	jobPipelineAttrTypes  = nestedAttrTypes(jobObjectType, "pipeline")
	jobRunnerAttrTypes    = nestedAttrTypes(jobObjectType, "runner")
	runnerManagerAttrType = nestedAttrTypes(jobObjectType, "runner_manager")
	jobArtifactAttrTypes  = nestedAttrTypes(jobObjectType, "artifacts")
	artifactsFileAttrType = nestedAttrTypes(jobObjectType, "artifacts_file")
)

// attributeTypes returns the value types of schema attributes.
func attributeTypes(attrs map[string]schema.Attribute) map[string]attr.Type {
	out := make(map[string]attr.Type, len(attrs))
	for name, a := range attrs {
		out[name] = a.GetType()
	}
	return out
}

// nestedAttrTypes returns the attribute types of the object (or of the
// elements of the list of objects) that attribute name of t holds. The
// schema is fixed, so a mismatch is a programming error, caught by the
// package's tests at initialization.
func nestedAttrTypes(t types.ObjectType, name string) map[string]attr.Type {
	at := t.AttrTypes[name]
	if l, ok := at.(types.ListType); ok {
		at = l.ElemType
	}
	o, ok := at.(types.ObjectType)
	if !ok {
		panic(fmt.Sprintf("attribute %q of a job is a %T, not an object", name, t.AttrTypes[name]))
	}
	return o.AttrTypes
}

// valueBuilder builds objects and lists, collecting the diagnostics of any
// that do not match their types (none, while the conversion and the schema
// agree).
type valueBuilder struct{ diags diag.Diagnostics }

// object returns the object of attrs, or a null object when attrs is nil
// (an absent nested object, as the reflection maps a nil pointer).
func (b *valueBuilder) object(attrTypes map[string]attr.Type, attrs map[string]attr.Value) types.Object {
	if attrs == nil {
		return types.ObjectNull(attrTypes)
	}
	v, d := types.ObjectValue(attrTypes, attrs)
	b.diags.Append(d...)
	return v
}

// list returns the list of elems, or a null list when elems is nil (as the
// reflection maps a nil slice; the conversions make empty, non-nil ones).
func (b *valueBuilder) list(elemType attr.Type, elems []attr.Value) types.List {
	if elems == nil {
		return types.ListNull(elemType)
	}
	v, d := types.ListValue(elemType, elems)
	b.diags.Append(d...)
	return v
}

// objectValue returns the job as an object of type jobObjectType, equal to
// what the framework's reflection makes of m.
func (m jobModel) objectValue() (types.Object, diag.Diagnostics) {
	var b valueBuilder
	v := b.object(jobObjectType.AttrTypes, m.attributes(&b))
	return v, b.diags
}

// attributes returns the job's attribute values (the keys of jobAttributes).
func (m jobModel) attributes(b *valueBuilder) map[string]attr.Value {
	var tags []attr.Value
	if m.TagList != nil {
		tags = make([]attr.Value, len(m.TagList))
		for i, t := range m.TagList {
			tags[i] = t
		}
	}
	artifactType := types.ObjectType{AttrTypes: jobArtifactAttrTypes}
	var artifacts []attr.Value
	if m.Artifacts != nil {
		artifacts = make([]attr.Value, len(m.Artifacts))
		for i, a := range m.Artifacts {
			artifacts[i] = b.object(jobArtifactAttrTypes, a.attributes())
		}
	}
	return map[string]attr.Value{
		"job_id":                     m.JobID,
		"name":                       m.Name,
		"status":                     m.Status,
		"stage":                      m.Stage,
		"ref":                        m.Ref,
		"tag":                        m.Tag,
		"coverage":                   m.Coverage,
		"allow_failure":              m.AllowFailure,
		"created_at":                 m.CreatedAt,
		"started_at":                 m.StartedAt,
		"finished_at":                m.FinishedAt,
		"erased_at":                  m.ErasedAt,
		"duration":                   m.Duration,
		"queued_duration":            m.QueuedDuration,
		"failure_reason":             m.FailureReason,
		"web_url":                    m.WebURL,
		"artifacts_expire_at":        m.ArtifactsExpireAt,
		"tag_list":                   b.list(types.StringType, tags),
		"archived":                   m.Archived,
		"ci_job_token_scope_enabled": m.CIJobTokenScopeEnabled,
		"user":                       b.object(jobUserAttrTypes, m.User.attributes()),
		"commit":                     b.object(jobCommitAttrTypes, m.Commit.attributes()),
		"pipeline":                   b.object(jobPipelineAttrTypes, m.Pipeline.attributes()),
		"runner":                     b.object(jobRunnerAttrTypes, m.Runner.attributes()),
		"runner_manager":             b.object(runnerManagerAttrType, m.RunnerManager.attributes()),
		"artifacts":                  b.list(artifactType, artifacts),
		"artifacts_file":             b.object(artifactsFileAttrType, m.ArtifactsFile.attributes()),
	}
}

// The nested objects' attributes; nil (a null object) for a nil pointer.

func (u *jobUserModel) attributes() map[string]attr.Value {
	if u == nil {
		return nil
	}
	return map[string]attr.Value{
		"id": u.ID, "username": u.Username, "name": u.Name, "state": u.State,
		"avatar_url": u.AvatarURL, "web_url": u.WebURL, "bot": u.Bot,
	}
}

func (c *jobCommitModel) attributes() map[string]attr.Value {
	if c == nil {
		return nil
	}
	return map[string]attr.Value{
		"id": c.ID, "short_id": c.ShortID, "title": c.Title, "message": c.Message,
		"author_name": c.AuthorName, "author_email": c.AuthorEmail, "authored_date": c.AuthoredDate,
		"committer_name": c.CommitterName, "committer_email": c.CommitterEmail,
		"committed_date": c.CommittedDate, "created_at": c.CreatedAt, "web_url": c.WebURL,
	}
}

func (p *jobPipelineModel) attributes() map[string]attr.Value {
	if p == nil {
		return nil
	}
	return map[string]attr.Value{
		"id": p.ID, "iid": p.IID, "project_id": p.ProjectID, "sha": p.SHA, "ref": p.Ref,
		"status": p.Status, "source": p.Source, "created_at": p.CreatedAt, "updated_at": p.UpdatedAt,
		"web_url": p.WebURL,
	}
}

func (r *jobRunnerModel) attributes() map[string]attr.Value {
	if r == nil {
		return nil
	}
	return map[string]attr.Value{
		"id": r.ID, "description": r.Description, "name": r.Name, "active": r.Active,
		"paused": r.Paused, "is_shared": r.IsShared, "runner_type": r.RunnerType,
		"online": r.Online, "status": r.Status,
	}
}

func (rm *runnerManagerModel) attributes() map[string]attr.Value {
	if rm == nil {
		return nil
	}
	return map[string]attr.Value{
		"id": rm.ID, "system_id": rm.SystemID, "version": rm.Version, "revision": rm.Revision,
		"platform": rm.Platform, "architecture": rm.Architecture, "ip_address": rm.IPAddress,
		"status": rm.Status, "created_at": rm.CreatedAt, "contacted_at": rm.ContactedAt,
	}
}

func (a jobArtifactModel) attributes() map[string]attr.Value {
	return map[string]attr.Value{
		"file_type": a.FileType, "filename": a.Filename, "file_format": a.FileFormat, "size": a.Size,
	}
}

func (f *artifactsFileModel) attributes() map[string]attr.Value {
	if f == nil {
		return nil
	}
	return map[string]attr.Value{"filename": f.Filename, "size": f.Size}
}

// jobAttributes returns the computed attributes of a job, for any data source
// schema that exposes one (a single job, or each element of a job list).
func jobAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"job_id":              computedInt64("The job's ID."),
		"name":                computedString("Its name."),
		"status":              computedString("Its status: `created`, `waiting_for_resource`, `preparing`, `pending`, `running`, `success`, `failed`, `canceling`, `canceled`, `skipped`, `manual` or `scheduled`."),
		"stage":               computedString("Its stage."),
		"ref":                 computedString("Its branch or tag."),
		"tag":                 computedBool("Whether `ref` is a tag."),
		"coverage":            computedFloat64("Its code coverage, or null."),
		"allow_failure":       computedBool("Whether its failure is allowed."),
		"created_at":          computedString("Created (RFC 3339)."),
		"started_at":          computedString("Started (RFC 3339), or null."),
		"finished_at":         computedString("Finished (RFC 3339), or null."),
		"erased_at":           computedString("Erased (RFC 3339), or null."),
		"duration":            computedFloat64("Seconds it ran, or null."),
		"queued_duration":     computedFloat64("Seconds queued for a runner, or null."),
		"failure_reason":      computedString("Why it failed (e.g. `script_failure`), or null."),
		"web_url":             computedString("Its page in GitLab."),
		"artifacts_expire_at": computedString("Artifacts expiry (RFC 3339), or null."),
		"tag_list": schema.ListAttribute{
			Computed: true, ElementType: types.StringType,
			MarkdownDescription: "The runner tags it requires.",
		},
		"archived":                   computedBool("Whether archived (no retry or erase)."),
		"ci_job_token_scope_enabled": computedBool("Whether job token access is limited, or null."),
		"user": schema.SingleNestedAttribute{
			Computed: true, MarkdownDescription: "Who started it, or null.",
			Attributes: map[string]schema.Attribute{
				"id": computedInt64("ID."), "username": computedString("Username."), "name": computedString("Name."),
				"state": computedString("State, e.g. `active`."), "avatar_url": computedString("Avatar URL."),
				"web_url": computedString("Profile page."), "bot": computedBool("Whether a bot."),
			},
		},
		"commit": schema.SingleNestedAttribute{
			Computed: true, MarkdownDescription: "Its commit, or null.",
			Attributes: map[string]schema.Attribute{
				"id": computedString("SHA."), "short_id": computedString("Short SHA."), "title": computedString("Title."),
				"message": computedString("Message."), "author_name": computedString("Author's name."),
				"author_email": computedString("Author's email."), "authored_date": computedString("Authored (RFC 3339)."),
				"committer_name": computedString("Committer's name."), "committer_email": computedString("Committer's email."),
				"committed_date": computedString("Committed (RFC 3339)."), "created_at": computedString("Created (RFC 3339)."),
				"web_url": computedString("Page in GitLab."),
			},
		},
		"pipeline": schema.SingleNestedAttribute{
			Computed: true, MarkdownDescription: "Its pipeline.",
			Attributes: pipelineAttributes(),
		},
		"runner": schema.SingleNestedAttribute{
			Computed: true, MarkdownDescription: "Its runner, or null.",
			Attributes: map[string]schema.Attribute{
				"id": computedInt64("ID."), "description": computedString("Description."), "name": computedString("Name, or null."),
				"active": computedBool("Whether active."), "paused": computedBool("Whether paused."),
				"is_shared": computedBool("Whether an instance (shared) runner."), "runner_type": computedString("`instance_type`, `group_type` or `project_type`, or null."),
				"online": computedBool("Whether online."), "status": computedString("Status, e.g. `online`."),
			},
		},
		"runner_manager": schema.SingleNestedAttribute{
			Computed: true, MarkdownDescription: "Its runner manager, or null.",
			Attributes: map[string]schema.Attribute{
				"id": computedInt64("ID."), "system_id": computedString("System ID."), "version": computedString("Runner version."),
				"revision": computedString("Runner revision."), "platform": computedString("Platform, e.g. `linux`."),
				"architecture": computedString("Architecture, e.g. `amd64`."), "ip_address": computedString("IP address."),
				"status": computedString("Status."), "created_at": computedString("Created (RFC 3339)."),
				"contacted_at": computedString("Last contact (RFC 3339)."),
			},
		},
		"artifacts": schema.ListNestedAttribute{
			Computed: true, MarkdownDescription: "Its artifact files (empty after erase).",
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"file_type": computedString("Type, e.g. `archive`, `trace`."),
				"filename":  computedString("File name."), "file_format": computedString("Format, e.g. `zip`."),
				"size": computedInt64("Size in bytes."),
			}},
		},
		"artifacts_file": schema.SingleNestedAttribute{
			Computed: true, MarkdownDescription: "Its artifacts archive, or null.",
			Attributes: map[string]schema.Attribute{
				"filename": computedString("File name."), "size": computedInt64("Size in bytes."),
			},
		},
	}
}

func pipelineAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id": computedInt64("ID."), "iid": computedInt64("Project-scoped ID, or null."),
		"project_id": computedInt64("Project ID."), "sha": computedString("Commit SHA."),
		"ref": computedString("Branch or tag."), "status": computedString("Status."),
		"source":     computedString("Its source, e.g. `push`, or null."),
		"created_at": computedString("Created (RFC 3339), or null."),
		"updated_at": computedString("Last updated (RFC 3339), or null."),
		"web_url":    computedString("Page in GitLab, or null."),
	}
}
