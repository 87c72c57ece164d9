package provider

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gitlabjobs/terraform-provider-gitlabjobs/internal/gitlabclient"
)

// The provider's stream_job_log: while a resource or an action waits for a
// job, the job's new log lines are shown as they come — an action's
// progress messages, a resource's INFO logs ("job 12 | $ make deploy") —,
// never by default (a log may hold secrets), and with every value the
// provider knows is sensitive (a play's variables) replaced by [MASKED].
//
// Each poll of the job reads the log from the bytes already seen on
// (gitlabclient.GetJobTraceFrom: a Range request; GitLab's API answers the
// whole trace, so the client drops what was seen). Only complete lines are
// shown; the last, unfinished one waits for the next poll, or for the
// job's end. Its cost per poll is one GET of the trace (BENCHMARKS.md, P6).

// maxStreamLines caps the lines one poll shows (the rest is summarized).
const maxStreamLines = 200

type logStreamer struct {
	client  *gitlabclient.Client
	project gitlabclient.Project
	masks   []string
	show    func(ctx context.Context, msg string)
	offset  int64  // bytes of the log read so far
	partial []byte // the unfinished last line
	jobID   int64
}

func newLogStreamer(client *gitlabclient.Client, project gitlabclient.Project, poll poller) *logStreamer {
	s := &logStreamer{client: client, project: project, show: poll.note}
	for _, m := range poll.masks {
		if m != "" {
			s.masks = append(s.masks, m)
			for _, line := range strings.Split(m, "\n") { // a multi-line value shows line by line
				if strings.TrimSpace(line) != "" {
					s.masks = append(s.masks, line)
				}
			}
		}
	}
	if s.show == nil {
		s.show = func(ctx context.Context, msg string) { tflog.Info(ctx, msg) }
	}
	return s
}

// onPoll shows the log lines added since the last poll of job.
func (s *logStreamer) onPoll(ctx context.Context, job *gitlabclient.Job) {
	if job.ID != s.jobID { // another job (a retry's new one): its own log
		s.jobID, s.offset, s.partial = job.ID, 0, nil
	}
	tail, restarted, err := s.client.GetJobTraceFrom(ctx, s.project.String(), job.ID, s.offset)
	if err != nil {
		tflog.Debug(ctx, "could not read the job's log to stream it", map[string]any{"job_id": job.ID, "error": err.Error()})
		return
	}
	if restarted {
		s.offset, s.partial = 0, nil
	}
	s.offset += int64(len(tail))
	data := append(s.partial, tail...)
	end := bytes.LastIndexByte(data, '\n')
	finished := gitlabclient.Finished(job.Status)
	var lines []byte
	switch {
	case finished:
		lines, s.partial = data, nil
	case end >= 0:
		lines, s.partial = data[:end+1], append([]byte(nil), data[end+1:]...)
	default:
		s.partial = data
		return
	}
	s.emit(ctx, job.ID, lines)
}

func (s *logStreamer) emit(ctx context.Context, jobID int64, raw []byte) {
	text := strings.ReplaceAll(string(logNoise.ReplaceAll(raw, nil)), "\r\n", "\n")
	text = strings.TrimRight(text, "\n")
	if text == "" {
		return
	}
	lines := strings.Split(text, "\n")
	skipped := 0
	if len(lines) > maxStreamLines {
		skipped = len(lines) - maxStreamLines
		lines = lines[skipped:]
	}
	if skipped > 0 {
		s.show(ctx, fmt.Sprintf("job %d | (%d earlier lines not shown)", jobID, skipped))
	}
	for _, line := range lines {
		if i := strings.LastIndexByte(line, '\r'); i >= 0 { // a progress bar redrawn: its last state
			line = line[i+1:]
		}
		s.show(ctx, fmt.Sprintf("job %d | %s", jobID, s.mask(line)))
	}
}

// mask replaces the sensitive values in line, longest first.
func (s *logStreamer) mask(line string) string {
	for _, m := range sortedByLength(s.masks) {
		line = strings.ReplaceAll(line, m, "[MASKED]")
	}
	return line
}

func sortedByLength(values []string) []string {
	out := append([]string(nil), values...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j]) > len(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
