package provider

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestProviderSchemaIsValid(t *testing.T) {
	ctx := context.Background()
	p := New("test")()
	var resp fwprovider.SchemaResponse
	p.Schema(ctx, fwprovider.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("provider schema: %v", resp.Diagnostics)
	}
	if diags := resp.Schema.ValidateImplementation(ctx); diags.HasError() {
		t.Fatalf("provider schema: %v", diags)
	}
	for _, name := range []string{"token", "job_token", "headers"} {
		if !resp.Schema.Attributes[name].IsSensitive() {
			t.Errorf("%s must be sensitive", name)
		}
	}

	for _, newDS := range p.DataSources(ctx) {
		ds := newDS()
		var meta datasource.MetadataResponse
		ds.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "gitlabjobs"}, &meta)
		var sr datasource.SchemaResponse
		ds.Schema(ctx, datasource.SchemaRequest{}, &sr)
		if diags := sr.Schema.ValidateImplementation(ctx); diags.HasError() {
			t.Errorf("%s schema: %v", meta.TypeName, diags)
		}
		if !hasAPILink(sr.Schema.MarkdownDescription) {
			t.Errorf("%s: MarkdownDescription must end with its upstream API link, got %q", meta.TypeName, sr.Schema.MarkdownDescription)
		}
	}
}

func hasAPILink(desc string) bool {
	const prefix = "(https://docs.gitlab.com/api/"
	for i := len(desc) - 1; i >= 0 && i >= len(desc)-200; i-- {
		if len(desc)-i > len(prefix) && desc[i:i+len(prefix)] == prefix {
			return desc[len(desc)-2:] == ")." || desc[len(desc)-1:] == ")"
		}
	}
	return false
}

func TestClientConfigCredentials(t *testing.T) {
	tests := []struct {
		name               string
		token, jobToken    string
		env                map[string]string
		wantToken, wantJob string
		wantBaseURL        string
		wantErr            bool
		noAutoCI           bool // enable_auto_ci_support = false
	}{
		{name: "token attribute", token: "glpat-a", wantToken: "glpat-a"},
		{name: "config token beats env", token: "glpat-a", env: map[string]string{EnvToken: "glpat-env"}, wantToken: "glpat-a"},
		{name: "GITLAB_TOKEN", env: map[string]string{EnvToken: "glpat-env"}, wantToken: "glpat-env"},
		{name: "job_token attribute", jobToken: "glcbt-j", wantJob: "glcbt-j"},
		{name: "job_token attribute beats GITLAB_TOKEN", jobToken: "glcbt-j", env: map[string]string{EnvToken: "glpat-env"}, wantJob: "glcbt-j"},
		{name: "CI_JOB_TOKEN only when no token", env: map[string]string{EnvJobToken: "glcbt-ci"}, wantJob: "glcbt-ci"},
		{name: "GITLAB_TOKEN beats CI_JOB_TOKEN", env: map[string]string{EnvToken: "glpat-env", EnvJobToken: "glcbt-ci"}, wantToken: "glpat-env"},
		{name: "job token given as token", token: "glcbt-as-token", wantJob: "glcbt-as-token"},
		{name: "no credentials", wantErr: true},
		{name: "GITLAB_BASE_URL", token: "t", env: map[string]string{EnvBaseURL: "https://a.example/api/v4/", EnvCIAPIURL: "https://ci.example/api/v4"}, wantToken: "t", wantBaseURL: "https://a.example/api/v4/"},
		{name: "CI_API_V4_URL", token: "t", env: map[string]string{EnvCIAPIURL: "https://ci.example/api/v4"}, wantToken: "t", wantBaseURL: "https://ci.example/api/v4"},
		// enable_auto_ci_support = false: GitLab CI's variables are not used.
		{name: "no auto CI: CI_JOB_TOKEN ignored", noAutoCI: true, env: map[string]string{EnvJobToken: "glcbt-ci"}, wantErr: true},
		{name: "no auto CI: CI_API_V4_URL ignored", noAutoCI: true, token: "t", env: map[string]string{EnvCIAPIURL: "https://ci.example/api/v4"}, wantToken: "t"},
		{name: "no auto CI: GITLAB_TOKEN and GITLAB_BASE_URL still used", noAutoCI: true, env: map[string]string{EnvToken: "glpat-env", EnvBaseURL: "https://a.example/api/v4/", EnvJobToken: "glcbt-ci", EnvCIAPIURL: "https://ci.example/api/v4"}, wantToken: "glpat-env", wantBaseURL: "https://a.example/api/v4/"},
		{name: "no auto CI: job_token attribute still used", noAutoCI: true, jobToken: "glcbt-j", env: map[string]string{EnvJobToken: "glcbt-ci"}, wantJob: "glcbt-j"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{EnvToken, EnvJobToken, EnvBaseURL, EnvCIAPIURL} {
				t.Setenv(k, tt.env[k])
			}
			cfg := providerModel{
				Token: stringOrNull(tt.token), JobToken: stringOrNull(tt.jobToken),
				Headers: types.MapNull(types.StringType), Retries: types.Int64Null(),
			}
			if tt.noAutoCI {
				cfg.AutoCISupport = types.BoolValue(false)
			}
			got, diags := cfg.clientConfig(context.Background(), "ua")
			if diags.HasError() != tt.wantErr {
				t.Fatalf("errors = %v, want error %v", diags, tt.wantErr)
			}
			if tt.wantErr {
				// The fix named: a token, and why CI_JOB_TOKEN was not used.
				detail := diags.Errors()[0].Detail()
				if !strings.Contains(detail, EnvToken) || tt.noAutoCI != strings.Contains(detail, "enable_auto_ci_support = false") {
					t.Errorf("missing token diagnostic %q: want %s named, and enable_auto_ci_support named (%v)", detail, EnvToken, tt.noAutoCI)
				}
				return
			}
			if got.Token != tt.wantToken || got.JobToken != tt.wantJob {
				t.Errorf("token %q job token %q, want %q and %q", got.Token, got.JobToken, tt.wantToken, tt.wantJob)
			}
			if got.BaseURL != tt.wantBaseURL {
				t.Errorf("base URL %q, want %q", got.BaseURL, tt.wantBaseURL)
			}
			if got.Retries != defaultRetries || got.UserAgent != "ua" {
				t.Errorf("retries %d user agent %q", got.Retries, got.UserAgent)
			}
		})
	}
}

// TestEarlyAuthCheckSetting: early_auth_check, else GITLAB_EARLY_AUTH_CHECK
// (as the official GitLab provider reads it), else on.
func TestEarlyAuthCheckSetting(t *testing.T) {
	tests := []struct {
		name    string
		attr    types.Bool
		env     string
		want    bool
		wantErr bool
	}{
		{name: "default", attr: types.BoolNull(), want: true},
		{name: "env false", attr: types.BoolNull(), env: "false", want: false},
		{name: "env 0", attr: types.BoolNull(), env: "0", want: false},
		{name: "env true", attr: types.BoolNull(), env: "true", want: true},
		{name: "attribute false", attr: types.BoolValue(false), want: false},
		{name: "attribute beats env", attr: types.BoolValue(true), env: "false", want: true},
		{name: "attribute false beats env true", attr: types.BoolValue(false), env: "true", want: false},
		{name: "env invalid", attr: types.BoolNull(), env: "maybe", wantErr: true},
		{name: "env invalid, attribute set", attr: types.BoolValue(false), env: "maybe", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvEarlyAuthCheck, tt.env)
			got, diags := providerModel{EarlyAuthCheck: tt.attr}.earlyAuthCheckEnabled()
			if diags.HasError() != tt.wantErr {
				t.Fatalf("errors = %v, want error %v", diags, tt.wantErr)
			}
			if tt.wantErr {
				d := diags.Errors()[0]
				if !strings.Contains(d.Detail(), EnvEarlyAuthCheck) || !strings.Contains(d.Detail(), `"maybe"`) || !strings.Contains(d.Detail(), "true or false") {
					t.Errorf("diagnostic %q must name %s, its value and the valid values", d.Detail(), EnvEarlyAuthCheck)
				}
				return
			}
			if got != tt.want {
				t.Errorf("early auth check = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestClientConfigRetriesAndHeaders(t *testing.T) {
	t.Setenv(EnvToken, "glpat-x")
	headers, _ := types.MapValue(types.StringType, map[string]attr.Value{"X-Proxy": types.StringValue("1")})
	cfg := providerModel{Retries: types.Int64Value(0), Headers: headers}
	got, diags := cfg.clientConfig(context.Background(), "ua")
	if diags.HasError() {
		t.Fatal(diags)
	}
	if got.Retries != 0 {
		t.Errorf("retries = %d, want an explicit 0 kept", got.Retries)
	}
	if got.Headers["X-Proxy"] != "1" {
		t.Errorf("headers = %v", got.Headers)
	}
}

func TestUnknownAttributes(t *testing.T) {
	cfg := providerModel{Token: types.StringUnknown(), BaseURL: types.StringUnknown(), Headers: types.MapNull(types.StringType)}
	got := cfg.unknownAttributes()
	if len(got) != 2 || got[0] != "base_url" || got[1] != "token" {
		t.Errorf("unknown attributes = %v, want [base_url token]", got)
	}
	if (providerData{unknownConfig: got}).clientOrNil() != nil {
		t.Error("an unknown configuration must not yield a client")
	}
}

func (d providerData) clientOrNil() any {
	c, diags := d.clientFor("test")
	if diags.HasError() {
		return nil
	}
	return c
}

func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// Every type's Configure takes the provider's data, ignores none (before
// the provider is configured), and reports any other type as an error, as
// the scaffolding provider does, instead of leaving the type unconfigured.
func TestConfigureProviderDataType(t *testing.T) {
	ctx := context.Background()
	p := &gitlabJobsProvider{}
	data := &providerData{}
	type configurable struct {
		name      string
		configure func(given any) (diagCount int, hasData bool)
	}
	var all []configurable
	for _, f := range p.Resources(ctx) {
		r := f()
		var md resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "gitlabjobs"}, &md)
		rc, ok := r.(resource.ResourceWithConfigure)
		if !ok {
			t.Fatalf("resource %s has no Configure", md.TypeName)
		}
		all = append(all, configurable{md.TypeName, func(given any) (int, bool) {
			var resp resource.ConfigureResponse
			rc.Configure(ctx, resource.ConfigureRequest{ProviderData: given}, &resp)
			return resp.Diagnostics.ErrorsCount(), reflectData(r) == data
		}})
	}
	for _, f := range p.DataSources(ctx) {
		d := f()
		var md datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "gitlabjobs"}, &md)
		dc, ok := d.(datasource.DataSourceWithConfigure)
		if !ok {
			t.Fatalf("data source %s has no Configure", md.TypeName)
		}
		all = append(all, configurable{md.TypeName, func(given any) (int, bool) {
			var resp datasource.ConfigureResponse
			dc.Configure(ctx, datasource.ConfigureRequest{ProviderData: given}, &resp)
			return resp.Diagnostics.ErrorsCount(), reflectData(d) == data
		}})
	}
	for _, f := range p.Actions(ctx) {
		a := f()
		var md action.MetadataResponse
		a.Metadata(ctx, action.MetadataRequest{ProviderTypeName: "gitlabjobs"}, &md)
		ac, ok := a.(action.ActionWithConfigure)
		if !ok {
			t.Fatalf("action %s has no Configure", md.TypeName)
		}
		all = append(all, configurable{md.TypeName, func(given any) (int, bool) {
			var resp action.ConfigureResponse
			ac.Configure(ctx, action.ConfigureRequest{ProviderData: given}, &resp)
			return resp.Diagnostics.ErrorsCount(), reflectData(a) == data
		}})
	}
	for _, c := range all {
		if n, _ := c.configure(nil); n != 0 {
			t.Errorf("%s: Configure before the provider is configured: %d errors, want none", c.name, n)
		}
		if n, _ := c.configure("not provider data"); n != 1 {
			t.Errorf("%s: Configure with a string: %d errors, want 1", c.name, n)
		}
		if n, got := c.configure(data); n != 0 || !got {
			t.Errorf("%s: Configure with the provider's data: %d errors, data kept %v", c.name, n, got)
		}
	}
}

// reflectData finds the *providerData a configured type keeps (in a field
// named data, or in an embedded struct's).
func reflectData(v any) *providerData {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		rv = rv.Elem()
	}
	var find func(reflect.Value) *providerData
	find = func(s reflect.Value) *providerData {
		for i := 0; i < s.NumField(); i++ {
			f := s.Field(i)
			switch {
			case s.Type().Field(i).Name == "data" && f.Type() == reflect.TypeOf((*providerData)(nil)):
				return (*providerData)(f.UnsafePointer())
			case f.Kind() == reflect.Struct && s.Type().Field(i).Anonymous:
				if d := find(f); d != nil {
					return d
				}
			}
		}
		return nil
	}
	return find(rv)
}
