package gitlabclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// APIError is a non-2xx answer from GitLab. Its text holds the request's
// method and path (never the query, which may carry a token) and GitLab's message.
type APIError struct {
	Method     string
	Path       string
	StatusCode int
	Message    string
}

func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	}
	return fmt.Sprintf("%s %s: %s", e.Method, e.Path, e.Message)
}

// Is makes errors.Is(err, gitlab.ErrNotFound) true for a 404.
func (e *APIError) Is(target error) bool {
	return target == gitlab.ErrNotFound && e.StatusCode == http.StatusNotFound
}

// IsNotFound reports whether err is GitLab's 404.
func IsNotFound(err error) bool { return errors.Is(err, gitlab.ErrNotFound) }

// StatusCode is the HTTP status of a GitLab error, or 0.
func StatusCode(err error) int {
	var e *APIError
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// notFoundHeader carries a 404 body's message from the transport, which sees
// the body, to apiError, which client-go gives only the headers.
const notFoundHeader = "X-Gitlabjobs-Not-Found-Message"

type notFoundCapture struct{ next http.RoundTripper }

func (t notFoundCapture) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusNotFound {
		return resp, err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.Header.Set(notFoundHeader, messageOf(body))
	return resp, nil
}

// apiError converts client-go's error for a request into an *APIError (or
// keeps a transport error, which carries no secret: the URL's query is dropped).
func apiError(method, path string, resp *gitlab.Response, err error) error {
	path = "/" + strings.TrimPrefix(path, "/")
	if resp == nil || resp.Response == nil {
		var uerr interface{ Unwrap() error }
		if errors.As(err, &uerr) && uerr.Unwrap() != nil {
			return fmt.Errorf("%s %s: %w", method, path, uerr.Unwrap())
		}
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	e := &APIError{Method: method, Path: path, StatusCode: resp.StatusCode}
	var er *gitlab.ErrorResponse
	switch {
	case resp.StatusCode == http.StatusNotFound:
		e.Message = resp.Header.Get(notFoundHeader)
	case errors.As(err, &er):
		e.Message = messageOf(er.Body)
	case resp.StatusCode < 300:
		// A 2xx whose body did not decode: not GitLab's API answering.
		return fmt.Errorf("%s %s: the answer is not GitLab API JSON (%v); check base_url points at GitLab's /api/v4/", method, path, err)
	}
	return e
}

// messageOf extracts GitLab's message from an error body: {"message": ...},
// {"error": ...} (with "error_description"), or — for what is not GitLab's
// JSON, like a proxy's HTML page — a short sanitized excerpt.
func messageOf(body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return ""
	}
	var v map[string]any
	if err := json.Unmarshal(body, &v); err == nil {
		if m, ok := v["message"]; ok {
			return flatten(m)
		}
		if m, ok := v["error"]; ok {
			s := flatten(m)
			if d, ok := v["error_description"].(string); ok && d != "" {
				s += ": " + d
			}
			return s
		}
	}
	excerpt := strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, string(body[:min(len(body), 200)]))
	return "the server did not answer like GitLab's API (check base_url): " + strings.Join(strings.Fields(excerpt), " ")
}

// flatten renders GitLab's message, which may be a string, a list or a map
// of field errors ({"base": ["..."], "key": ["is invalid"]}).
func flatten(m any) string {
	switch v := m.(type) {
	case string:
		return v
	case []any:
		parts := make([]string, 0, len(v))
		for _, x := range v {
			parts = append(parts, flatten(x))
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		parts := make([]string, 0, len(v))
		for k, x := range v {
			parts = append(parts, k+" "+flatten(x))
		}
		sortStrings(parts)
		return strings.Join(parts, "; ")
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}
