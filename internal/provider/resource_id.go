package provider

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The IDs of the resources and data sources: "<project>:<id>[:<more ids>]",
// as the official GitLab provider writes them. formatID builds them,
// parseImportID reads them back (import). Each caller spells the project as
// it does today: the configured spelling (resources: plan.Project) or
// GitLab's normalized one (gitlabclient.Project.String()).

// formatID is "<project>:<id>[:<id>...]".
func formatID(project string, ids ...int64) string {
	var b strings.Builder
	b.WriteString(project)
	for _, id := range ids {
		b.WriteString(":")
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}

// parseImportID splits "<project>:<job_id>[:<more ids>]" into the project
// and n numeric IDs. GitLab paths never hold a colon.
func parseImportID(id string, names ...string) (gitlabclient.Project, []int64, error) {
	format := "<project>:<" + strings.Join(names, ">:<") + ">"
	parts := strings.Split(id, ":")
	if len(parts) != len(names)+1 {
		return gitlabclient.Project{}, nil, fmt.Errorf("the import ID %q is not %s, e.g. group/sub/project:%s", id, format, strings.Repeat("123:", len(names))[:len(names)*4-1])
	}
	project, err := gitlabclient.ParseProject(parts[0])
	if err != nil {
		return gitlabclient.Project{}, nil, fmt.Errorf("the import ID %q: %w", id, err)
	}
	ids := make([]int64, len(names))
	for i, s := range parts[1:] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return gitlabclient.Project{}, nil, fmt.Errorf("the import ID %q: %s %q is not a positive number (format %s)", id, names[i], s, format)
		}
		ids[i] = n
	}
	return project, ids, nil
}
