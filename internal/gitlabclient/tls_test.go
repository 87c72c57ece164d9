package gitlabclient

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func writePEM(t *testing.T, name, typ string, der []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func newTLSServer(t *testing.T, mutate func(*tls.Config)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, jobJSON)
	}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	if mutate != nil {
		s.TLS = &tls.Config{}
		mutate(s.TLS)
	}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s, &calls
}

func TestTLSServerCertificate(t *testing.T) {
	s, calls := newTLSServer(t, nil)
	ca := writePEM(t, "ca.pem", "CERTIFICATE", s.Certificate().Raw)
	ctx := context.Background()

	_, err := newTestClient(t, s.URL).GetJob(ctx, "1", 7)
	if err == nil || !strings.Contains(err.Error(), "x509") || !strings.Contains(err.Error(), "cacert_file") {
		t.Errorf("an unknown CA must fail with a clear x509 error, got %v", err)
	}
	if strings.Contains(err.Error(), "after") {
		t.Errorf("a verification failure must not be retried: %v", err)
	}
	if _, err := newTestClient(t, s.URL, func(c *Config) { c.CACertFile = ca }).GetJob(ctx, "1", 7); err != nil {
		t.Errorf("with cacert_file: %v", err)
	}
	if _, err := newTestClient(t, s.URL, func(c *Config) { c.Insecure = true }).GetJob(ctx, "1", 7); err != nil {
		t.Errorf("with insecure: %v", err)
	}
	// The TLS settings also apply to an injected client with a plain transport.
	if _, err := newTestClient(t, s.URL, func(c *Config) { c.CACertFile, c.HTTPClient = ca, &http.Client{} }).GetJob(ctx, "1", 7); err != nil {
		t.Errorf("with cacert_file and an injected client: %v", err)
	}
	if calls.Load() != 3 {
		t.Errorf("%d requests reached the server, want 3", calls.Load())
	}

	// HTTPS to a plain HTTP server.
	plain := newServer(t, answer{status: 200, body: jobJSON})
	_, err = newTestClient(t, strings.Replace(plain.URL, "http://", "https://", 1)).GetJob(ctx, "1", 7)
	if err == nil || !strings.Contains(err.Error(), "plain HTTP") || plain.calls.Load() != 0 {
		t.Errorf("https to an http port: %v", err)
	}
}

func TestCACertFileErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	keyOnly := filepath.Join(dir, "key.pem")
	os.WriteFile(notPEM, []byte("hello"), 0o600)
	os.WriteFile(keyOnly, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}}), 0o600)
	badCert := writePEM(t, "bad.pem", "CERTIFICATE", []byte("junk"))
	for _, f := range []string{filepath.Join(dir, "missing.pem"), notPEM, keyOnly, badCert, dir} {
		if _, err := New(Config{CACertFile: f}); err == nil || !strings.Contains(err.Error(), "cacert_file") {
			t.Errorf("cacert_file %s: %v", f, err)
		}
	}
}

// newClientCA makes a CA and a client certificate it signed.
func newClientCA(t *testing.T) (pool *x509.CertPool, certFile, keyFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test client CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	pool = x509.NewCertPool()
	pool.AddCert(caCert)

	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "terraform"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	return pool, writePEM(t, "client.pem", "CERTIFICATE", der), writePEM(t, "client-key.pem", "PRIVATE KEY", keyDER)
}

func TestClientCertificate(t *testing.T) {
	pool, certFile, keyFile := newClientCA(t)
	s, calls := newTLSServer(t, func(c *tls.Config) {
		c.ClientAuth = tls.RequireAndVerifyClientCert
		c.ClientCAs = pool
	})
	ca := writePEM(t, "ca.pem", "CERTIFICATE", s.Certificate().Raw)
	ctx := context.Background()

	_, err := newTestClient(t, s.URL, func(c *Config) { c.CACertFile = ca }).GetJob(ctx, "1", 7)
	if err == nil {
		t.Error("the server requires a client certificate; a request without one must fail")
	}
	c := newTestClient(t, s.URL, func(c *Config) { c.CACertFile, c.ClientCert, c.ClientKey = ca, certFile, keyFile })
	if _, err := c.GetJob(ctx, "1", 7); err != nil {
		t.Errorf("with client_cert and client_key: %v", err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d requests reached the server, want 1", calls.Load())
	}

	if _, err := New(Config{ClientCert: certFile}); err == nil || !strings.Contains(err.Error(), "client_key") {
		t.Errorf("client_cert without client_key: %v", err)
	}
	if _, err := New(Config{ClientKey: keyFile}); err == nil || !strings.Contains(err.Error(), "client_cert") {
		t.Errorf("client_key without client_cert: %v", err)
	}
	if _, err := New(Config{ClientCert: keyFile, ClientKey: certFile}); err == nil || !strings.Contains(err.Error(), "client_cert/client_key") {
		t.Errorf("swapped files: %v", err)
	}
}
