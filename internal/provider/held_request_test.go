package provider_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
)

// Test helpers for requests under way when Terraform is interrupted: a
// proxy in front of the simulator that holds one request and lets it land
// in GitLab whatever its client does (GitLab finishing a request whose
// client went away), and an apply interrupted by a real Ctrl-C.

// heldRequest says which request a holdingProxy holds and when it lands.
type heldRequest struct {
	// match picks the request to hold: the first that matches.
	match func(*http.Request) bool
	// wait returns when the held request r is to be forwarded.
	wait func(r *http.Request)
	// before, when set, runs before any other request is forwarded.
	before func(*http.Request)
}

// holdingProxy forwards requests to the simulator, holding the one h
// matches: read in full, detached from its client, and forwarded on its own
// once h.wait returns. arrived is closed when the held request arrives,
// landed when GitLab has answered it.
func holdingProxy(t *testing.T, env *acctest.Env, h heldRequest) (baseURL string, arrived, landed <-chan struct{}) {
	t.Helper()
	target, err := url.Parse(env.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	in, served := make(chan struct{}), make(chan struct{})
	var once sync.Once
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		held := false
		if h.match(r) {
			once.Do(func() { held = true })
		}
		if !held {
			if h.before != nil {
				h.before(r)
			}
			proxy.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		close(in)
		done := make(chan *httptest.ResponseRecorder, 1)
		go func() { // detached from the client: it lands whatever the client does
			h.wait(r)
			out := r.Clone(context.Background())
			out.Body = io.NopCloser(bytes.NewReader(body))
			out.RequestURI = ""
			rec := httptest.NewRecorder()
			proxy.ServeHTTP(rec, out)
			close(served)
			done <- rec
		}()
		select {
		case rec := <-done:
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	return strings.Replace(env.BaseURL, target.Scheme+"://"+target.Host, srv.URL, 1), in, served
}

// awaitLanded fails the test unless the held request lands within 90 s.
func awaitLanded(t *testing.T, landed <-chan struct{}) {
	t.Helper()
	select {
	case <-landed:
	case <-time.After(90 * time.Second):
		t.Fatal("the held request did not land within 90 s")
	}
}

// applyInterrupted runs apply and presses Ctrl-C (SIGINT) once arrived is
// closed; it returns the apply's output and its error.
func applyInterrupted(t *testing.T, cli *terraformCLI, arrived <-chan struct{}) (string, error) {
	t.Helper()
	cmd := cli.command("apply", "-auto-approve", "-input=false", "-no-color")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-arrived:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("the request did not arrive within 60 s:\n%s", out.String())
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	return out.String(), err
}
