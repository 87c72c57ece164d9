package gitlabclient_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// artWorld is a simWorld with a successful pipeline on main whose build
// carries version.txt, a binary file and a 2 MB log, expiring in a week.
type artWorld struct {
	*simWorld
	build, plain int64
}

func newArtWorld(t *testing.T, opts gitlabsim.Options) *artWorld {
	t.Helper()
	w := &artWorld{simWorld: newSimWorld(t, opts)}
	pl := w.sim.CreatePipeline(w.projID, gitlabsim.PipelineSpec{Ref: "main", UserID: w.userID, Jobs: []gitlabsim.JobSpec{
		{Name: "build", Stage: "build", Status: "success", ExpireIn: "1 week", ArtifactFiles: []gitlabsim.ArtifactFileSpec{
			{Path: "version.txt", Content: "1.4.0\n"},
			{Path: "dist/my file.bin", ContentBase64: "AAECAw=="},
			{Path: "big.log", Size: 2 << 20},
		}},
		{Name: "plain", Stage: "test", Status: "success"},
	}})
	w.build, w.plain = pl.JobIDs[0], pl.JobIDs[1]
	return w
}

func TestReadArtifactFile(t *testing.T) {
	w := newArtWorld(t, gitlabsim.Options{})
	ctx := context.Background()
	f, err := w.client.ReadArtifactFile(ctx, faultProject, gitlabclient.ArtifactSource{JobID: w.build}, "version.txt", 100)
	if err != nil || string(f.Content) != "1.4.0\n" || !strings.HasPrefix(f.ContentType, "text/plain") {
		t.Fatalf("version.txt: %+v, %v", f, err)
	}
	// Segments are escaped (a space), the ref route works with the job name.
	f, err = w.client.ReadArtifactFile(ctx, faultProject, gitlabclient.ArtifactSource{Ref: "main", JobName: "build"}, "dist/my file.bin", 100)
	if err != nil || string(f.Content) != "\x00\x01\x02\x03" {
		t.Fatalf("dist/my file.bin by ref: %q, %v", f, err)
	}
	// Exactly at the cap passes; one byte under fails, and says so.
	if _, err := w.client.ReadArtifactFile(ctx, faultProject, gitlabclient.ArtifactSource{JobID: w.build}, "version.txt", 6); err != nil {
		t.Errorf("a 6-byte file under a 6-byte cap: %v", err)
	}
	_, err = w.client.ReadArtifactFile(ctx, faultProject, gitlabclient.ArtifactSource{JobID: w.build}, "version.txt", 5)
	var tooLarge *gitlabclient.ArtifactTooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Size != 6 || tooLarge.Limit != 5 || !strings.Contains(err.Error(), `"version.txt" of job`) {
		t.Errorf("over the cap: %v", err)
	}
	// Missing file: Workhorse's 404; no archive: GitLab's.
	_, err = w.client.ReadArtifactFile(ctx, faultProject, gitlabclient.ArtifactSource{JobID: w.build}, "nope.txt", 100)
	if !gitlabclient.IsNotFound(err) || !gitlabclient.WorkhorseNotFound(err) {
		t.Errorf("missing file: %v", err)
	}
	_, err = w.client.ReadArtifactFile(ctx, faultProject, gitlabclient.ArtifactSource{JobID: w.plain}, "version.txt", 100)
	if !gitlabclient.IsNotFound(err) || gitlabclient.WorkhorseNotFound(err) {
		t.Errorf("no archive: %v", err)
	}
	for _, bad := range []string{"", "/version.txt", "a/../b", "dist/"} {
		if _, err := w.client.ReadArtifactFile(ctx, faultProject, gitlabclient.ArtifactSource{JobID: w.build}, bad, 100); err == nil {
			t.Errorf("path %q accepted", bad)
		}
	}
}

// A file over the cap stops the download: the client reads no more than
// the cap (plus a buffer) of a body far larger.
func TestReadArtifactFileStopsAtCap(t *testing.T) {
	var sent atomic.Int64
	big := strings.Repeat("x", 64<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		for i := 0; i < 1000; i++ { // 64 MB
			n, err := w.Write([]byte(big))
			sent.Add(int64(n))
			if err != nil {
				return
			}
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
		}
	}))
	defer srv.Close()
	c, err := gitlabclient.New(gitlabclient.Config{BaseURL: srv.URL, Token: "glpat-x"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ReadArtifactFile(context.Background(), "1", gitlabclient.ArtifactSource{JobID: 1}, "big.bin", 1<<20)
	var tooLarge *gitlabclient.ArtifactTooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Size != -1 {
		t.Fatalf("err %v", err)
	}
	// The server stops when the client goes; socket buffers hold a few MB at most.
	time.Sleep(100 * time.Millisecond)
	if n := sent.Load(); n > 16<<20 {
		t.Errorf("the server sent %d bytes for a 1 MiB cap: the download was drained, not stopped", n)
	}
}

// Reads go through faults: 5xx and resets before the answer are retried.
func TestReadArtifactFileUnderFaults(t *testing.T) {
	w := newArtWorld(t, gitlabsim.Options{})
	for _, f := range []gitlabsim.Fault{
		{Route: gitlabsim.RouteArtifactsFile, Kind: gitlabsim.FaultStatus, Status: 502, Calls: []int{1}},
		{Route: gitlabsim.RouteArtifactsFile, Kind: gitlabsim.FaultReset, Calls: []int{2}},
		{Route: gitlabsim.RouteArtifactsRefFile, Kind: gitlabsim.FaultRateLimited, Calls: []int{1}},
	} {
		w.sim.InjectFault(f)
	}
	f, err := w.client.ReadArtifactFile(context.Background(), faultProject, gitlabclient.ArtifactSource{JobID: w.build}, "big.log", 4<<20)
	if err != nil || len(f.Content) != 2<<20 {
		t.Fatalf("big.log through faults: %v", err)
	}
	if n := w.sim.RequestCount(gitlabsim.RouteArtifactsFile); n != 3 {
		t.Errorf("requests %d, want 3", n)
	}
	if _, err := w.client.ReadArtifactFile(context.Background(), faultProject, gitlabclient.ArtifactSource{Ref: "main", JobName: "build"}, "version.txt", 100); err != nil {
		t.Errorf("by ref through a 429: %v", err)
	}
}

func TestKeepAndDeleteArtifacts(t *testing.T) {
	w := newArtWorld(t, gitlabsim.Options{})
	ctx := context.Background()
	job, err := w.client.KeepArtifacts(ctx, faultProject, w.build)
	if err != nil || job.ArtifactsExpireAt != nil || !gitlabclient.HasArchive(job) {
		t.Fatalf("keep: %+v, %v", job, err)
	}
	if _, err := w.client.KeepArtifacts(ctx, faultProject, w.plain); !gitlabclient.IsNotFound(err) {
		t.Errorf("keep without artifacts: %v", err)
	}
	job, err = w.client.DeleteArtifacts(ctx, faultProject, w.build)
	if err != nil || gitlabclient.HasDeletableArtifacts(job) {
		t.Fatalf("delete: %+v, %v", job, err)
	}
	if n := w.sim.ActionCount(w.build, gitlabsim.ActionDeleteArtifacts); n != 1 {
		t.Errorf("deletes %d", n)
	}
}

// After an ambiguous failure the job is re-read: an applied keep or delete
// is not sent again; one that was not applied is.
func TestArtifactActionsReconcile(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name      string
		kind      gitlabsim.FaultKind
		status    int
		wantCount int
	}{
		{"502 after applying", gitlabsim.FaultStatusAfter, 502, 1},
		{"reset after applying", gitlabsim.FaultResetAfter, 0, 1},
		{"500 before applying", gitlabsim.FaultStatus, 500, 1},
		{"reset before applying", gitlabsim.FaultReset, 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newArtWorld(t, gitlabsim.Options{})
			w.sim.InjectFault(gitlabsim.Fault{Route: gitlabsim.RouteArtifactsKeep, Kind: c.kind, Status: c.status, Calls: []int{1}})
			w.sim.InjectFault(gitlabsim.Fault{Route: gitlabsim.RouteArtifactsDelete, Kind: c.kind, Status: c.status, Calls: []int{1}})
			job, err := w.client.KeepArtifacts(ctx, faultProject, w.build)
			if err != nil || job.ArtifactsExpireAt != nil {
				t.Fatalf("keep: %v", err)
			}
			if n := w.sim.ActionCount(w.build, gitlabsim.ActionKeepArtifacts); n != c.wantCount {
				t.Errorf("keeps applied %d, want %d", n, c.wantCount)
			}
			if _, err := w.client.DeleteArtifacts(ctx, faultProject, w.build); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if n := w.sim.ActionCount(w.build, gitlabsim.ActionDeleteArtifacts); n != c.wantCount {
				t.Errorf("deletes applied %d, want %d", n, c.wantCount)
			}
		})
	}
	// A keep whose answer was lost while someone deleted the artifacts: unknown.
	w := newArtWorld(t, gitlabsim.Options{})
	w.sim.InjectFault(gitlabsim.Fault{Route: gitlabsim.RouteArtifactsKeep, Kind: gitlabsim.FaultStatus, Status: 502, Calls: []int{1}})
	if err := w.sim.DeleteJobArtifacts(w.build); err != nil {
		t.Fatal(err)
	}
	_, err := w.client.KeepArtifacts(ctx, faultProject, w.build)
	var unknown *gitlabclient.UnknownOutcomeError
	if !errors.As(err, &unknown) {
		t.Errorf("keep of deleted artifacts after a 502: %v", err)
	}
}

func TestDownloadArtifactsArchive(t *testing.T) {
	w := newArtWorld(t, gitlabsim.Options{})
	ctx := context.Background()
	for _, src := range []gitlabclient.ArtifactSource{{JobID: w.build}, {Ref: "main", JobName: "build"}} {
		var buf bytes.Buffer
		n, err := w.client.DownloadArtifactsArchive(ctx, faultProject, src, 1<<20, func() io.Writer { buf.Reset(); return &buf })
		if err != nil || n != int64(buf.Len()) {
			t.Fatalf("%s: %d bytes, %v", src, n, err)
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), n)
		if err != nil || len(zr.File) != 4 { // version.txt, dist/, dist/my file.bin, big.log
			t.Errorf("%s: archive %v, %v", src, zr, err)
		}
		_, err = w.client.DownloadArtifactsArchive(ctx, faultProject, src, 100, func() io.Writer { return io.Discard })
		var tooLarge *gitlabclient.ArtifactTooLargeError
		if !errors.As(err, &tooLarge) || tooLarge.Size != n {
			t.Errorf("%s under a 100-byte cap: %v", src, err)
		}
	}
	_, err := w.client.DownloadArtifactsArchive(ctx, faultProject, gitlabclient.ArtifactSource{JobID: w.plain}, 100, func() io.Writer { return io.Discard })
	if !gitlabclient.IsNotFound(err) {
		t.Errorf("no archive: %v", err)
	}
}

// DownloadArtifactFile streams: the whole 2 MB file reaches the writer.
func TestDownloadArtifactFile(t *testing.T) {
	w := newArtWorld(t, gitlabsim.Options{})
	var n int64
	size, ctype, err := w.client.DownloadArtifactFile(context.Background(), faultProject, gitlabclient.ArtifactSource{JobID: w.build}, "big.log", 4<<20,
		func() io.Writer {
			n = 0
			return writerFunc(func(p []byte) (int, error) { n += int64(len(p)); return len(p), nil })
		})
	if err != nil || size != 2<<20 || n != size || ctype == "" {
		t.Fatalf("big.log: %d (%d written), %q, %v", size, n, ctype, err)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
