package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// Attributes shared by the data sources that list jobs.

// scopeValues are the job statuses the list endpoints' scope accepts (the
// Jobs API documentation's list; GitLab also accepts the transient states
// preparing, canceling and scheduled).
var scopeValues = []string{
	"created", "pending", "running", "failed", "success", "canceled", "skipped", "waiting_for_resource", "manual",
	"preparing", "canceling", "scheduled",
}

func scopeAttribute(what string) schema.Attribute {
	return schema.SetAttribute{
		ElementType: types.StringType,
		Optional:    true,
		MarkdownDescription: "Only " + what + " in these statuses: any of `created`, `pending`, `running`, `failed`, " +
			"`success`, `canceled`, `skipped`, `waiting_for_resource`, `manual` (also `preparing`, `canceling`, " +
			"`scheduled`). All when not set.",
		Validators: []validator.Set{
			setvalidator.SizeAtLeast(1),
			setvalidator.ValueStringsAre(stringvalidator.OneOf(scopeValues...)),
		},
	}
}

func projectAttribute() schema.Attribute {
	return schema.StringAttribute{
		Required:            true,
		MarkdownDescription: "The project's numeric ID or full path (`group/sub/project`; a URL-encoded path is accepted too).",
		Validators:          []validator.String{projectValidator{}},
	}
}

func jobsAttribute(desc string) schema.Attribute {
	return schema.ListNestedAttribute{
		Computed:            true,
		MarkdownDescription: desc,
		NestedObject:        schema.NestedAttributeObject{Attributes: jobAttributes()},
	}
}

// scopeStrings turns the scope set into the API's list (nil: all).
func scopeStrings(set []types.String) []string {
	var out []string
	for _, s := range set {
		out = append(out, s.ValueString())
	}
	return out
}

func jobModels(jobs []*gitlabclient.Job) []jobModel {
	out := make([]jobModel, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, newJobModel(j))
	}
	return out
}
