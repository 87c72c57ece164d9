package provider

import "testing"

// TestFormatIDParsesBack: an ID formatID builds is the one parseImportID
// reads.
func TestFormatIDParsesBack(t *testing.T) {
	for _, ids := range [][]int64{{42}, {42, 43}} {
		id := formatID("Group/Sub/Project", ids...)
		names := []string{"job_id", "new_job_id"}[:len(ids)]
		project, got, err := parseImportID(id, names...)
		if err != nil || project.String() != "Group/Sub/Project" || len(got) != len(ids) || got[0] != ids[0] || got[len(got)-1] != ids[len(ids)-1] {
			t.Errorf("formatID = %q, parsed back as %v %v %v", id, project, got, err)
		}
	}
	if got := formatID("7", 42, 43); got != "7:42:43" {
		t.Errorf("formatID = %q, want 7:42:43", got)
	}
}
