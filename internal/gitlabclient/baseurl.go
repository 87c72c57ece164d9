package gitlabclient

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// apiTypo matches a path segment that looks like a mistyped "api/v4":
// "apiv4", "api4", "api-v4", "api_v4", "v4", "v3".
var apiTypo = regexp.MustCompile(`(?i)^(api[-_.]?v?[0-9]+|v[0-9]+)$`)

// NormalizeBaseURL turns a GitLab URL into the URL of its REST API, ending in
// /api/v4/: "https://gitlab.example.com" and "https://gitlab.example.com/api/v4"
// both give "https://gitlab.example.com/api/v4/". A path other than /api/v4
// is GitLab's relative URL root ("https://host/gitlab" gives
// "https://host/gitlab/api/v4/"), unless it looks like a typo of /api/v4.
// "" gives https://gitlab.com/api/v4/.
func NormalizeBaseURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return defaultBaseURL, nil
	}
	shown := displayURL(s)
	if !strings.Contains(s, "://") {
		return "", fmt.Errorf("base_url %q has no scheme: add https:// in front, e.g. %q", shown, "https://"+strings.TrimPrefix(shown, "//"))
	}
	u, err := url.Parse(s)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // url.Error repeats the URL, which may hold a secret
		}
		return "", fmt.Errorf("base_url %q is not a valid URL (%w): give the GitLab URL, e.g. https://gitlab.example.com", shown, err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", fmt.Errorf("base_url %q: unsupported scheme %q; use https:// (or http://)", shown, u.Scheme)
	}
	if u.User != nil {
		return "", fmt.Errorf("base_url %q must not contain a user name or password: give credentials with token or job_token", shown)
	}
	if u.Hostname() == "" {
		return "", fmt.Errorf("base_url %q has no host: give the GitLab URL, e.g. https://gitlab.example.com", shown)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("base_url %q: port %q is not between 1 and 65535", shown, p)
		}
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#") {
		return "", fmt.Errorf("base_url %q must not have a query string (?...) or fragment (#...): give only the GitLab URL, e.g. https://gitlab.example.com/api/v4/", shown)
	}

	root := u.Scheme + "://" + strings.ToLower(u.Host)
	p := path.Clean("/" + u.Path)
	if p == "/" {
		p = ""
	}
	if strings.HasSuffix(p, "/api/v4") {
		return root + (&url.URL{Path: p + "/"}).EscapedPath(), nil
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, seg := range segs {
		prefix := strings.Join(segs[:i], "/")
		if prefix != "" {
			prefix = "/" + prefix
		}
		fix := root + (&url.URL{Path: prefix + "/api/v4/"}).EscapedPath()
		switch {
		case seg == "-":
			return "", fmt.Errorf("base_url %q is the URL of a page in GitLab, not of the GitLab instance: give the instance's URL, e.g. %q", shown, fix)
		case strings.EqualFold(seg, "api"):
			rest := strings.Join(segs[i+1:], "/")
			switch {
			case strings.EqualFold(rest, "v4"):
				return "", fmt.Errorf("base_url %q: the API path is lower case; use %q", shown, fix)
			case len(rest) > 3 && strings.EqualFold(rest[:3], "v4/"):
				return "", fmt.Errorf("base_url %q points inside the API (/%s): end it at /api/v4/, i.e. use %q", shown, rest[3:], fix)
			default:
				return "", fmt.Errorf("base_url %q: GitLab's REST API is at /api/v4/, not %s; use %q", shown, "/"+strings.Join(segs[i:], "/"), fix)
			}
		case apiTypo.MatchString(seg):
			return "", fmt.Errorf("base_url %q: %q looks like a typo of /api/v4; use %q", shown, "/"+seg, fix)
		}
	}
	return root + (&url.URL{Path: p + "/api/v4/"}).EscapedPath(), nil
}

// displayURL is raw without its query, fragment and user info, which may
// hold secrets, for error messages.
func displayURL(raw string) string {
	s := raw
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		host := rest
		if j := strings.Index(rest, "/"); j >= 0 {
			host = rest[:j]
		}
		if at := strings.LastIndex(host, "@"); at >= 0 {
			s = s[:i+3] + rest[at+1:]
		}
	} else if at := strings.LastIndex(strings.SplitN(s, "/", 2)[0], "@"); at >= 0 {
		s = s[at+1:]
	}
	return s
}
