package gitlabsim

import (
	"strings"
	"testing"
)

// TestInsertByID keeps the index in ID order whatever order jobs come in.
func TestInsertByID(t *testing.T) {
	var list []*job
	for _, id := range []int64{5, 9, 1, 7, 10, 3} {
		list = insertByID(list, &job{id: id})
	}
	list = removeByID(list, list[2]) // 5
	var got []string
	for _, j := range list {
		got = append(got, itoa(j.id))
	}
	if strings.Join(got, ",") != "1,3,7,9,10" {
		t.Errorf("index %v", got)
	}
}
