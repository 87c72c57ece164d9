package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// projectValidator checks at plan time that a project is a numeric ID or a
// full path, so a typo fails before any request is sent.
type projectValidator struct{}

var _ validator.String = projectValidator{}

func (projectValidator) Description(context.Context) string {
	return "value must be a numeric project ID or a project path such as group/sub/project"
}

func (v projectValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (projectValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := gitlabclient.ParseProject(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid GitLab project", err.Error())
	}
}
