package gitlabsim_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// arts is the action tests' project (acts) with artifact pipelines on
// main: an older successful one whose build has files, a newer failed one
// whose build has files too, and jobs without or with expired artifacts.
type arts struct {
	*acts
	okPl, failPl                 gitlabsim.Pipeline
	okBuild, failBuild           int64 // jobs named "build" with files
	expired, noArtifacts, binary int64
	slashPl                      gitlabsim.Pipeline
}

var releaseFiles = []gitlabsim.ArtifactFileSpec{
	{Path: "version.txt", Content: "1.4.0\n"},
	{Path: "dist/image-digest.txt", Content: "sha256:abc\n"},
	{Path: "dist/logo.png", ContentBase64: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="},
	{Path: "big.log", Size: 100_000},
}

func newArts(t *testing.T) *arts {
	t.Helper()
	a := &arts{acts: newActs(t, gitlabsim.Options{RunnerDisabled: true})}
	s := a.sim
	a.okPl = s.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{Ref: "main", UserID: a.devU.ID, Jobs: []gitlabsim.JobSpec{
		{Name: "build", Stage: "build", Status: "success", Log: "ok\n", ArtifactFiles: releaseFiles, ExpireIn: "1 week",
			Artifacts: []gitlabsim.ArtifactSpec{{FileType: "trace", Filename: "job.log", FileFormat: "raw", Size: 3}}},
		{Name: "old", Stage: "build", Status: "success", ArtifactFiles: releaseFiles[:1], ExpireIn: "1 hour"},
		{Name: "nothing", Stage: "test", Status: "success"},
		{Name: "bin", Stage: "test", Status: "success", ArtifactFiles: releaseFiles[2:3]},
	}})
	a.okBuild, a.expired, a.noArtifacts, a.binary = a.okPl.JobIDs[0], a.okPl.JobIDs[1], a.okPl.JobIDs[2], a.okPl.JobIDs[3]
	a.failPl = s.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{Ref: "main", UserID: a.devU.ID, Jobs: []gitlabsim.JobSpec{
		{Name: "build", Stage: "build", Status: "success", ArtifactFiles: []gitlabsim.ArtifactFileSpec{{Path: "version.txt", Content: "broken\n"}}},
		{Name: "test", Stage: "test", Status: "failed"},
	}})
	a.failBuild = a.failPl.JobIDs[0]
	a.slashPl = s.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{Ref: "release/v1", UserID: a.devU.ID, Jobs: []gitlabsim.JobSpec{
		{Name: "build", Stage: "build", Status: "success", ArtifactFiles: []gitlabsim.ArtifactFileSpec{{Path: "version.txt", Content: "1.0.0\n"}}},
	}})
	// "old" expired an hour after it finished.
	a.clock.Advance(2 * time.Hour)
	return a
}

func (a *arts) artPath(jobID int64, rest string) string {
	return fmt.Sprintf("/api/v4/projects/%d/jobs/%d/artifacts%s", a.proj.ID, jobID, rest)
}

func (a *arts) refPath(rest string) string {
	return fmt.Sprintf("/api/v4/projects/%d/jobs/artifacts/%s", a.proj.ID, rest)
}

func (a *arts) send(method, path, token string) response {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, body}
}

func wantHeader(t *testing.T, r response, key, want string) {
	t.Helper()
	if got := r.header.Get(key); got != want {
		t.Errorf("%s: %q, want %q", key, got, want)
	}
}

func unzip(t *testing.T, b []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip archive: %v", err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		c, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = string(c)
	}
	return out
}

func TestArtifactsArchive(t *testing.T) {
	a := newArts(t)
	r := a.get(a.artPath(a.okBuild, ""), "PRIVATE-TOKEN", a.rep)
	wantStatus(t, r, 200, "")
	wantHeader(t, r, "Content-Type", "application/octet-stream")
	wantHeader(t, r, "Content-Disposition", `attachment; filename="artifacts.zip"; filename*=UTF-8''artifacts.zip`)
	wantHeader(t, r, "Content-Transfer-Encoding", "binary")
	files := unzip(t, r.body)
	want := map[string]string{"version.txt": "1.4.0\n", "dist/": "", "dist/image-digest.txt": "sha256:abc\n",
		"dist/logo.png": files["dist/logo.png"], "big.log": files["big.log"]}
	if len(files) != len(want) || files["version.txt"] != "1.4.0\n" || files["dist/image-digest.txt"] != "sha256:abc\n" {
		t.Errorf("archive holds %v", keys(files))
	}
	if len(files["big.log"]) != 100_000 || !strings.HasPrefix(files["big.log"], "abcdefghijklmnopqrstuvwxyz0123456789\nabc") {
		t.Errorf("big.log: %d bytes", len(files["big.log"]))
	}
	// The job's JSON gives the archive's and metadata's sizes and keeps the trace entry.
	job := a.job(a.okBuild)
	af, _ := job["artifacts_file"].(map[string]any)
	if af == nil || af["filename"] != "artifacts.zip" || af["size"] != float64(len(r.body)) {
		t.Errorf("artifacts_file %v, want artifacts.zip of %d bytes", job["artifacts_file"], len(r.body))
	}
	list, _ := job["artifacts"].([]any)
	if len(list) != 3 || list[0].(map[string]any)["file_type"] != "archive" || list[0].(map[string]any)["size"] != float64(len(r.body)) ||
		list[1].(map[string]any)["file_type"] != "metadata" || list[2].(map[string]any)["file_type"] != "trace" {
		t.Errorf("artifacts %v", list)
	}
	// expire_in "1 week" counts from finished_at.
	if job["artifacts_expire_at"] != apiTime(t0.Add(7*24*time.Hour)) {
		t.Errorf("artifacts_expire_at %v, want a week after %s", job["artifacts_expire_at"], t0)
	}
	// Deterministic: the same seed gives the same bytes.
	b := newArts(t)
	r2 := b.get(b.artPath(b.okBuild, ""), "PRIVATE-TOKEN", b.rep)
	if !bytes.Equal(r.body, r2.body) {
		t.Error("two simulators built different archives from the same seed")
	}
	// Jobs without an archive, expired ones and bridges: 404.
	wantStatus(t, a.get(a.artPath(a.noArtifacts, ""), "PRIVATE-TOKEN", a.rep), 404, `{"message":"404 Not Found"}`)
	wantStatus(t, a.get(a.artPath(a.expired, ""), "PRIVATE-TOKEN", a.rep), 404, `{"message":"404 Not Found"}`)
	wantStatus(t, a.get(a.artPath(a.bridgeDone, ""), "PRIVATE-TOKEN", a.rep), 404, `{"message":"404 Not found"}`)
	wantStatus(t, a.get(a.artPath(999999, ""), "PRIVATE-TOKEN", a.rep), 404, `{"message":"404 Not found"}`)
	// Reading needs read_build: guests and outsiders are refused.
	wantStatus(t, a.get(a.artPath(a.okBuild, ""), "PRIVATE-TOKEN", a.guest), 403, "")
	wantStatus(t, a.get(a.artPath(a.okBuild, ""), "PRIVATE-TOKEN", a.out), 404, `{"message":"404 Project Not Found"}`)
	wantStatus(t, a.get(a.artPath(a.okBuild, ""), "PRIVATE-TOKEN", a.read), 200, "")
	// Without credentials, a private project is not found (authenticate_non_get!).
	wantStatus(t, a.get(a.artPath(a.okBuild, "")), 404, `{"message":"404 Project Not Found"}`)
	wantStatus(t, a.get(fmt.Sprintf("/api/v4/projects/%d/jobs/abc/artifacts", a.proj.ID), "PRIVATE-TOKEN", a.rep), 400, `{"error":"job_id is invalid"}`)
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestArtifactFile(t *testing.T) {
	a := newArts(t)
	r := a.get(a.artPath(a.okBuild, "/dist/image-digest.txt"), "PRIVATE-TOKEN", a.rep)
	wantStatus(t, r, 200, "sha256:abc")
	wantHeader(t, r, "Content-Type", "text/plain; charset=utf-8")
	wantHeader(t, r, "Content-Disposition", `attachment; filename="image-digest.txt"`)
	wantHeader(t, r, "Content-Length", "11")
	r = a.get(a.artPath(a.binary, "/dist/logo.png"), "PRIVATE-TOKEN", a.rep)
	wantStatus(t, r, 200, "")
	wantHeader(t, r, "Content-Type", "image/png")
	if !bytes.HasPrefix(r.body, []byte("\x89PNG")) {
		t.Errorf("logo.png: % x", r.body[:8])
	}
	r = a.get(a.artPath(a.okBuild, "/big.log"), "PRIVATE-TOKEN", a.rep)
	if r.status != 200 || len(r.body) != 100_000 {
		t.Errorf("big.log: %d, %d bytes", r.status, len(r.body))
	}
	// A path not in the archive (or a directory): Workhorse's plain 404.
	for _, p := range []string{"/missing.txt", "/dist/", "/dist"} {
		r = a.get(a.artPath(a.okBuild, p), "PRIVATE-TOKEN", a.rep)
		wantStatus(t, r, 404, "404 page not found")
		wantHeader(t, r, "Content-Type", "text/plain; charset=utf-8")
	}
	// A ".." segment never reaches the route: GitLab's catch-all 404 (ServeHTTP).
	wantStatus(t, a.get(a.artPath(a.okBuild, "/dist/%2E%2E/version.txt"), "PRIVATE-TOKEN", a.rep), 404, `{"error":"404 Not Found"}`)
	// No archive, or expired: GitLab's JSON 404 (available_artifacts?).
	wantStatus(t, a.get(a.artPath(a.noArtifacts, "/version.txt"), "PRIVATE-TOKEN", a.rep), 404, `{"message":"404 Not Found"}`)
	wantStatus(t, a.get(a.artPath(a.expired, "/version.txt"), "PRIVATE-TOKEN", a.rep), 404, `{"message":"404 Not Found"}`)
	// Unknown sub-routes stay GitLab's catch-all.
	wantStatus(t, a.get(fmt.Sprintf("/api/v4/projects/%d/jobs/%d/nothing", a.proj.ID, a.okBuild), "PRIVATE-TOKEN", a.rep), 404, `{"error":"404 Not Found"}`)
	// The trace route is still the trace.
	wantStatus(t, a.get(a.jobPath(a.okBuild)+"/trace", "PRIVATE-TOKEN", a.rep), 200, "ok")
}

func TestArtifactsByRef(t *testing.T) {
	a := newArts(t)
	// The newest pipeline of main failed: the build of the older, successful one is served.
	r := a.get(a.refPath("main/download?job=build"), "PRIVATE-TOKEN", a.rep)
	wantStatus(t, r, 200, "")
	wantHeader(t, r, "Content-Disposition", `attachment; filename="artifacts.zip"; filename*=UTF-8''artifacts.zip`)
	if unzip(t, r.body)["version.txt"] != "1.4.0\n" {
		t.Error("main/download?job=build is not the successful pipeline's build")
	}
	r = a.get(a.refPath("main/raw/version.txt?job=build"), "PRIVATE-TOKEN", a.rep)
	wantStatus(t, r, 200, "1.4.0")
	wantHeader(t, r, "Content-Type", "text/plain; charset=utf-8")
	wantHeader(t, r, "Content-Disposition", `attachment; filename="version.txt"`)
	r = a.get(a.refPath("main/raw/dist/logo.png?job=bin"), "PRIVATE-TOKEN", a.rep)
	wantStatus(t, r, 200, "")
	wantHeader(t, r, "Content-Type", "image/png")
	// Refs with slashes.
	wantStatus(t, a.get(a.refPath("release/v1/raw/version.txt?job=build"), "PRIVATE-TOKEN", a.rep), 200, "1.0.0")
	wantStatus(t, a.get(a.refPath("release/v1/download?job=build"), "PRIVATE-TOKEN", a.rep), 200, "")
	// No such ref, job, file; an expired archive is not downloadable.
	wantStatus(t, a.get(a.refPath("nope/download?job=build"), "PRIVATE-TOKEN", a.rep), 404, `{"message":"404 Not found"}`)
	wantStatus(t, a.get(a.refPath("main/raw/version.txt?job=nope"), "PRIVATE-TOKEN", a.rep), 404, `{"message":"404 Not found"}`)
	wantStatus(t, a.get(a.refPath("main/raw/version.txt?job=old"), "PRIVATE-TOKEN", a.rep), 404, `{"message":"404 Not found"}`)
	wantStatus(t, a.get(a.refPath("main/raw/nope.txt?job=build"), "PRIVATE-TOKEN", a.rep), 404, "404 page not found")
	wantStatus(t, a.get(a.refPath("main/download"), "PRIVATE-TOKEN", a.rep), 400, `{"error":"job is missing"}`)
	wantStatus(t, a.get(a.refPath("main/download?job=build"), "PRIVATE-TOKEN", a.guest), 403, "")
	// When the newest pipeline of main succeeds, its build wins.
	if err := a.sim.SetJobStatus(a.failPl.JobIDs[1], "success"); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, a.get(a.refPath("main/raw/version.txt?job=build"), "PRIVATE-TOKEN", a.rep), 200, "broken")
}

func TestArtifactsJobToken(t *testing.T) {
	a := newArts(t)
	tok := a.sim.JobToken(a.e2e) // a running job of the same project
	for _, p := range []string{a.artPath(a.okBuild, ""), a.artPath(a.okBuild, "/version.txt"), a.refPath("main/raw/version.txt?job=build")} {
		wantStatus(t, a.get(p, "JOB-TOKEN", tok), 200, "")
		wantStatus(t, a.get(p+map[bool]string{true: "&", false: "?"}[strings.Contains(p, "?")]+"job_token="+tok), 200, "")
	}
	// Another project's job token does not reach this private project: it is
	// outside the job token allowlist (handle_job_token_failure!).
	other := a.sim.CreateProject(gitlabsim.ProjectSpec{Path: "other/app", Members: map[int64]int{a.devU.ID: gitlabsim.DeveloperAccess}})
	opl := a.sim.CreatePipeline(other.ID, gitlabsim.PipelineSpec{UserID: a.devU.ID, Jobs: []gitlabsim.JobSpec{{Name: "x", Status: "running"}}})
	wantStatus(t, a.get(a.artPath(a.okBuild, ""), "JOB-TOKEN", a.sim.JobToken(opl.JobIDs[0])), 403,
		`{"message":"403 Forbidden - Authentication by CI/CD job token not allowed from app to app."}`)
	// A finished job's token is no longer valid; keep and delete do not take job tokens.
	wantStatus(t, a.get(a.artPath(a.okBuild, ""), "JOB-TOKEN", a.sim.JobToken(a.okBuild)), 401, "")
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+a.artPath(a.okBuild, "/keep"), nil)
	req.Header.Set("JOB-TOKEN", tok)
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("keep with a job token: %d, want 401", resp.StatusCode)
	}
}

func TestKeepArtifacts(t *testing.T) {
	a := newArts(t)
	keep := a.artPath(a.okBuild, "/keep")
	wantStatus(t, a.send("POST", keep, a.rep), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, a.send("POST", keep, a.read), 403, "")
	wantStatus(t, a.send("POST", keep, ""), 401, "")
	if a.sim.ActionCount(a.okBuild, gitlabsim.ActionKeepArtifacts) != 0 {
		t.Fatal("a refused keep counted")
	}
	r := a.send("POST", keep, a.dev)
	wantStatus(t, r, 200, "")
	if m := r.json(t); m["artifacts_expire_at"] != nil || m["id"] != float64(a.okBuild) {
		t.Errorf("kept job: artifacts_expire_at %v", m["artifacts_expire_at"])
	}
	if a.sim.ArtifactsExpireAt(a.okBuild) != nil {
		t.Error("keep left artifacts_expire_at")
	}
	// Kept artifacts never expire; keeping again is a no-op 200.
	a.clock.Advance(30 * 24 * time.Hour)
	wantStatus(t, a.get(a.artPath(a.okBuild, "/version.txt"), "PRIVATE-TOKEN", a.rep), 200, "1.4.0")
	wantStatus(t, a.send("POST", keep, a.dev), 200, "")
	if n := a.sim.ActionCount(a.okBuild, gitlabsim.ActionKeepArtifacts); n != 2 {
		t.Errorf("keeps counted: %d", n)
	}
	// Nothing (or nothing unexpired) to keep: 404.
	wantStatus(t, a.send("POST", a.artPath(a.noArtifacts, "/keep"), a.dev), 404, `{"message":"404 Not Found"}`)
	wantStatus(t, a.send("POST", a.artPath(a.expired, "/keep"), a.dev), 404, `{"message":"404 Not Found"}`)
	wantStatus(t, a.send("POST", a.artPath(a.bridgeDone, "/keep"), a.dev), 404, `{"message":"404 Not found"}`)
	wantStatus(t, a.send("POST", fmt.Sprintf("/api/v4/projects/%d/jobs/%d/artifacts/keep", a.proj.ID+100, a.okBuild), a.dev), 404, `{"message":"404 Project Not Found"}`)
}

func TestDeleteArtifacts(t *testing.T) {
	a := newArts(t)
	del := a.artPath(a.okBuild, "")
	before := a.sim.ArtifactsExpireAt(a.okBuild)
	wantStatus(t, a.send("DELETE", del, a.dev), 403, `{"message":"403 Forbidden"}`)
	wantStatus(t, a.send("DELETE", del, ""), 401, "")
	r := a.send("DELETE", del, a.maint)
	wantStatus(t, r, 204, "")
	if len(r.body) != 0 {
		t.Errorf("204 with a body: %q", r.body)
	}
	// The archive and metadata are gone; the trace entry, the log and artifacts_expire_at stay.
	job := a.job(a.okBuild)
	if _, ok := job["artifacts_file"]; ok {
		t.Errorf("artifacts_file after delete: %v", job["artifacts_file"])
	}
	if list, _ := job["artifacts"].([]any); len(list) != 1 || list[0].(map[string]any)["file_type"] != "trace" {
		t.Errorf("artifacts after delete: %v", job["artifacts"])
	}
	if after := a.sim.ArtifactsExpireAt(a.okBuild); after == nil || !after.Equal(*before) {
		t.Errorf("artifacts_expire_at %v after delete, want %v", after, before)
	}
	wantStatus(t, a.get(a.jobPath(a.okBuild)+"/trace", "PRIVATE-TOKEN", a.rep), 200, "ok")
	wantStatus(t, a.get(del, "PRIVATE-TOKEN", a.rep), 404, `{"message":"404 Not Found"}`)
	wantStatus(t, a.get(a.artPath(a.okBuild, "/version.txt"), "PRIVATE-TOKEN", a.rep), 404, `{"message":"404 Not Found"}`)
	wantStatus(t, a.get(a.refPath("main/raw/version.txt?job=build"), "PRIVATE-TOKEN", a.rep), 404, `{"message":"404 Not found"}`)
	// Deleting again (nothing left) is still 204, and counted.
	wantStatus(t, a.send("DELETE", del, a.maint), 204, "")
	if n := a.sim.ActionCount(a.okBuild, gitlabsim.ActionDeleteArtifacts); n != 2 {
		t.Errorf("deletes counted: %d", n)
	}
	wantStatus(t, a.send("DELETE", a.artPath(a.bridgeDone, ""), a.maint), 404, `{"message":"404 Not found"}`)
}

func TestEraseRemovesArtifactFiles(t *testing.T) {
	a := newArts(t)
	wantStatus(t, a.do(a.okBuild, "erase", a.maint), 201, "")
	wantStatus(t, a.get(a.artPath(a.okBuild, "/version.txt"), "PRIVATE-TOKEN", a.rep), 404, `{"message":"404 Not Found"}`)
	wantStatus(t, a.get(a.artPath(a.okBuild, ""), "PRIVATE-TOKEN", a.rep), 404, "")
}

func TestArtifactRoutesTakeFaults(t *testing.T) {
	a := newArts(t)
	for _, route := range []string{gitlabsim.RouteArtifactsFile, gitlabsim.RouteArtifactsRefFile, gitlabsim.RouteArtifactsArchive, gitlabsim.RouteArtifactsRefArchive} {
		if _, err := a.sim.AddFault(gitlabsim.Fault{Route: route, Kind: gitlabsim.FaultStatus, Status: 503, Calls: []int{1}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{a.artPath(a.okBuild, "/version.txt"), a.refPath("main/raw/version.txt?job=build"), a.artPath(a.okBuild, ""), a.refPath("main/download?job=build")} {
		wantStatus(t, a.get(p, "PRIVATE-TOKEN", a.rep), 503, "")
		wantStatus(t, a.get(p, "PRIVATE-TOKEN", a.rep), 200, "")
	}
	if n := a.sim.RequestCount(gitlabsim.RouteArtifactsFile); n != 2 {
		t.Errorf("RequestCount(%s) = %d, want 2", gitlabsim.RouteArtifactsFile, n)
	}
	if a.checked.Load() == 0 {
		t.Error("no answer schema-checked")
	}
}

func TestArtifactSeeds(t *testing.T) {
	bad := []struct {
		spec gitlabsim.JobSpec
		want string
	}{
		{gitlabsim.JobSpec{Name: "a", ArtifactFiles: []gitlabsim.ArtifactFileSpec{{Path: "../x"}}}, "clean relative file path"},
		{gitlabsim.JobSpec{Name: "a", ArtifactFiles: []gitlabsim.ArtifactFileSpec{{Path: "/x"}}}, "clean relative file path"},
		{gitlabsim.JobSpec{Name: "a", ArtifactFiles: []gitlabsim.ArtifactFileSpec{{Path: "x"}, {Path: "x"}}}, "twice"},
		{gitlabsim.JobSpec{Name: "a", ArtifactFiles: []gitlabsim.ArtifactFileSpec{{Path: "x", Content: "a", Size: 3}}}, "one of"},
		{gitlabsim.JobSpec{Name: "a", ArtifactFiles: []gitlabsim.ArtifactFileSpec{{Path: "x", ContentBase64: "!!"}}}, "content_base64"},
		{gitlabsim.JobSpec{Name: "a", ExpireIn: "soon"}, "expire_in"},
		{gitlabsim.JobSpec{Name: "a", ExpireIn: "1 day", ArtifactsExpireAt: ptr(t0)}, "not both"},
	}
	for _, c := range bad {
		s := gitlabsim.New(gitlabsim.Options{})
		seed := fmt.Sprintf(`{"projects":[{"path":"g/p","pipelines":[{"jobs":[%s]}]}]}`, jobJSON(c.spec))
		err := s.LoadFixture(strings.NewReader(seed))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", seed, err, c.want)
		}
	}
	// expire_in "never" leaves artifacts_expire_at null.
	s := gitlabsim.New(gitlabsim.Options{})
	if err := s.LoadFixture(strings.NewReader(`{"projects":[{"path":"g/p","pipelines":[{"jobs":[{"id":7,"name":"b","status":"success","expire_in":"never","artifact_files":[{"path":"a.txt","content":"a"}]}]}]}]}`)); err != nil {
		t.Fatal(err)
	}
	if s.ArtifactsExpireAt(7) != nil {
		t.Error("expire_in never set artifacts_expire_at")
	}
	if e := s.ArchiveEntries(7); len(e) != 1 || e[0].Path != "a.txt" || e[0].Size != 1 {
		t.Errorf("entries %v", e)
	}
}

func jobJSON(js gitlabsim.JobSpec) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"name":%q,"status":"success"`, js.Name)
	if js.ExpireIn != "" {
		fmt.Fprintf(&b, `,"expire_in":%q`, js.ExpireIn)
	}
	if js.ArtifactsExpireAt != nil {
		fmt.Fprintf(&b, `,"artifacts_expire_at":%q`, js.ArtifactsExpireAt.Format(time.RFC3339))
	}
	if len(js.ArtifactFiles) > 0 {
		b.WriteString(`,"artifact_files":[`)
		for i, f := range js.ArtifactFiles {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"path":%q,"content":%q,"content_base64":%q,"size":%d}`, f.Path, f.Content, f.ContentBase64, f.Size)
		}
		b.WriteString("]")
	}
	b.WriteString("}")
	return b.String()
}

// The declared archive of an older fixture (a size, no files) is an
// archive of exactly that size.
func TestDeclaredArchiveSize(t *testing.T) {
	a := newArts(t)
	r := a.get(a.artPath(a.build, ""), "PRIVATE-TOKEN", a.rep) // acts' build declares 10 bytes: too small, an empty zip
	wantStatus(t, r, 200, "")
	if _, err := zip.NewReader(bytes.NewReader(r.body), int64(len(r.body))); err != nil {
		t.Errorf("not a zip: %v", err)
	}
	s := gitlabsim.New(gitlabsim.Options{})
	if err := s.LoadFixture(bytes.NewReader(gitlabsim.DemoFixture())); err != nil {
		t.Fatal(err)
	}
	entries := s.ArchiveEntries(1011)
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Path)
	}
	if strings.Join(names, ",") != "image-digest.txt,version.txt" {
		t.Errorf("demo build 1011 holds %v", names)
	}
	s2 := gitlabsim.New(gitlabsim.Options{})
	root := s2.CreateUser(gitlabsim.UserSpec{Username: "root", Admin: true})
	tok := s2.CreatePersonalAccessToken(root.ID, gitlabsim.TokenSpec{})
	p := s2.CreateProject(gitlabsim.ProjectSpec{Path: "g/p"})
	pl := s2.CreatePipeline(p.ID, gitlabsim.PipelineSpec{Jobs: []gitlabsim.JobSpec{{Name: "b", Status: "success",
		Artifacts: []gitlabsim.ArtifactSpec{{FileType: "archive", Filename: "artifacts.zip", FileFormat: "zip", Size: 5000}}}}})
	if e := s2.ArchiveEntries(pl.JobIDs[0]); len(e) != 1 || e[0].Path != "artifact.bin" {
		t.Errorf("filler archive entries %v", e)
	}
	srv := httptest.NewServer(s2)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v4/projects/%d/jobs/%d/artifacts", srv.URL, p.ID, pl.JobIDs[0]), nil)
	req.Header.Set("PRIVATE-TOKEN", tok)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(body) != 5000 {
		t.Errorf("declared 5000-byte archive: %d, %d bytes", resp.StatusCode, len(body))
	}
}

// Public projects' artifacts download without credentials
// (authenticate_non_get!); keep and delete still need a token.
func TestArtifactsPublicAnonymous(t *testing.T) {
	a := newArts(t)
	pub := a.sim.CreateProject(gitlabsim.ProjectSpec{Path: "open/source", Visibility: "public"})
	pl := a.sim.CreatePipeline(pub.ID, gitlabsim.PipelineSpec{Ref: "main", Jobs: []gitlabsim.JobSpec{
		{Name: "build", Status: "success", ArtifactFiles: []gitlabsim.ArtifactFileSpec{{Path: "v.txt", Content: "1\n"}}}}})
	base := fmt.Sprintf("/api/v4/projects/%d/jobs", pub.ID)
	wantStatus(t, a.get(fmt.Sprintf("%s/%d/artifacts/v.txt", base, pl.JobIDs[0])), 200, "1")
	wantStatus(t, a.get(base+"/artifacts/main/raw/v.txt?job=build"), 200, "1")
	wantStatus(t, a.get(fmt.Sprintf("%s/%d/artifacts", base, pl.JobIDs[0])), 200, "")
	wantStatus(t, a.send("POST", fmt.Sprintf("%s/%d/artifacts/keep", base, pl.JobIDs[0]), ""), 401, "")
	// A wrong token is still refused.
	wantStatus(t, a.get(fmt.Sprintf("%s/%d/artifacts/v.txt", base, pl.JobIDs[0]), "PRIVATE-TOKEN", "glpat-wrong"), 401, "")
}

// TestRetryUploadsArtifactsAgain: a retried job runs its script again, and
// when it succeeds the runner uploads its artifacts:paths again — the new
// job has its own archive (the same files) and expiry, counted from its own
// finish; the original keeps its own.
func TestRetryUploadsArtifactsAgain(t *testing.T) {
	a := newActs(t, gitlabsim.Options{RunDuration: 5 * time.Second})
	pl := a.sim.CreatePipeline(a.proj.ID, gitlabsim.PipelineSpec{Ref: "main", UserID: a.devU.ID, Jobs: []gitlabsim.JobSpec{
		{Name: "release", Stage: "build", Status: "success", ArtifactFiles: releaseFiles[:2], ExpireIn: "1 day"},
	}})
	old := pl.JobIDs[0]
	artPath := func(id int64) string { return fmt.Sprintf("/api/v4/projects/%d/jobs/%d/artifacts", a.proj.ID, id) }
	a.clock.Advance(time.Hour)
	r := a.do(old, "retry", a.dev)
	wantStatus(t, r, 201, "")
	retried := int64(r.json(t)["id"].(float64))
	// Until it has run, the new job has nothing to download.
	wantStatus(t, a.get(artPath(retried), "PRIVATE-TOKEN", a.dev), 404, `{"message":"404 Not Found"}`)
	if m := a.job(retried); m["artifacts_file"] != nil || m["artifacts_expire_at"] != nil {
		t.Errorf("before it ran: artifacts_file %v, artifacts_expire_at %v", m["artifacts_file"], m["artifacts_expire_at"])
	}
	a.clock.Advance(time.Minute)
	m := a.job(retried)
	if m["status"] != "success" {
		t.Fatalf("retried job %v, want success", m["status"])
	}
	finished, err := time.Parse(time.RFC3339, m["finished_at"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if m["artifacts_expire_at"] != apiTime(finished.Add(24*time.Hour)) {
		t.Errorf("artifacts_expire_at %v, want a day after %s", m["artifacts_expire_at"], finished)
	}
	r = a.get(artPath(retried), "PRIVATE-TOKEN", a.dev)
	wantStatus(t, r, 200, "")
	files := unzip(t, r.body)
	if len(files) != 3 || files["version.txt"] != "1.4.0\n" || files["dist/image-digest.txt"] != "sha256:abc\n" {
		t.Errorf("the retried job's archive holds %v", keys(files))
	}
	if o := a.job(old); o["artifacts_expire_at"] != apiTime(t0.Add(24*time.Hour)) {
		t.Errorf("the original's artifacts_expire_at %v, want its own", o["artifacts_expire_at"])
	}
	wantStatus(t, a.get(artPath(old), "PRIVATE-TOKEN", a.dev), 200, "")
	a.allChecked()
}
