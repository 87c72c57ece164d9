package provider

import (
	"fmt"
	"math"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// Schema helpers shared by several data sources, resources and actions: the
// project, pipeline ID, scope and jobs attributes, and the check of CI/CD
// variable keys. The resources' own helpers are in common_resource.go, the
// actions' in common_action.go.

// scopeValues are the job statuses the list endpoints' scope accepts (the
// Jobs API documentation's list; GitLab also accepts the transient states
// preparing, canceling and scheduled).
var scopeValues = []string{
	gitlabclient.StatusCreated, gitlabclient.StatusPending, gitlabclient.StatusRunning, gitlabclient.StatusFailed,
	gitlabclient.StatusSuccess, gitlabclient.StatusCanceled, gitlabclient.StatusSkipped,
	gitlabclient.StatusWaitingForResource, gitlabclient.StatusManual,
	gitlabclient.StatusPreparing, gitlabclient.StatusCanceling, gitlabclient.StatusScheduled,
}

func scopeAttribute(what string) schema.Attribute {
	return schema.SetAttribute{
		ElementType: types.StringType,
		Optional:    true,
		// scopeValues are the statuses a job's status attribute lists.
		MarkdownDescription: "Only " + what + " in these statuses (any job `status`); all when not set.",
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
		NestedObject: schema.NestedAttributeObject{
			Attributes: jobAttributes(),
			// The type the attributes make, computed once: without it the
			// framework rebuilds it whenever it looks up a path in the list
			// (for every null value of every job after Read: about 110 kB of
			// allocations a job, a quarter of the time; BENCHMARKS.md, P1).
			// TestListDataSourcesStateEqualsReflection checks it is the
			// attributes' type; Terraform's schema does not change.
			CustomType: jobObjectType,
		},
	}
}

func pipelineIDAttribute() schema.Attribute {
	return schema.Int64Attribute{
		Required:            true,
		CustomType:          positiveID,
		MarkdownDescription: "The pipeline's ID (in GitLab CI, `CI_PIPELINE_ID`).",
		Validators:          []validator.Int64{int64validator.AtLeast(1)},
	}
}

// variableKeyValidator checks one CI/CD variable key.
func variableKeyValidator() validator.String {
	return stringvalidator.RegexMatches(variableKeyRegexp, "must be a CI/CD variable key: 1 to 255 letters, digits and underscores")
}

// variableKeysValidator checks the keys of a variables map (the job play
// resource and action, the pipeline run resource and action).
func variableKeysValidator(more ...validator.String) validator.Map {
	return mapvalidator.KeysAre(append([]validator.String{variableKeyValidator()}, more...)...)
}

// variableKeyPattern is what GitLab accepts as a CI/CD variable key.
const variableKeyPattern = `^[a-zA-Z0-9_]{1,255}$`

var variableKeyRegexp = regexp.MustCompile(variableKeyPattern)

// waitPolling says, in the docs' words, how a wait polls what ("job",
// "pipeline"): derived from defaultPoller's constants (job_wait.go), so that
// the docs cannot drift from the poller (TestWaitPollingWording).
func waitPolling(what string) string {
	share := shareWord(pollShare)
	return fmt.Sprintf("Waiting polls the %s every %s of the time waited so far (at least %g s, at most %g s: a %s is "+
		"seen within about a %s of its run time after it ends)", what, share, pollFirst.Seconds(), pollMax.Seconds(), what, share)
}

// shareWord names a share of a whole ("fifth" for 0.2).
func shareWord(share float64) string {
	for n, word := range map[float64]string{2: "half", 3: "third", 4: "quarter", 5: "fifth", 10: "tenth"} {
		if math.Abs(share*n-1) < 1e-9 {
			return word
		}
	}
	return fmt.Sprintf("%g", share)
}

// computedString, computedInt64, computedFloat64 and computedBool are a data
// source's read-only attributes, described by desc.
func computedString(desc string) schema.Attribute {
	return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
}

func computedInt64(desc string) schema.Attribute {
	return schema.Int64Attribute{Computed: true, MarkdownDescription: desc}
}

func computedFloat64(desc string) schema.Attribute {
	return schema.Float64Attribute{Computed: true, MarkdownDescription: desc}
}

func computedBool(desc string) schema.Attribute {
	return schema.BoolAttribute{Computed: true, MarkdownDescription: desc}
}
