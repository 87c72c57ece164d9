package gitlabclient

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Project identifies a GitLab project by numeric ID or full path.
type Project struct {
	ID   int64  // set for a numeric ID
	Path string // set for a path, e.g. "group/sub/project"
}

// segment is one namespace or project path component, after GitLab's
// Gitlab::PathRegex: letters, digits, '_', '-', '.'; not starting with '-'
// or '.', not ending in '.git' or '.atom'.
var segment = regexp.MustCompile(`^[\p{L}\p{N}_][\p{L}\p{N}_.\-]*$`)

// ParseProject accepts "123", "group/sub/project" or the URL-encoded
// "group%2Fsub%2Fproject".
func ParseProject(s string) (Project, error) {
	const valid = `a numeric project ID (e.g. "42") or the project's full path (e.g. "group/sub/project")`
	if s == "" {
		return Project{}, fmt.Errorf("the project is empty: give %s", valid)
	}
	if strings.TrimSpace(s) != s || strings.ContainsAny(s, " \t\r\n") {
		return Project{}, fmt.Errorf("project %q contains spaces: give %s", s, valid)
	}
	if strings.Contains(s, "%") {
		u, err := url.PathUnescape(s)
		if err != nil {
			return Project{}, fmt.Errorf("project %q is not a valid URL-encoded path: give %s", s, valid)
		}
		if strings.Contains(u, "%") {
			return Project{}, fmt.Errorf("project %q is encoded twice: give %s", s, valid)
		}
		s = u
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n <= 0 {
			return Project{}, fmt.Errorf("project ID %d must be positive: give %s", n, valid)
		}
		return Project{ID: n}, nil
	}
	if isDigits(s) {
		return Project{}, fmt.Errorf("project ID %s is too large: give %s", s, valid)
	}
	parts := strings.Split(s, "/")
	if len(parts) < 2 {
		return Project{}, fmt.Errorf("project %q is neither an ID nor a full path: a path needs its namespace, e.g. \"group/%s\"", s, s)
	}
	for _, p := range parts {
		switch {
		case p == "":
			return Project{}, fmt.Errorf("project %q has an empty path segment (a leading, trailing or double '/'): give %s", s, valid)
		case !segment.MatchString(p):
			return Project{}, fmt.Errorf("project %q: segment %q may only contain letters, digits, '_', '-' and '.', and must start with a letter, digit or '_'", s, p)
		case strings.HasSuffix(p, ".git") || strings.HasSuffix(p, ".atom"):
			return Project{}, fmt.Errorf("project %q: segment %q may not end in .git or .atom; give the path as GitLab shows it", s, p)
		}
	}
	return Project{Path: s}, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// String is the canonical form: "123" or "group/sub/project".
func (p Project) String() string {
	if p.Path != "" {
		return p.Path
	}
	return strconv.FormatInt(p.ID, 10)
}

// Escaped is the project as one URL path segment, as GitLab's API expects.
func (p Project) Escaped() string {
	if p.Path == "" {
		return strconv.FormatInt(p.ID, 10)
	}
	return strings.ReplaceAll(url.PathEscape(p.Path), ".", "%2E")
}
