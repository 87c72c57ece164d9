package schemacheck

import (
	"net/http"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The answers of the groups' and members' routes (the simulator's
// groups.go and members.go), checked against extra/group.json,
// extra/member.json and extra/project_group_link.json, written after
// lib/api/entities/group_detail.rb, member.rb and project_group_link.rb.

var (
	memberOnce    sync.Once
	memberSchemas map[string]*jsonschema.Schema
	memberErr     error
)

func loadMemberSchemas() {
	memberSchemas, memberErr = compileExtra("project.json", "group.json", "member.json", "project_group_link.json") // guards.go
}

// memberRoutes maps each route to its schema and whether it answers a list.
var memberRoutes = map[string]struct {
	schema string
	list   bool
}{
	"GET /api/v4/groups/{id}":               {"group.json", false},
	"GET /api/v4/groups/{id}/members":       {"member.json", true},
	"GET /api/v4/groups/{id}/members/all":   {"member.json", true},
	"POST /api/v4/groups/{id}/members":      {"member.json", false},
	"GET /api/v4/projects/{id}/members/all": {"member.json", true},
	"POST /api/v4/projects/{id}/share":      {"project_group_link.json", false},
}

// checkMemberRoute checks a success answer of a group or member route;
// handled is false for other routes.
func (c *Checker) checkMemberRoute(route string, status int, header http.Header, body []byte) (handled bool, err error) {
	r, ok := memberRoutes[route]
	if !ok {
		return false, nil
	}
	if err := wantCreatedJSON(route, status, header); err != nil { // guards.go
		return true, err
	}
	memberOnce.Do(loadMemberSchemas)
	if memberErr != nil {
		return true, memberErr
	}
	check := func(item []byte) error { return validate(memberSchemas[r.schema], item) }
	if r.list {
		return true, eachItem(body, check)
	}
	return true, check(body)
}
