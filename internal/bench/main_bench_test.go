package bench

import (
	"context"
	"os"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/provider"
)

func TestMain(m *testing.M) {
	if os.Getenv(simProcEnv) != "" {
		os.Exit(serveSimProcess())
	}
	code := m.Run()
	stopSimProcess()
	os.Exit(code)
}

// ---- memory ----

// memSampler measures the Go heap of this process during a run: the peak of
// the bytes in live and not yet swept heap objects (what HeapAlloc
// reports), sampled every millisecond with runtime/metrics (no
// stop-the-world), above the heap after a GC at the start; and the bytes
// allocated in all (TotalAlloc's delta).
type memSampler struct {
	stop, done chan struct{}
	base       uint64
	peak       uint64
	allocStart uint64
}

const (
	heapObjectsMetric = "/memory/classes/heap/objects:bytes"
	heapAllocsMetric  = "/gc/heap/allocs:bytes"
)

func readHeap() (objects, allocs uint64) {
	s := []metrics.Sample{{Name: heapObjectsMetric}, {Name: heapAllocsMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

func startMemSampler() *memSampler {
	runtime.GC()
	s := &memSampler{stop: make(chan struct{}), done: make(chan struct{})}
	s.base, s.allocStart = readHeap()
	s.peak = s.base
	go func() {
		defer close(s.done)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if h, _ := readHeap(); h > s.peak {
				s.peak = h
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// finish stops sampling and returns the peak heap above the start and the
// bytes allocated, in MB (10⁶ bytes).
func (s *memSampler) finish() (peakMB, allocMB float64) {
	close(s.stop)
	<-s.done
	h, allocs := readHeap()
	s.peak = max(s.peak, h)
	return float64(s.peak-s.base) / 1e6, float64(allocs-s.allocStart) / 1e6
}

// ---- the provider over the plugin protocol ----

// tfProvider is the provider as Terraform sees it: a tfprotov6 server.
type tfProvider struct {
	srv    tfprotov6.ProviderServer
	schema *tfprotov6.GetProviderSchemaResponse
}

// newTFProvider starts a provider server and configures it for baseURL with
// token. extra sets more provider attributes (retries, early_auth_check).
func newTFProvider(tb testing.TB, baseURL, token string, extra map[string]tftypes.Value) *tfProvider {
	tb.Helper()
	ctx := context.Background()
	srv, err := providerserver.NewProtocol6WithError(provider.New("bench")())()
	if err != nil {
		tb.Fatal(err)
	}
	sch, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		tb.Fatal(err)
	}
	failOnDiags(tb, "GetProviderSchema", sch.Diagnostics)
	set := map[string]tftypes.Value{
		"base_url":         tftypes.NewValue(tftypes.String, baseURL),
		"token":            tftypes.NewValue(tftypes.String, token),
		"early_auth_check": tftypes.NewValue(tftypes.Bool, false),
	}
	for k, v := range extra {
		set[k] = v
	}
	cfg := dynamicValue(tb, sch.Provider, set)
	resp, err := srv.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.9.0", Config: &cfg})
	if err != nil {
		tb.Fatal(err)
	}
	failOnDiags(tb, "ConfigureProvider", resp.Diagnostics)
	return &tfProvider{srv: srv, schema: sch}
}

// objectValue is an object of the schema's type with the given attributes
// set and every other one null.
func objectValue(s *tfprotov6.Schema, set map[string]tftypes.Value) (tftypes.Object, tftypes.Value) {
	typ := s.ValueType().(tftypes.Object)
	vals := make(map[string]tftypes.Value, len(typ.AttributeTypes))
	for name, at := range typ.AttributeTypes {
		if v, ok := set[name]; ok {
			vals[name] = v
		} else {
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	return typ, tftypes.NewValue(typ, vals)
}

func dynamicValue(tb testing.TB, s *tfprotov6.Schema, set map[string]tftypes.Value) tfprotov6.DynamicValue {
	tb.Helper()
	typ, v := objectValue(s, set)
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		tb.Fatal(err)
	}
	return dv
}

func failOnDiags(tb testing.TB, what string, diags []*tfprotov6.Diagnostic) {
	tb.Helper()
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			tb.Fatalf("%s: %s: %s", what, d.Summary, d.Detail)
		}
	}
}

func errorCount(diags []*tfprotov6.Diagnostic) int {
	n := 0
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			n++
		}
	}
	return n
}
