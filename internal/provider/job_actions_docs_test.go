package provider

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The actions' examples and documentation. OpenTofu, whose `providers schema
// -json` feeds tfplugindocs here (make generate), has no actions, so
// tfplugindocs cannot render the actions' schemas: their documentation
// templates (templates/actions/*.md.tmpl) are written from the provider's
// action schemas by TestActionDocTemplates, which fails when they are out of
// date. Regenerate them with
//
//	UPDATE_ACTION_DOCS=1 go test ./internal/provider -run TestActionDocTemplates
//
// then run make generate. The examples (examples/actions/*/action.tf) are
// checked here against the schemas (formatting, attributes, an
// action_trigger that invokes them) and applied by TestAccJobActions_examples
// under Terraform >= 1.14; TestAccExamples, which runs under OpenTofu and
// Terraform before 1.14 (they cannot parse action blocks), skips them.

var repoRoot = filepath.Join("..", "..")

// servedSchemas is the provider, served in-process, and its schemas as
// Terraform sees them.
func servedSchemas(t *testing.T) (tfprotov6.ProviderServer, *tfprotov6.GetProviderSchemaResponse) {
	t.Helper()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	requireNoDiags(t, "GetProviderSchema", resp.Diagnostics)
	return server, resp
}

// actionSchemas are the provider's action schemas as Terraform sees them.
func actionSchemas(t *testing.T) map[string]*tfprotov6.Schema {
	t.Helper()
	_, resp := servedSchemas(t)
	out := map[string]*tfprotov6.Schema{}
	for name, s := range resp.ActionSchemas {
		out[name] = s.Schema
	}
	return out
}

func actionTypeNames(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	var names []string
	for _, newAction := range (&gitlabJobsProvider{}).Actions(ctx) {
		var resp action.MetadataResponse
		newAction().Metadata(ctx, action.MetadataRequest{ProviderTypeName: "gitlabjobs"}, &resp)
		names = append(names, resp.TypeName)
	}
	slices.Sort(names)
	return names
}

func actionExamplePath(typeName string) string {
	return filepath.Join("examples", "actions", typeName, "action.tf")
}

// TestActionExamples checks each action's example: in canonical format,
// declaring the action with a config that fits its schema, invoked both
// ways (a `terraform apply -invoke` command and an action_trigger).
func TestActionExamples(t *testing.T) {
	schemas := actionSchemas(t)
	for _, typeName := range actionTypeNames(t) {
		t.Run(typeName, func(t *testing.T) {
			path := filepath.Join(repoRoot, actionExamplePath(typeName))
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("action %s has no example: %v", typeName, err)
			}
			if formatted := hclwrite.Format(src); !bytes.Equal(formatted, src) {
				t.Errorf("%s is not in canonical format; formatted:\n%s", path, formatted)
			}
			file, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatalf("parsing %s: %s", path, diags)
			}
			body := file.Body.(*hclsyntax.Body)
			var names []string
			for _, b := range body.Blocks {
				if b.Type != "action" || len(b.Labels) != 2 || b.Labels[0] != typeName {
					continue
				}
				names = append(names, b.Labels[1])
				checkExampleConfig(t, schemas[typeName], b)
			}
			if len(names) == 0 {
				t.Fatalf("%s declares no action %q", path, typeName)
			}
			invoke := regexp.MustCompile(`terraform apply -invoke=action\.` + typeName + `\.(\w+)`).FindStringSubmatch(string(src))
			if invoke == nil || !slices.Contains(names, invoke[1]) {
				t.Errorf("%s shows no `terraform apply -invoke=action.%s.<name>` of its action", path, typeName)
			}
			if !triggers(body, "action."+typeName+"."+names[0]) {
				t.Errorf("%s has no resource whose lifecycle action_trigger runs action.%s.%s", path, typeName, names[0])
			}
		})
	}
}

// checkExampleConfig checks an action block's config against the schema:
// known attributes, the required ones set.
func checkExampleConfig(t *testing.T, schema *tfprotov6.Schema, b *hclsyntax.Block) {
	t.Helper()
	var config *hclsyntax.Block
	for _, c := range b.Body.Blocks {
		if c.Type == "config" {
			config = c
		}
	}
	if config == nil {
		t.Fatalf("action %q has no config block", b.Labels[1])
	}
	known := map[string]*tfprotov6.SchemaAttribute{}
	for _, a := range schema.Block.Attributes {
		known[a.Name] = a
	}
	for name := range config.Body.Attributes {
		if known[name] == nil {
			t.Errorf("action %q: config sets %q, which the schema does not have", b.Labels[1], name)
		}
	}
	for name, a := range known {
		if _, set := config.Body.Attributes[name]; a.Required && !set {
			t.Errorf("action %q: config lacks the required %q", b.Labels[1], name)
		}
	}
}

// triggers reports whether a resource of body runs address from a
// lifecycle action_trigger.
func triggers(body *hclsyntax.Body, address string) bool {
	for _, r := range body.Blocks {
		if r.Type != "resource" {
			continue
		}
		for _, l := range r.Body.Blocks {
			if l.Type != "lifecycle" {
				continue
			}
			for _, at := range l.Body.Blocks {
				if a := at.Body.Attributes["actions"]; at.Type == "action_trigger" && a != nil {
					for _, v := range a.Expr.Variables() {
						if traversalString(v) == address {
							return true
						}
					}
				}
			}
		}
	}
	return false
}

func traversalString(tr hcl.Traversal) string {
	var parts []string
	for _, step := range tr {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			parts = append(parts, s.Name)
		case hcl.TraverseAttr:
			parts = append(parts, s.Name)
		}
	}
	return strings.Join(parts, ".")
}

// TestActionDocTemplates checks that templates/actions/*.md.tmpl are what
// the action schemas give (see the top of this file).
func TestActionDocTemplates(t *testing.T) {
	schemas := actionSchemas(t)
	update := os.Getenv("UPDATE_ACTION_DOCS") != ""
	dir := filepath.Join(repoRoot, "templates", "actions")
	for _, typeName := range actionTypeNames(t) {
		want := actionDocTemplate(typeName, schemas[typeName])
		path := filepath.Join(dir, strings.TrimPrefix(typeName, "gitlabjobs_")+".md.tmpl")
		if update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != want {
			t.Errorf("%s is missing or out of date (%v): run UPDATE_ACTION_DOCS=1 go test ./internal/provider -run TestActionDocTemplates, then make generate", path, err)
			continue
		}
		// make generate renders the template into docs/actions.
		doc := filepath.Join(repoRoot, "docs", "actions", strings.TrimPrefix(typeName, "gitlabjobs_")+".md")
		rendered, err := os.ReadFile(doc)
		schema := want[strings.Index(want, "<!-- action schema"):]
		if err != nil || !strings.HasSuffix(string(rendered), schema) {
			t.Errorf("%s is missing or out of date (%v): run make generate", doc, err)
		}
	}
}

// actionDocTemplate is an action's documentation page as tfplugindocs'
// default action template would render it, with the example included by
// tfplugindocs' tffile function.
func actionDocTemplate(typeName string, s *tfprotov6.Schema) string {
	var b strings.Builder
	b.WriteString("{{/* Generated from the action's schema by TestActionDocTemplates (internal/provider/job_actions_docs_test.go): do not edit. */ -}}\n")
	b.WriteString("---\n")
	fmt.Fprintf(&b, "page_title: \"%s Action - GitLab Jobs\"\n", typeName)
	b.WriteString("subcategory: \"\"\n")
	b.WriteString("description: |-\n")
	for _, line := range strings.Split(plainMarkdown(s.Block.Description), "\n") {
		b.WriteString("  " + line + "\n")
	}
	b.WriteString("---\n\n")
	fmt.Fprintf(&b, "# %s (Action)\n\n", typeName)
	b.WriteString(strings.TrimSpace(s.Block.Description) + "\n\n")
	b.WriteString("## Example Usage\n\n")
	fmt.Fprintf(&b, "{{ tffile %q }}\n\n", filepath.ToSlash(actionExamplePath(typeName)))
	b.WriteString("<!-- action schema generated from the provider by TestActionDocTemplates -->\n")
	b.WriteString("## Schema\n")
	writeAttributes(&b, s.Block.Attributes, "", "###")
	return b.String()
}

// writeAttributes writes attributes grouped as tfplugindocs does (Required,
// Optional; alphabetical), then the nested schemas of nested attributes.
func writeAttributes(b *strings.Builder, attrs []*tfprotov6.SchemaAttribute, anchor, heading string) {
	sorted := slices.Clone(attrs)
	slices.SortFunc(sorted, func(x, y *tfprotov6.SchemaAttribute) int { return strings.Compare(x.Name, y.Name) })
	var nested []*tfprotov6.SchemaAttribute
	for _, group := range []struct {
		title string
		in    func(*tfprotov6.SchemaAttribute) bool
	}{
		{"Required", func(a *tfprotov6.SchemaAttribute) bool { return a.Required }},
		{"Optional", func(a *tfprotov6.SchemaAttribute) bool { return a.Optional }},
	} {
		first := true
		for _, a := range sorted {
			if !group.in(a) {
				continue
			}
			if first {
				if heading == "" {
					fmt.Fprintf(b, "\n%s:\n\n", group.title)
				} else {
					fmt.Fprintf(b, "\n%s %s\n\n", heading, group.title)
				}
				first = false
			}
			fmt.Fprintf(b, "- `%s` (%s)", a.Name, attributeType(a))
			if desc := strings.TrimSpace(a.Description); desc != "" {
				b.WriteString(" " + desc)
			}
			if a.NestedType != nil {
				fmt.Fprintf(b, " (see [below for nested schema](#nestedatt--%s%s))", anchor, a.Name)
				nested = append(nested, a)
			}
			b.WriteString("\n")
		}
	}
	for _, a := range nested {
		fmt.Fprintf(b, "\n<a id=\"nestedatt--%s%s\"></a>\n### Nested Schema for `%s`\n", anchor, a.Name, strings.ReplaceAll(anchor, "--", ".")+a.Name)
		writeAttributes(b, a.NestedType.Attributes, anchor+a.Name+"--", "")
	}
}

func attributeType(a *tfprotov6.SchemaAttribute) string {
	if a.NestedType != nil {
		return "Attributes"
	}
	switch typ := a.Type.(type) {
	case tftypes.Map:
		return "Map of " + primitiveName(typ.ElementType)
	case tftypes.List:
		return "List of " + primitiveName(typ.ElementType)
	case tftypes.Set:
		return "Set of " + primitiveName(typ.ElementType)
	default:
		return primitiveName(a.Type)
	}
}

func primitiveName(t tftypes.Type) string {
	switch {
	case t.Is(tftypes.String):
		return "String"
	case t.Is(tftypes.Number):
		return "Number"
	case t.Is(tftypes.Bool):
		return "Boolean"
	default:
		return t.String()
	}
}

var markdownLink = regexp.MustCompile(`\[([^\]]+)\]\(([^)]+)\)`)

// plainMarkdown is Markdown as plain text, as tfplugindocs puts it in the
// front matter: no code spans, links as "text URL", paragraphs on lines.
func plainMarkdown(md string) string {
	s := markdownLink.ReplaceAllString(strings.TrimSpace(md), "$1 $2")
	s = strings.ReplaceAll(s, "`", "")
	return regexp.MustCompile(`\n\n+`).ReplaceAllString(s, "\n")
}
