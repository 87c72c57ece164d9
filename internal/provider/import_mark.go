package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/dynamicplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
)

// An imported job action resource records an action that already happened,
// without the triggers or variables it was run with: GitLab does not
// remember them. Its first plan after the import (terraform import, or an
// import block) takes the configuration's triggers and variables in place,
// rather than planning a replacement that would play or retry the job
// again. The mark lives in the resource's private state until that update.

// importedKey marks an imported resource in its private state.
const importedKey = "imported"

// privateState is a resource's private state as the framework's requests
// and responses hand it over (req.Private, resp.Private).
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// markImported marks the resource being imported.
func markImported(ctx context.Context, private privateState) diag.Diagnostics {
	return private.SetKey(ctx, importedKey, []byte("true"))
}

// clearImported removes the mark once the settings are in the state.
func clearImported(ctx context.Context, private privateState) diag.Diagnostics {
	return private.SetKey(ctx, importedKey, nil)
}

// requiresReplaceUnlessImported is mapplanmodifier.RequiresReplace, except
// on the first plan after an import that left the attribute null: then the
// configuration's value is stored in place.
func requiresReplaceUnlessImported() planmodifier.Map {
	return mapplanmodifier.RequiresReplaceIf(
		func(ctx context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
			resp.RequiresReplace = true
			if req.StateValue.IsNull() && req.Private != nil {
				resp.RequiresReplace, resp.Diagnostics = replaceUnlessImported(ctx, req.Private)
			}
		},
		replaceUnlessImportedDescription, replaceUnlessImportedDescription,
	)
}

// requiresReplaceUnlessImportedDynamic is the same for a dynamic attribute
// (a play's inputs).
func requiresReplaceUnlessImportedDynamic() planmodifier.Dynamic {
	return dynamicplanmodifier.RequiresReplaceIf(
		func(ctx context.Context, req planmodifier.DynamicRequest, resp *dynamicplanmodifier.RequiresReplaceIfFuncResponse) {
			resp.RequiresReplace = true
			if req.StateValue.IsNull() && req.Private != nil {
				resp.RequiresReplace, resp.Diagnostics = replaceUnlessImported(ctx, req.Private)
			}
		},
		replaceUnlessImportedDescription, replaceUnlessImportedDescription,
	)
}

const replaceUnlessImportedDescription = "Changing this value replaces the resource (acts on the job again), except " +
	"right after an import, when the value is stored as it is."

// replaceUnlessImported is whether a changed value, null in the state,
// replaces the resource: yes, unless the resource was imported.
func replaceUnlessImported(ctx context.Context, private interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}) (bool, diag.Diagnostics) {
	mark, diags := private.GetKey(ctx, importedKey)
	return string(mark) != "true", diags
}
