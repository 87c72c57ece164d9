package gitlabsim

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Job artifacts in the store: a job whose seed lists artifact files carries a
// real zip archive built from them, deterministically (entries sorted by
// path, with their parent directories, a fixed modification time, deflate),
// and the metadata file GitLab's runner uploads beside it. The job's
// `artifacts` entries (archive and metadata) and `artifacts_file` get the
// sizes of what was built, so a client downloading the archive gets exactly
// `artifacts_file.size` bytes.
//
// A seed that declares an archive entry with a size but no files (older
// fixtures) gets an archive of exactly that size, one stored entry of
// filler bytes ("artifact.bin"), built when first downloaded.

// ArtifactFileSpec is one file of a job's artifacts archive.
type ArtifactFileSpec struct {
	// Path inside the archive ("dist/version.txt"), relative, no "..".
	Path string `json:"path"`
	// Content is the file's text; ContentBase64 its bytes, base64-encoded.
	Content       string `json:"content,omitempty"`
	ContentBase64 string `json:"content_base64,omitempty"`
	// Size, when neither content is given, is the size of a file of
	// deterministic filler text (lines of the alphabet), compressed well in
	// the archive: a 50 MB file makes a small archive.
	Size int64 `json:"size,omitempty"`
}

// archiveData is a job's artifacts archive as built.
type archiveData struct {
	zip     []byte // nil until built (filler archives are built on first use)
	size    int64  // the archive's size (the declared one of a filler archive)
	metaGz  []byte
	entries []ArchiveEntry
}

// ArchiveEntry is one entry of an artifacts archive.
type ArchiveEntry struct {
	Path string
	Size int64 // uncompressed
	Dir  bool
}

// zipModTime is the modification time of every archive entry.
var zipModTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const fillerLine = "abcdefghijklmnopqrstuvwxyz0123456789\n"

// fillerReader yields n bytes of filler lines.
type fillerReader struct{ left, off int64 }

func (f *fillerReader) Read(p []byte) (int, error) {
	if f.left <= 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && f.left > 0 {
		c := copy(p[n:], fillerLine[f.off%int64(len(fillerLine)):])
		if int64(c) > f.left {
			c = int(f.left)
		}
		n += c
		f.off += int64(c)
		f.left -= int64(c)
	}
	return n, nil
}

// FillerContent returns the content of a file given by size only: what the
// simulator puts in the archive for ArtifactFileSpec{Path, Size}.
func FillerContent(size int64) io.Reader { return &fillerReader{left: size} }

// validateArtifactFiles checks a job's artifact files and expiry.
func validateArtifactFiles(js JobSpec) error {
	seen := map[string]bool{}
	for i, f := range js.ArtifactFiles {
		p := f.Path
		if p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || path.Clean(p) != p ||
			p == ".." || strings.HasPrefix(p, "../") {
			return fmt.Errorf("job %q: artifact_files[%d].path %q must be a clean relative file path", js.Name, i, p)
		}
		if seen[p] {
			return fmt.Errorf("job %q: artifact_files[%d].path %q is given twice", js.Name, i, p)
		}
		seen[p] = true
		n := 0
		if f.Content != "" {
			n++
		}
		if f.ContentBase64 != "" {
			n++
			if _, err := base64.StdEncoding.DecodeString(f.ContentBase64); err != nil {
				return fmt.Errorf("job %q: artifact_files[%d].content_base64: %w", js.Name, i, err)
			}
		}
		if n > 1 || n == 1 && f.Size != 0 {
			return fmt.Errorf("job %q: artifact_files[%d]: give one of content, content_base64 or size", js.Name, i)
		}
		if f.Size < 0 {
			return fmt.Errorf("job %q: artifact_files[%d].size must not be negative", js.Name, i)
		}
	}
	if len(js.ArtifactFiles) > 0 && js.Bridge {
		return fmt.Errorf("job %q: a bridge has no artifacts", js.Name)
	}
	if js.ExpireIn != "" {
		if js.ArtifactsExpireAt != nil {
			return fmt.Errorf("job %q: give artifacts_expire_at or expire_in, not both", js.Name)
		}
		if _, _, err := parseExpireIn(js.ExpireIn); err != nil {
			return fmt.Errorf("job %q: expire_in: %w", js.Name, err)
		}
	}
	return nil
}

// parseExpireIn reads artifacts:expire_in as GitLab does (ChronicDuration):
// "never", a Go duration ("90m") or "<n> <unit>" pairs ("1 week", "2 days
// 3 hours"; months are 30 days, years 365).
func parseExpireIn(v string) (d time.Duration, never bool, err error) {
	v = strings.TrimSpace(strings.ToLower(v))
	if v == "never" {
		return 0, true, nil
	}
	if d, err := time.ParseDuration(v); err == nil {
		return d, false, nil
	}
	f := strings.Fields(v)
	if len(f) == 0 || len(f)%2 != 0 {
		return 0, false, fmt.Errorf("%q is not a duration (e.g. \"1 week\", \"30 days\", \"never\")", v)
	}
	units := map[string]time.Duration{
		"sec": time.Second, "second": time.Second, "min": time.Minute, "minute": time.Minute,
		"hr": time.Hour, "hour": time.Hour, "day": 24 * time.Hour, "week": 7 * 24 * time.Hour,
		"month": 30 * 24 * time.Hour, "year": 365 * 24 * time.Hour,
	}
	for i := 0; i < len(f); i += 2 {
		n, err := strconv.ParseInt(f[i], 10, 64)
		u, ok := units[strings.TrimSuffix(f[i+1], "s")]
		if err != nil || !ok || n < 0 {
			return 0, false, fmt.Errorf("%q is not a duration (e.g. \"1 week\", \"30 days\", \"never\")", v)
		}
		d += time.Duration(n) * u
	}
	return d, false, nil
}

// attachArtifacts gives a new job its archive and expiry from its spec
// (validated by validateArtifactFiles), after its timestamps are settled.
func (s *Sim) attachArtifacts(j *job, js JobSpec) {
	if js.ExpireIn != "" {
		d, never, _ := parseExpireIn(js.ExpireIn)
		if !never {
			base := s.opts.Now().UTC()
			if j.finishedAt != nil {
				base = *j.finishedAt
			}
			j.artifactsExp = timePtr(base.Add(d))
		}
	}
	if j.bridge {
		return
	}
	if len(js.ArtifactFiles) == 0 {
		for _, a := range j.artifacts {
			if a.fileType == "archive" {
				j.archive = &archiveData{size: a.size}
			}
		}
		return
	}
	ad := buildArchive(js.ArtifactFiles)
	archive := artifact{fileType: "archive", filename: "artifacts.zip", fileFormat: "zip", size: ad.size}
	meta := artifact{fileType: "metadata", filename: "metadata.gz", fileFormat: "gzip", size: int64(len(ad.metaGz))}
	rest := make([]artifact, 0, len(j.artifacts)+2)
	rest = append(rest, archive, meta)
	for _, a := range j.artifacts {
		// A declared archive or metadata entry takes the built one's size.
		if a.fileType != "archive" && a.fileType != "metadata" {
			rest = append(rest, a)
		}
	}
	j.artifacts = rest
	j.archive = ad
}

// buildArchive builds the zip and metadata of a job's artifact files.
func buildArchive(files []ArtifactFileSpec) *archiveData {
	sorted := append([]ArtifactFileSpec(nil), files...)
	sort.Slice(sorted, func(a, b int) bool { return sorted[a].Path < sorted[b].Path })
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	ad := &archiveData{}
	dirs := map[string]bool{}
	for _, f := range sorted {
		for _, d := range parentDirs(f.Path) {
			if dirs[d] {
				continue
			}
			dirs[d] = true
			h := &zip.FileHeader{Name: d, Method: zip.Store, Modified: zipModTime}
			h.SetMode(0o755 | 1<<31) // os.ModeDir
			if _, err := zw.CreateHeader(h); err != nil {
				panic(err)
			}
			ad.entries = append(ad.entries, ArchiveEntry{Path: d, Dir: true})
		}
		h := &zip.FileHeader{Name: f.Path, Method: zip.Deflate, Modified: zipModTime}
		h.SetMode(0o644)
		w, err := zw.CreateHeader(h)
		if err != nil {
			panic(err)
		}
		n, err := io.Copy(w, fileContent(f))
		if err != nil {
			panic(err)
		}
		ad.entries = append(ad.entries, ArchiveEntry{Path: f.Path, Size: n})
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	ad.zip = buf.Bytes()
	ad.size = int64(len(ad.zip))
	ad.metaGz = metadataOf(ad.entries)
	return ad
}

func fileContent(f ArtifactFileSpec) io.Reader {
	switch {
	case f.Content != "":
		return strings.NewReader(f.Content)
	case f.ContentBase64 != "":
		b, _ := base64.StdEncoding.DecodeString(f.ContentBase64)
		return bytes.NewReader(b)
	}
	return FillerContent(f.Size)
}

// parentDirs lists the directories of a path, outermost first, "/"-terminated.
func parentDirs(p string) []string {
	var out []string
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			out = append(out, p[:i+1])
		}
	}
	return out
}

// metadataOf is the archive's metadata file: gzip of a listing (GitLab's
// runner writes a binary format; the simulator only needs its size).
func metadataOf(entries []ArchiveEntry) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = io.WriteString(zw, "GitLab Build Artifacts Metadata 0.0.2\n")
	for _, e := range entries {
		_, _ = fmt.Fprintf(zw, "%s\t%d\n", e.Path, e.Size)
	}
	_ = zw.Close()
	return buf.Bytes()
}

// fillerArchive builds an archive of exactly size bytes: one stored entry
// of filler (or an empty archive when size is too small for an entry).
func fillerArchive(size int64) []byte {
	build := func(n int64) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		h := &zip.FileHeader{Name: "artifact.bin", Method: zip.Store, Modified: zipModTime}
		w, err := zw.CreateHeader(h)
		if err != nil {
			panic(err)
		}
		if _, err := io.Copy(w, FillerContent(n)); err != nil {
			panic(err)
		}
		if err := zw.Close(); err != nil {
			panic(err)
		}
		return buf.Bytes()
	}
	overhead := int64(len(build(0)))
	if size < overhead {
		var buf bytes.Buffer
		_ = zip.NewWriter(&buf).Close()
		return buf.Bytes()
	}
	return build(size - overhead)
}

// archiveBytes is the job's archive, built now if it is a filler archive.
// Called with s.mu held.
func (ad *archiveData) archiveBytes() []byte {
	if ad.zip == nil {
		ad.zip = fillerArchive(ad.size)
		ad.size = int64(len(ad.zip))
		if r, err := zip.NewReader(bytes.NewReader(ad.zip), ad.size); err == nil {
			for _, f := range r.File {
				ad.entries = append(ad.entries, ArchiveEntry{Path: f.Name, Size: int64(f.UncompressedSize64)})
			}
		}
	}
	return ad.zip
}
