package gitlabclient

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// GetJobTraceFrom is GET /projects/:id/jobs/:job_id/trace from byte offset
// on, for streaming a running job's log. It asks for the new bytes only
// (Range: bytes=<offset>-); GitLab's API answers the trace in full
// (lib/api/ci/jobs.rb sends the whole trace: 200, no Range support), in
// which case the bytes before offset are dropped here, so either way the
// result is what follows offset. A log shorter than offset (erased, or
// archived differently) is returned whole with restarted set.
func (c *Client) GetJobTraceFrom(ctx context.Context, project string, jobID, offset int64) (tail []byte, restarted bool, err error) {
	path, err := jobPath(project, jobID, "/trace")
	if err != nil {
		return nil, false, err
	}
	var buf bytes.Buffer
	var opts []gitlab.RequestOptionFunc
	if offset > 0 {
		opts = append(opts, gitlab.WithHeader("Range", fmt.Sprintf("bytes=%d-", offset)))
	}
	resp, err := c.do(ctx, http.MethodGet, path, nil, &buf, opts...)
	if StatusCode(err) == http.StatusRequestedRangeNotSatisfiable {
		return nil, false, nil // nothing new, from a server that takes ranges
	}
	if err != nil {
		return nil, false, err
	}
	b := buf.Bytes()
	if resp != nil && resp.StatusCode == http.StatusPartialContent {
		return b, false, nil
	}
	if int64(len(b)) < offset {
		return b, true, nil
	}
	return b[offset:], false, nil
}
