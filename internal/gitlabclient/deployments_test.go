package gitlabclient

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

const blockedDeployment = `{"id":7,"iid":1,"status":"blocked","pending_approval_count":1,"deployable":{"id":42},` +
	`"environment":{"id":3,"name":"production"},"approvals":[],"approval_summary":{"rules":[{"id":1,"user_id":9,` +
	`"access_level_description":"Release Manager","required_approvals":1,"deployment_approvals":[]}]}}`

const approvedDeployment = `{"id":7,"iid":1,"status":"blocked","pending_approval_count":0,"deployable":{"id":42},` +
	`"approvals":[{"user":{"id":9,"username":"release-manager"},"status":"approved","comment":"ok"}]}`

func countPosts(s *server) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Method == http.MethodPost {
			n++
		}
	}
	return n
}

// An approval whose answer is lost (502) and that the re-read deployment
// shows by the token's user is applied: it is not sent again.
func TestApproveDeployment_LostAnswerApplied(t *testing.T) {
	s := newServer(t, answer{status: 502, body: `{"message":"502"}`}, answer{status: 200, body: approvedDeployment})
	c := newTestClient(t, s.URL)
	a, err := c.ApproveDeployment(context.Background(), "g/p", 7, ApprovalRequest{Status: ApprovalApproved, Comment: "ok"}, 9)
	if err != nil || a.Status != ApprovalApproved || a.User.ID != 9 {
		t.Fatalf("approval %+v %v", a, err)
	}
	if n := countPosts(s); n != 1 {
		t.Errorf("%d POSTs, want 1", n)
	}
	if got := s.bodies[0]; !strings.Contains(got, `"status":"approved"`) || !strings.Contains(got, `"comment":"ok"`) {
		t.Errorf("body %s", got)
	}
}

// Shown not applied (no approval by the user, after a 500 that ends the
// request), the approval is sent once more; another user's approval does
// not count.
func TestApproveDeployment_LostAnswerNotApplied(t *testing.T) {
	other := strings.Replace(approvedDeployment, `"id":9`, `"id":10`, 1)
	s := newServer(t, answer{status: 500, body: `{"message":"500"}`}, answer{status: 200, body: other},
		answer{status: 201, body: `{"user":{"id":9},"status":"approved"}`})
	c := newTestClient(t, s.URL)
	if _, err := c.ApproveDeployment(context.Background(), "g/p", 7, ApprovalRequest{Status: ApprovalApproved}, 9); err != nil {
		t.Fatal(err)
	}
	if n := countPosts(s); n != 2 {
		t.Errorf("%d POSTs, want 2", n)
	}
}

// A re-read that fails leaves the outcome unknown: nothing is sent again.
func TestApproveDeployment_Unknown(t *testing.T) {
	s := newServer(t, answer{status: 502, body: `{"message":"502"}`}, answer{status: 403, body: `{"message":"403 Forbidden"}`})
	c := newTestClient(t, s.URL)
	_, err := c.ApproveDeployment(context.Background(), "g/p", 7, ApprovalRequest{Status: ApprovalRejected}, 9)
	var unknown *ApprovalUnknownError
	if !errors.As(err, &unknown) || !strings.Contains(err.Error(), "rejection of deployment 7") {
		t.Fatalf("error %v", err)
	}
	if n := countPosts(s); n != 1 {
		t.Errorf("%d POSTs, want 1", n)
	}
}

// GitLab's refusal is returned as it is, never sent again.
func TestApproveDeployment_Refused(t *testing.T) {
	s := newServer(t, answer{status: 400, body: `{"message":"You cannot approve your own deployment. This configuration can be adjusted in the protected environment settings."}`})
	c := newTestClient(t, s.URL)
	_, err := c.ApproveDeployment(context.Background(), "g/p", 7, ApprovalRequest{Status: ApprovalApproved}, 9)
	if StatusCode(err) != 400 || !strings.Contains(err.Error(), "own deployment") || countPosts(s) != 1 {
		t.Fatalf("error %v, %d POSTs", err, countPosts(s))
	}
}

// A job's deployment is found in the deployments updated since its
// creation, newest first, and read one by one.
func TestJobDeployment(t *testing.T) {
	s := newServer(t,
		answer{status: 200, body: `[{"id":8,"deployable":{"id":43}},{"id":7,"deployable":{"id":42}}]`},
		answer{status: 200, body: blockedDeployment})
	c := newTestClient(t, s.URL)
	var job Job
	job.ID = 42
	d, err := c.JobDeployment(context.Background(), "g/p", &job)
	if err != nil || d.ID != 7 || !d.WaitingForApproval() || len(d.Summary.Unmet()) != 1 {
		t.Fatalf("deployment %+v %v", d, err)
	}
	if got := s.request(0).URL.RequestURI(); !strings.HasSuffix(got, "/projects/g%2Fp/deployments?order_by=id&per_page=100&sort=desc") {
		t.Errorf("list %s", got)
	}
	if got := s.request(1).URL.Path; got != "/api/v4/projects/g/p/deployments/7" {
		t.Errorf("get %s", got)
	}
	s2 := newServer(t, answer{status: 200, body: `[]`})
	if _, err := newTestClient(t, s2.URL).JobDeployment(context.Background(), "g/p", &job); !errors.Is(err, ErrNoDeployment) {
		t.Errorf("no deployment: %v", err)
	}
}
