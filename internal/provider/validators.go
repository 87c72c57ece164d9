package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	aschema "github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

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

// variableValuesValidator refuses a null variable value (variables = { A =
// null }), which GitLab's job_variables_attributes cannot carry.
type variableValuesValidator struct {
	what string // whose variables, for the message: "play" (the default) or "pipeline"
}

var _ validator.Map = variableValuesValidator{}

func (variableValuesValidator) Description(context.Context) string {
	return "every variable must have a string value (\"\" for an empty one)"
}

func (v variableValuesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v variableValuesValidator) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	null := keysWhere(req.ConfigValue, attr.Value.IsNull)
	if len(null) == 0 {
		return
	}
	what := v.what
	if what == "" {
		what = "play"
	}
	resp.Diagnostics.AddAttributeError(req.Path, strings.ToUpper(what[:1])+what[1:]+" variable without a value",
		fmt.Sprintf("variables %s: a %s variable needs a value (null is not one): give it a string, \"\" for an "+
			"empty value, or remove the key.", strings.Join(null, ", "), what))
}

// nullByteValuesValidator refuses a variable value holding a null byte
// ("\u0000"): GitLab's HandleMalformedStrings middleware answers any request
// with one in a parameter with 400 Bad Request before the request reaches the
// job or pipeline. The diagnostic names the keys, never the values (they may
// be secrets).
type nullByteValuesValidator struct{}

var _ validator.Map = nullByteValuesValidator{}

func (nullByteValuesValidator) Description(context.Context) string {
	return "no variable value may hold a null byte (\\u0000)"
}

func (v nullByteValuesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (nullByteValuesValidator) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	bad := keysWhere(req.ConfigValue, func(v attr.Value) bool {
		s, ok := v.(types.String)
		return ok && strings.Contains(s.ValueString(), "\x00") // "" when null or unknown
	})
	if len(bad) == 0 {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Variable value with a null byte",
		fmt.Sprintf("variables %s: the value holds a null byte (\\u0000), and GitLab refuses any request with one in "+
			"a parameter (400 Bad Request). Remove it from the value.", strings.Join(bad, ", ")))
}

// keysWhere is the keys of a map's elements that match, sorted: what the
// variables validators name in their diagnostics.
func keysWhere(m types.Map, match func(attr.Value) bool) []string {
	var keys []string
	for k, v := range m.Elements() {
		if match(v) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// positiveDuration checks at plan time that a timeout is longer than zero:
// "0s" or "-5s" would end the wait (or the action) before it began, with
// "context deadline exceeded". The timeouts package already checks the
// format.
type positiveDuration struct{}

var _ validator.String = positiveDuration{}

func (positiveDuration) Description(context.Context) string {
	return "must be a positive duration such as 30s, 10m or 2h"
}

func (v positiveDuration) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (positiveDuration) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil || d > 0 {
		return // the timeouts package reports a malformed duration
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Timeout must be positive",
		fmt.Sprintf("%s is %q: a timeout must be a positive duration such as \"30s\", \"10m\" or \"2h\". "+
			"Remove it for the default.",
			req.Path, req.ConfigValue.ValueString()))
}

// positiveTimeouts adds positiveDuration to each duration of a resource's
// timeouts attribute (from the timeouts package).
func positiveTimeouts(a rschema.Attribute) rschema.Attribute {
	nested, ok := a.(rschema.SingleNestedAttribute)
	if !ok {
		panic(fmt.Sprintf("positiveTimeouts: %T is not the timeouts package's attribute", a))
	}
	for name, inner := range nested.Attributes {
		if s, ok := inner.(rschema.StringAttribute); ok {
			s.Validators = append(slices.Clone(s.Validators), positiveDuration{})
			nested.Attributes[name] = s
		}
	}
	return nested
}

// positiveActionTimeouts is positiveTimeouts for an action's timeouts.
func positiveActionTimeouts(a aschema.Attribute) aschema.Attribute {
	nested, ok := a.(aschema.SingleNestedAttribute)
	if !ok {
		panic(fmt.Sprintf("positiveActionTimeouts: %T is not the timeouts package's attribute", a))
	}
	for name, inner := range nested.Attributes {
		if s, ok := inner.(aschema.StringAttribute); ok {
			s.Validators = append(slices.Clone(s.Validators), positiveDuration{})
			nested.Attributes[name] = s
		}
	}
	return nested
}

// waitSetting is the setting that makes a job action resource wait less:
// gitlabjobs_job_cancel has wait_for_canceled, play and retry have wait_for.
func waitSetting(action string) string {
	if action == "cancel" {
		return "set wait_for_canceled = false"
	}
	return `set wait_for to "started" or "none"`
}
