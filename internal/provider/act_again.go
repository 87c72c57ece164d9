package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// The "act again" marker: how a replacement the user asked for (a changed
// `triggers`, a play's `variables` or `inputs`) reaches the create that
// acts again, and nothing else does (the rule: common_operations.go).
//
//   - at plan, markActAgain puts it in the planned private state of the
//     changed resource (ModifyPlan of the existing resource);
//   - at apply, the provider's server hands the planned private state to
//     Create in its context (privateToCreate, plannedPrivate), since the
//     framework does not;
//   - the delete half of the replacement keeps it in provider memory for
//     the create half (keepActAgainForCreate, stashActAgain), because
//     Terraform 1.11 and OpenTofu re-plan the create at apply without it;
//   - Create takes it (actAgainInCreate); a create's plan-time check sees it
//     (actAgainAtPlan).
// gitlabjobs_pipeline_run hands the record of a tainted state to its
// replacement through the same memory (pipeline_run_intent.go).

// actAgainKey is the private state key of the actAgain marker.
const actAgainKey = "act_again"

// actAgain is the marker a replacement the user asked for carries from the
// plan to the create: the attributes whose change asked for it, and the
// intent (intentKey) of the planned resource.
type actAgain struct {
	Changed []string `json:"changed"`
	Intent  string   `json:"intent,omitempty"`
	// Pipeline is, for gitlabjobs_pipeline_run, what the replaced state
	// recorded (in memory only: pipeline_run_intent.go).
	Pipeline *pipelineRecord `json:"-"`
}

// intentKey names what a job action resource is asked to do: its type and
// job, or "" when the plan does not know the job yet. The project is not
// part of it: GitLab gives a job's ID once per instance (ci_builds.id), and
// the provider instance the key is kept under talks to one GitLab, so the
// job's ID alone names it, however the project is written (its path in any
// letter case or encoding, or its numeric ID): a tainted state and its
// replacement's plan that spell the project differently are one intent. A
// project that is not the job's reaches no action: GitLab finds a job only
// within its own project (404 otherwise).
func intentKey(what string, jobID types.Int64) string {
	if jobID.IsUnknown() || jobID.IsNull() {
		return ""
	}
	return fmt.Sprintf("%s\x00%d", what, jobID.ValueInt64())
}

// The markers the delete half of a replacement handed over to its create
// half, per provider instance and intent. They live as long as the provider
// process: an apply interrupted between the two halves forgets them, and
// the next create looks first.
var actAgainStash = struct {
	sync.Mutex
	m map[*providerData]map[string][]*actAgain
}{m: map[*providerData]map[string][]*actAgain{}}

// stashActAgain keeps the marker of a replacement's delete for its create.
func stashActAgain(data *providerData, m *actAgain) {
	if m == nil || m.Intent == "" {
		return
	}
	actAgainStash.Lock()
	defer actAgainStash.Unlock()
	if actAgainStash.m[data] == nil {
		actAgainStash.m[data] = map[string][]*actAgain{}
	}
	actAgainStash.m[data][m.Intent] = append(actAgainStash.m[data][m.Intent], m)
}

// peekActAgain is the marker kept for intent, if any; takeActAgain also
// removes it, so that it makes one create act.
func peekActAgain(data *providerData, intent string) *actAgain {
	return stashedActAgain(data, intent, false)
}
func takeActAgain(data *providerData, intent string) *actAgain {
	return stashedActAgain(data, intent, true)
}

func stashedActAgain(data *providerData, intent string, take bool) *actAgain {
	if intent == "" {
		return nil
	}
	actAgainStash.Lock()
	defer actAgainStash.Unlock()
	kept := actAgainStash.m[data][intent]
	if len(kept) == 0 {
		return nil
	}
	if take {
		actAgainStash.m[data][intent] = kept[1:]
	}
	return kept[0]
}

// actAgainInCreate is the marker for a create: the one in its planned
// private state (a CLI that passes it on), else the one its replacement's
// delete kept; nil for a new or tainted resource.
func actAgainInCreate(ctx context.Context, data *providerData, intent string) *actAgain {
	if m := decodeActAgain(plannedPrivate(ctx, actAgainKey)); m != nil {
		takeActAgain(data, intent)
		return m
	}
	return takeActAgain(data, intent)
}

// asked reports whether the user changed attr.
func (a *actAgain) asked(attr string) bool { return a != nil && slices.Contains(a.Changed, attr) }

func decodeActAgain(b []byte) *actAgain {
	if len(b) == 0 {
		return nil
	}
	var m actAgain
	if err := json.Unmarshal(b, &m); err != nil || len(m.Changed) == 0 {
		return nil
	}
	return &m
}

// markActAgain puts the actAgain marker in the planned private state when
// the user changed an attribute that asks to act again (triggers, a play's
// variables or inputs): Terraform hands the first plan call's private state to the
// create half of the replacement, and the apply to Create (privateToCreate). A
// changed project or job_id alone names another job: its create looks first.
func markActAgain(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, what string) {
	var changed []string
	for _, name := range []string{"triggers", "variables", "inputs"} {
		var planned, prior attr.Value
		if diags := req.Plan.GetAttribute(ctx, path.Root(name), &planned); diags.HasError() {
			continue // the resource has no such attribute
		}
		if diags := req.State.GetAttribute(ctx, path.Root(name), &prior); diags.HasError() {
			continue
		}
		if !planned.Equal(prior) {
			changed = append(changed, name)
		}
	}
	if len(changed) == 0 || resp.Private == nil {
		return
	}
	var jobID types.Int64
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("job_id"), &jobID)...)
	b, err := json.Marshal(actAgain{Changed: changed, Intent: intentKey(what, jobID)})
	if err != nil {
		return
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, actAgainKey, b)...)
	tflog.Debug(ctx, "replacement asked for by the configuration: the create acts again", map[string]any{"changed": changed})
}

// The job action resources want their planned private state in Create (see
// act_again.go: a replacement the user asked for carries a marker from
// the plan). terraform-plugin-framework (v1.19) receives it with every
// ApplyResourceChange but does not hand it to Resource.Create, so the
// provider's server passes it on in the request's context. (Terraform 1.11
// and OpenTofu re-plan a replacement's create at apply without it, so the
// resources also keep the marker from the delete half: keepActAgainForCreate.)

// privateToCreate is the framework's server, with the planned private state
// of each ApplyResourceChange put in its context.
type privateToCreate struct{ fullServer }

func (s privateToCreate) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	if req != nil && len(req.PlannedPrivate) > 0 {
		ctx = context.WithValue(ctx, plannedPrivateKey{}, req.PlannedPrivate)
	}
	return s.fullServer.ApplyResourceChange(ctx, req)
}

type plannedPrivateKey struct{}

// plannedPrivate is the provider's key of the planned private state of the
// resource being applied, or nil. The framework stores its private state as
// a JSON object of keys to (base64) JSON values.
func plannedPrivate(ctx context.Context, key string) []byte {
	raw, _ := ctx.Value(plannedPrivateKey{}).([]byte)
	if len(raw) == 0 {
		return nil
	}
	var m map[string][]byte
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil
	}
	return m[key]
}

// actAgainAtPlan is the marker a create's plan sees: the one in its planned
// private state (the plan's create half of a replacement), else the one its
// delete kept (the apply's re-plan of it); nil for a new or tainted resource.
func actAgainAtPlan(ctx context.Context, data *providerData, intent string, private privateState) (*actAgain, diag.Diagnostics) {
	again := peekActAgain(data, intent)
	if private == nil {
		return again, nil
	}
	b, diags := private.GetKey(ctx, actAgainKey)
	if m := decodeActAgain(b); m != nil {
		again = m
	}
	return again, diags
}

// keepActAgainForCreate keeps the marker of a replacement's delete half (in
// its private state) for the create half.
func keepActAgainForCreate(ctx context.Context, data *providerData, private privateState) {
	if private == nil {
		return
	}
	if b, diags := private.GetKey(ctx, actAgainKey); !diags.HasError() {
		stashActAgain(data, decodeActAgain(b))
	}
}
