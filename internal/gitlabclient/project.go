package gitlabclient

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Project identifies a GitLab project by numeric ID or by full path.
type Project struct {
	ID   int64  // the numeric ID; 0 when the project is given by path
	Path string // the full path, e.g. "group/sub/project"; "" when given by ID
}

const (
	validProject   = `a numeric project ID (e.g. "42") or the project's full path (e.g. "group/sub/project")`
	maxSegmentSize = 255 // Namespace::URL_MAX_LENGTH
)

// ParseProject parses a project identifier: a numeric ID ("123"), a full
// path ("group/sub/project") or a URL-encoded full path
// ("group%2Fsub%2Fproject"). Paths follow GitLab's Gitlab::PathRegex: each
// segment has ASCII letters, digits, '_', '-' and '.', does not start with
// '-', and does not end in ".git" or ".atom"; a namespace (every segment but
// the last) does not end in '.'.
func ParseProject(s string) (Project, error) {
	if s == "" {
		return Project{}, fmt.Errorf("the project is empty: give %s", validProject)
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return Project{}, fmt.Errorf("project %q contains whitespace: give %s", s, validProject)
	}
	if strings.Contains(s, "://") {
		return Project{}, fmt.Errorf("project %q is a URL: give the project's path as it appears after the host (e.g. \"group/project\") or its numeric ID", s)
	}
	in := s
	if strings.Contains(s, "%") {
		dec, err := url.PathUnescape(s)
		if err != nil {
			return Project{}, fmt.Errorf("project %q has an invalid URL escape: give %s (or the path URL-encoded once, e.g. \"group%%2Fproject\")", in, validProject)
		}
		if strings.Contains(dec, "%") {
			return Project{}, fmt.Errorf("project %q looks URL-encoded twice: give %s (or the path URL-encoded once, e.g. \"group%%2Fproject\")", in, validProject)
		}
		if strings.IndexFunc(dec, unicode.IsSpace) >= 0 {
			return Project{}, fmt.Errorf("project %q contains whitespace: give %s", in, validProject)
		}
		s = dec
	}

	if id, ok, err := parseProjectID(s); ok {
		if err != nil {
			return Project{}, fmt.Errorf("project %q: %w", in, err)
		}
		return Project{ID: id}, nil
	}

	switch {
	case strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/"):
		return Project{}, fmt.Errorf("project %q starts or ends with '/': give the full path without slashes around it, e.g. \"group/project\"", in)
	case strings.Contains(s, "//"):
		return Project{}, fmt.Errorf("project %q has an empty path segment ('//'): give %s", in, validProject)
	}
	segs := strings.Split(s, "/")
	if len(segs) == 1 {
		return Project{}, fmt.Errorf("project %q is neither a numeric ID nor a full path: a path needs the project's namespace, e.g. \"group/%s\"", in, s)
	}
	for i, seg := range segs {
		if err := checkSegment(seg, i < len(segs)-1); err != nil {
			return Project{}, fmt.Errorf("project %q: %w", in, err)
		}
	}
	return Project{Path: s}, nil
}

// parseProjectID reports whether s is meant as a numeric ID (digits with an
// optional sign) and, if so, parses it.
func parseProjectID(s string) (int64, bool, error) {
	digits := strings.TrimLeft(s, "+-")
	if digits == "" || len(s)-len(digits) > 1 || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, false, nil
	}
	if s[0] == '-' || s[0] == '+' || strings.Trim(digits, "0") == "" {
		return 0, true, fmt.Errorf("a project ID must be a positive number without a sign, e.g. \"42\"")
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, true, fmt.Errorf("the project ID is too large")
	}
	return id, true, nil
}

func checkSegment(seg string, namespace bool) error {
	switch {
	case len(seg) > maxSegmentSize:
		return fmt.Errorf("path segment %.20q... is longer than %d characters", seg, maxSegmentSize)
	case seg == "." || seg == "..":
		return fmt.Errorf("%q is not a valid path segment", seg)
	case seg[0] == '-':
		return fmt.Errorf("path segment %q starts with '-', which GitLab does not allow", seg)
	case strings.HasSuffix(seg, ".git") || strings.HasSuffix(seg, ".atom"):
		return fmt.Errorf("path segment %q ends in .git or .atom, which GitLab does not allow: give the path as GitLab shows it (without .git)", seg)
	case namespace && strings.HasSuffix(seg, "."):
		return fmt.Errorf("namespace %q ends in '.', which GitLab does not allow", seg)
	}
	for _, r := range seg {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return fmt.Errorf("path segment %q contains %q: GitLab paths may contain only letters (a-z, A-Z), digits, '_', '-' and '.', with '/' between segments", seg, r)
		}
	}
	return nil
}

// String is the canonical form: "123" or "group/sub/project".
func (p Project) String() string {
	if p.Path != "" {
		return p.Path
	}
	return strconv.FormatInt(p.ID, 10)
}

// Escaped is the project as one URL path segment, as GitLab's API takes it:
// "123" or "group%2Fsub%2Fproject" (dots are escaped too, as client-go does,
// so that GitLab does not read ".json"-like endings as a format).
func (p Project) Escaped() string {
	if p.Path != "" {
		return gitlab.PathEscape(p.Path)
	}
	return strconv.FormatInt(p.ID, 10)
}
