package provider

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// skipCheckHint is the advice to turn the start-up check off, given only
// where that helps: a check endpoint the token may not read although the
// token can still read jobs.
const skipCheckHint = "If the token can read jobs but not this endpoint, set early_auth_check = false to skip this check."

// explainStartupError names what went wrong in the start-up check (GitLab
// rejected the credentials, GitLab is failing, rate limited, unreachable, a
// TLS problem, not GitLab's API) and the fix for that cause.
func explainStartupError(client *gitlabclient.Client, err error) (summary, fix string) {
	status := gitlabclient.StatusCode(err)
	fault := gitlabclient.ClassifyTransport(err) // the client's classification: TLS, plain HTTP
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case status == http.StatusUnauthorized:
		if client.UsesJobToken() {
			return "GitLab did not accept the provider's credentials",
				"The CI job token is invalid or its job is no longer running (job tokens are valid only while their " +
					"job runs). Run inside the job whose CI_JOB_TOKEN this is, or set token (GITLAB_TOKEN) to a " +
					"personal, project or group access token."
		}
		return "GitLab did not accept the provider's credentials",
			"Check that the token (token or GITLAB_TOKEN) is valid, not expired or revoked, and belongs to this " +
				"GitLab instance (base_url)."
	case status == http.StatusForbidden:
		return "GitLab did not accept the provider's credentials",
			"The token lacks a scope: give it `api` (to act on jobs) or `read_api` (to read them). " + skipCheckHint
	case status == http.StatusNotFound:
		return "base_url does not point at GitLab's API",
			"GitLab's API answered 404 for the check's endpoint: base_url should be the API root, e.g. " +
				"https://gitlab.example.com/api/v4/. " + skipCheckHint
	case status == http.StatusTooManyRequests:
		return "GitLab rate limited the provider",
			"GitLab (or a proxy in front of it) answered 429 Too Many Requests: the token or this machine's address " +
				"has used up its request budget. Wait a minute and apply again; the provider waits as GitLab asks " +
				"(Retry-After) up to `retries` times (raise it), and a GitLab administrator can raise the API rate limits."
	case status >= 500:
		return "GitLab is failing",
			"GitLab (or a proxy or load balancer in front of it) answered with a server error: it is down, " +
				"restarting or overloaded. Try again later, or check the " +
				"instance's status; reads are retried up to `retries` times."
	case status == http.StatusBadRequest && strings.Contains(err.Error(), "HTTP request to an HTTPS server"):
		return "base_url uses http:// but GitLab speaks HTTPS",
			"The server at base_url expects TLS: write base_url with https://."
	case fault == gitlabclient.FaultPlainHTTP:
		return "base_url uses https:// but the server speaks plain HTTP",
			"The server at base_url does not speak TLS on that port: write base_url with http:// (or the port of " +
				"GitLab's HTTPS)."
	case fault == gitlabclient.FaultUnknownAuthority, fault == gitlabclient.FaultHostname, fault == gitlabclient.FaultCertificate:
		return "GitLab's TLS certificate is not trusted",
			"The certificate of base_url's server could not be verified. If GitLab uses a private CA, set " +
				"cacert_file to its PEM certificate; check that base_url's host is the one in the certificate; " +
				"insecure = true skips the verification (for testing only)."
	case fault == gitlabclient.FaultTLSAlert:
		return "The TLS handshake with GitLab failed",
			"The server at base_url refused the TLS handshake (for example it requires a client certificate: set " +
				"client_cert and client_key)."
	case errors.As(err, &dnsErr):
		return "Cannot connect to GitLab at base_url",
			"The host in base_url could not be resolved: check its spelling and this machine's DNS."
	case errors.Is(err, syscall.ECONNREFUSED):
		return "Cannot connect to GitLab at base_url",
			"Nothing accepted the connection at base_url's host and port: check base_url (host, port, http:// or " +
				"https://), that GitLab is running, and that no firewall or proxy setting (HTTPS_PROXY) is in the way."
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), strings.HasSuffix(err.Error(), ": EOF"),
		strings.Contains(err.Error(), "EOF (after"):
		return "The connection to GitLab was broken",
			"The server at base_url (or a proxy or firewall on the way) closed the connection without an answer. " +
				"Try again; if it persists, check base_url and any proxy between this machine and GitLab."
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "GitLab did not answer in time",
			"The check's request to base_url timed out: GitLab may be overloaded, or a firewall drops the " +
				"connection. Check base_url and the network, and try again."
	case errors.As(err, &opErr):
		return "Cannot connect to GitLab at base_url",
			"The connection to base_url failed: check base_url, that GitLab is running, and the network."
	case strings.Contains(err.Error(), "did not answer like GitLab's API"):
		return "base_url does not point at GitLab's API",
			"The server at base_url answered, but not as GitLab's API does (a proxy's sign-in page, another web " +
				"site): base_url should be GitLab's API root, e.g. https://gitlab.example.com/api/v4/."
	}
	return "The provider's start-up check failed",
		"GitLab's answer was unexpected. Check base_url and the credentials; " + skipCheckHint
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
