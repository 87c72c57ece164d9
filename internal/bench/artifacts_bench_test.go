package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// P5: reading one file of a job's artifacts archive, 1 MiB and 50 MiB, from
// the simulator (GET /projects/:id/jobs/:job_id/artifacts/*artifact_path).
// The simulator runs in a child process (its binary, built once, seeded
// with one job whose archive holds the two files), so the heap measured is
// the reader's alone. Rows:
//
//   - impl=curl: `curl -o <file>`, the baseline: wall_ms, and max_rss_MB
//     (curl's whole resident set, from its rusage);
//   - impl=stream: the provider's client streaming the file to a file
//     (gitlabclient.DownloadArtifactFile): peak_MB is the Go heap above the
//     heap before the read — what the size cap's streaming costs;
//   - impl=memory: the provider's client reading the file into memory
//     (gitlabclient.ReadArtifactFile, what the data source does);
//   - impl=provider: the gitlabjobs_job_artifact_file data source's Read
//     through the plugin protocol (ReadDataSource), state encoding included:
//     the content goes into the Terraform state, so its memory is a few
//     times the file's.
//
// Reported: bytes (the file's size, checked), wall_ms, peak_MB and alloc_MB
// (Go rows), max_rss_MB (curl). peak_MB and max_rss_MB measure different
// things (a Go heap against a process's resident set): compare each with
// the file's size.

var artifactFileSizes = []int64{1 << 20, 50 << 20}

const artifactsBenchProject = "bench/artifacts"

func BenchmarkP5ArtifactFile(b *testing.B) {
	if _, err := exec.LookPath("curl"); err != nil {
		b.Skip("curl is not on PATH: it is the baseline")
	}
	baseURL, token := artifactsSim(b)
	dir := b.TempDir()
	for _, size := range artifactFileSizes {
		file := fmt.Sprintf("%dMiB.bin", size>>20)
		url := fmt.Sprintf("%sprojects/%s/jobs/1/artifacts/%s", baseURL, strings.ReplaceAll(artifactsBenchProject, "/", "%2F"), file)
		client, err := gitlabclient.New(gitlabclient.Config{BaseURL: baseURL, Token: token, Retries: 5})
		if err != nil {
			b.Fatal(err)
		}
		src := gitlabclient.ArtifactSource{JobID: 1}
		limit := size
		b.Run(fmt.Sprintf("size=%dMiB/impl=curl", size>>20), func(b *testing.B) {
			out := filepath.Join(dir, "curl-"+file)
			var wall time.Duration
			var rss int64
			for range b.N {
				cmd := exec.Command("curl", "-sS", "--fail", "-o", out, "-H", "PRIVATE-TOKEN: "+token, url)
				cmd.Stderr = os.Stderr
				start := time.Now()
				if err := cmd.Run(); err != nil {
					b.Fatalf("curl: %v", err)
				}
				wall = time.Since(start)
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
					rss = int64(ru.Maxrss) //nolint:unconvert // kilobytes on Linux; int32 on 32-bit targets
				}
			}
			checkSize(b, out, size)
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(size), "bytes")
			b.ReportMetric(float64(wall.Microseconds())/1000, "wall_ms")
			b.ReportMetric(float64(rss)/1024, "max_rss_MB")
		})
		benchGo(b, size, "stream", func(ctx context.Context) (int64, error) {
			f, err := os.Create(filepath.Join(dir, "stream-"+file))
			if err != nil {
				return 0, err
			}
			defer f.Close()
			n, _, err := client.DownloadArtifactFile(ctx, artifactsBenchProject, src, file, limit, func() io.Writer {
				_ = f.Truncate(0)
				_, _ = f.Seek(0, io.SeekStart)
				return f
			})
			return n, err
		})
		benchGo(b, size, "memory", func(ctx context.Context) (int64, error) {
			af, err := client.ReadArtifactFile(ctx, artifactsBenchProject, src, file, limit)
			if err != nil {
				return 0, err
			}
			return int64(len(af.Content)), nil
		})
		p := newTFProvider(b, baseURL, token, nil)
		ds := p.schema.DataSourceSchemas["gitlabjobs_job_artifact_file"]
		cfg := dynamicValue(b, ds, map[string]tftypes.Value{
			"project":  tftypes.NewValue(tftypes.String, artifactsBenchProject),
			"job_id":   tftypes.NewValue(tftypes.Number, 1),
			"path":     tftypes.NewValue(tftypes.String, file),
			"max_size": tftypes.NewValue(tftypes.Number, limit),
		})
		benchGo(b, size, "provider", func(ctx context.Context) (int64, error) {
			resp, err := p.srv.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: "gitlabjobs_job_artifact_file", Config: &cfg})
			if err != nil {
				return 0, err
			}
			for _, d := range resp.Diagnostics {
				if d.Severity == tfprotov6.DiagnosticSeverityError {
					return 0, fmt.Errorf("%s: %s", d.Summary, d.Detail)
				}
			}
			v, err := resp.State.Unmarshal(ds.ValueType())
			if err != nil {
				return 0, err
			}
			var attrs map[string]tftypes.Value
			if err := v.As(&attrs); err != nil {
				return 0, err
			}
			var n big.Float
			if err := attrs["size"].As(&n); err != nil {
				return 0, err
			}
			got, _ := n.Int64()
			return got, nil
		})
	}
}

// benchGo measures one in-process read: wall time, peak heap, allocations.
func benchGo(b *testing.B, size int64, impl string, read func(context.Context) (int64, error)) {
	b.Run(fmt.Sprintf("size=%dMiB/impl=%s", size>>20, impl), func(b *testing.B) {
		var wall time.Duration
		var peak, alloc float64
		for range b.N {
			mem := startMemSampler()
			start := time.Now()
			n, err := read(context.Background())
			wall = time.Since(start)
			p, a := mem.finish()
			if err != nil {
				b.Fatal(err)
			}
			if n != size {
				b.Fatalf("read %d bytes, want %d", n, size)
			}
			peak, alloc = max(peak, p), max(alloc, a)
		}
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(float64(size), "bytes")
		b.ReportMetric(float64(wall.Microseconds())/1000, "wall_ms")
		b.ReportMetric(peak, "peak_MB")
		b.ReportMetric(alloc, "alloc_MB")
	})
}

func checkSize(b *testing.B, path string, size int64) {
	b.Helper()
	st, err := os.Stat(path)
	if err != nil || st.Size() != size {
		b.Fatalf("%s: %v, %v bytes, want %d", path, err, st, size)
	}
}

// artifactsSim builds the simulator's binary, starts it on a seed of one
// job whose archive holds a 1 MiB and a 50 MiB file, and returns its API
// URL and token; it is stopped when the benchmark ends.
func artifactsSim(b *testing.B) (baseURL, token string) {
	b.Helper()
	dir := b.TempDir()
	bin := filepath.Join(dir, "gitlabsim")
	build := exec.Command("go", "build", "-o", bin, "github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim/cmd/gitlabsim")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		b.Fatalf("building the simulator: %v", err)
	}
	var files []string
	for _, s := range artifactFileSizes {
		files = append(files, fmt.Sprintf(`{"path": "%dMiB.bin", "size": %d}`, s>>20, s))
	}
	seed := fmt.Sprintf(`{"users": [{"username": "root", "admin": true, "tokens": [{"value": %q}]}],
"projects": [{"path": %q, "members": {"root": 50}, "pipelines": [{"id": 1, "ref": "main",
"jobs": [{"id": 1, "name": "build", "status": "success", "artifact_files": [%s]}]}]}]}`,
		benchToken, artifactsBenchProject, strings.Join(files, ", "))
	seedFile := filepath.Join(dir, "seed.json")
	envFile := filepath.Join(dir, "env")
	if err := os.WriteFile(seedFile, []byte(seed), 0o600); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "-seed", seedFile, "-env-file", envFile, "-no-runner")
	cmd.Stderr = io.Discard
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if f, err := os.Open(envFile); err == nil {
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if v, ok := strings.CutPrefix(sc.Text(), "GITLAB_BASE_URL="); ok {
					baseURL = v
				}
				if v, ok := strings.CutPrefix(sc.Text(), "GITLAB_TOKEN="); ok {
					token = v
				}
			}
			f.Close()
			if baseURL != "" && token != "" {
				if !strings.HasSuffix(baseURL, "/") {
					baseURL += "/"
				}
				return baseURL, token
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatal("the simulator did not start within a minute")
	return "", ""
}
