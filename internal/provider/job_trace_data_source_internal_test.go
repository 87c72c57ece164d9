package provider

import "testing"

func TestTailLog(t *testing.T) {
	tests := []struct {
		name     string
		log      string
		lines    int
		maxBytes int
		want     string
		cut      bool
	}{
		{"no limits", "a\nb\nc\n", 0, 0, "a\nb\nc\n", false},
		{"last two lines", "a\nb\nc\n", 2, 0, "b\nc\n", true},
		{"last two lines, no final newline", "a\nb\nc", 2, 0, "b\nc", true},
		{"more lines asked than there are", "a\nb\n", 5, 0, "a\nb\n", false},
		{"exactly all lines", "a\nb\n", 2, 0, "a\nb\n", false},
		{"max bytes", "0123456789", 0, 4, "6789", true},
		{"max bytes larger than the log", "abc", 0, 10, "abc", false},
		{"never splits a UTF-8 character", "xé€", 0, 4, "€", true},
		{"lines then bytes", "aaaa\nbbbb\ncccc\n", 2, 6, "\ncccc\n", true},
		{"empty log", "", 3, 3, "", false},
	}
	for _, tt := range tests {
		got, cut := tailLog([]byte(tt.log), tt.lines, tt.maxBytes)
		if string(got) != tt.want || cut != tt.cut {
			t.Errorf("%s: tailLog(%q, %d, %d) = %q, %v; want %q, %v", tt.name, tt.log, tt.lines, tt.maxBytes, got, cut, tt.want, tt.cut)
		}
	}
}
