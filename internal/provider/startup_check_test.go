package provider

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabsim"
)

// TestEarlyAuthCheckNamesTheCause drives the start-up check into each way
// it can fail (the simulator's injected faults, a closed port, TLS spoken
// to a plain-HTTP port and the reverse, an untrusted certificate, a server
// that is not GitLab) and checks that the diagnostic names what happened
// and its fix, and blames the credentials only when GitLab rejected them.
func TestEarlyAuthCheckNamesTheCause(t *testing.T) {
	sim := gitlabsim.New(gitlabsim.Options{})
	admin := sim.CreateUser(gitlabsim.UserSpec{Username: "root", Admin: true})
	token := sim.CreatePersonalAccessToken(admin.ID, gitlabsim.TokenSpec{Name: "t", Scopes: []string{"api"}})
	readRepo := sim.CreatePersonalAccessToken(admin.ID, gitlabsim.TokenSpec{Name: "r", Scopes: []string{"read_repository"}})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	tlsSrv := httptest.NewUnstartedServer(sim)
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html>Welcome to nginx!</html>")
	}))
	defer plain.Close()
	closed := closedPort(t)

	const user = "GET /api/v4/user"
	cases := []struct {
		name    string
		baseURL string
		token   string
		fault   *gitlabsim.Fault
		want    string // regexp on summary + detail
	}{
		{"500", srv.URL, token, &gitlabsim.Fault{Route: user, Kind: gitlabsim.FaultStatus, Status: 500}, `^GitLab is failing:.*500.*down, restarting or overloaded.*Try again later`},
		{"503", srv.URL, token, &gitlabsim.Fault{Route: user, Kind: gitlabsim.FaultStatus, Status: 503}, `^GitLab is failing:.*503.*Try again later`},
		{"429", srv.URL, token, &gitlabsim.Fault{Route: user, Kind: gitlabsim.FaultRateLimited, RetryAfter: time.Second}, `^GitLab rate limited the provider:.*429.*Wait a minute.*retries`},
		{"reset", srv.URL, token, &gitlabsim.Fault{Route: user, Kind: gitlabsim.FaultReset}, `^The connection to GitLab was broken:.*closed the connection.*proxy`},
		{"refused", closed, token, nil, `^Cannot connect to GitLab at base_url:.*Nothing accepted the connection.*check base_url`},
		{"unknown host", "http://gitlab.invalid/", token, nil, `^Cannot connect to GitLab at base_url:.*could not be resolved`},
		{"https to plain HTTP", strings.Replace(srv.URL, "http://", "https://", 1), token, nil, `^base_url uses https:// but the server speaks plain HTTP:.*write base_url with http://`},
		{"http to HTTPS", strings.Replace(tlsSrv.URL, "https://", "http://", 1), token, nil, `^base_url uses http:// but GitLab speaks HTTPS:.*https://`},
		{"untrusted certificate", tlsSrv.URL, token, nil, `^GitLab's TLS certificate is not trusted:.*cacert_file`},
		{"not GitLab", plain.URL, token, nil, `^base_url does not point at GitLab's API:.*/api/v4/`},
		{"401", srv.URL, "glpat-wrong-token-value", nil, `^GitLab did not accept the provider's credentials:.*401.*not expired or revoked`},
		{"403", srv.URL, readRepo, nil, `^GitLab did not accept the provider's credentials:.*403.*read_api.*early_auth_check = false`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fault != nil {
				defer sim.InjectFault(*tc.fault)()
			}
			client, err := gitlabclient.New(gitlabclient.Config{BaseURL: tc.baseURL, Token: tc.token, Retries: 0})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			diags := earlyAuthCheck(ctx, client)
			if len(diags) != 1 || !diags.HasError() {
				t.Fatalf("want one error, got %v", diags)
			}
			got := diags[0].Summary() + ": " + diags[0].Detail()
			if !regexp.MustCompile(`(?s)` + tc.want).MatchString(got) {
				t.Errorf("diagnostic does not match %q:\n%s", tc.want, got)
			}
			if testing.Verbose() {
				t.Log(got)
			}
			if tc.token == token && strings.Contains(got, "credentials") {
				t.Errorf("blames the credentials for a failure that is not theirs:\n%s", got)
			}
			if strings.Contains(got, token) || strings.Contains(got, readRepo) {
				t.Errorf("the token leaks into the diagnostic:\n%s", got)
			}
		})
	}
}

// closedPort is a base URL on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/"
}
