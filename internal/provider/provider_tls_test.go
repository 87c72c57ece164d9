package provider_test

import (
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
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/acctest"
)

// TestAccProvider_tls serves the simulator over HTTPS, requiring a client
// certificate, and configures the provider's cacert_file, client_cert,
// client_key and insecure against it.
func TestAccProvider_tls(t *testing.T) {
	env := acctest.NewEnv(t)
	env.RequireSim(t, "serves the simulator over TLS")
	job := env.FinishedJob(t)
	dir := t.TempDir()
	clientCAs, certFile, keyFile := newClientCert(t, dir)
	srv := httptest.NewUnstartedServer(env.Sim)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs}
	srv.StartTLS()
	defer srv.Close()
	caFile := writePEMFile(t, dir, "server-ca.pem", "CERTIFICATE", srv.Certificate().Raw)

	cfg := func(attrs string) string {
		return fmt.Sprintf(`%s
provider "gitlabjobs" {
  base_url = %q
  token    = %q
%s
}

data "gitlabjobs_job" "test" {
  project = %q
  job_id  = %d
}
`, acctestTerraformBlock, srv.URL, env.Token, attrs, job.Project, job.JobID)
	}
	clientCert := fmt.Sprintf("  client_cert = %q\n  client_key = %q\n", certFile, keyFile)
	found := []statecheck.StateCheck{statecheck.ExpectKnownValue("data.gitlabjobs_job.test", attr("job_id"), knownvalue.Int64Exact(job.JobID))}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories(),
		Steps: []resource.TestStep{
			{Config: cfg(clientCert), ExpectError: regexp.MustCompile(`(?s)x509.*cacert_file`)},
			{Config: cfg(fmt.Sprintf("  cacert_file = %q\n", caFile)), ExpectError: regexp.MustCompile(`(?s)(certificate required|bad certificate|client_cert)`)},
			{Config: cfg(fmt.Sprintf("  cacert_file = %q\n", filepath.Join(dir, "missing.pem")) + clientCert), ExpectError: regexp.MustCompile(`(?s)cacert_file.*no\s+such\s+file`)},
			{Config: cfg(fmt.Sprintf("  cacert_file = %q\n", caFile) + clientCert), ConfigStateChecks: found},
			{Config: cfg("  insecure = true\n" + clientCert), ConfigStateChecks: found},
		},
	})
}

func writePEMFile(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	f := filepath.Join(dir, name)
	if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// newClientCert makes a CA and a client certificate it signed.
func newClientCert(t *testing.T, dir string) (*x509.CertPool, string, string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "client CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "terraform"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	return pool, writePEMFile(t, dir, "client.pem", "CERTIFICATE", der), writePEMFile(t, dir, "client-key.pem", "PRIVATE KEY", keyDER)
}
