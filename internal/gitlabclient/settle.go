package gitlabclient

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// settling is one POST that changes GitLab's state and must be applied at
// most once (a job action, a deployment approval), and how to tell from a
// re-read whether it was. settle sends it and, after an ambiguous failure,
// sends it again only when the re-read proved it was not applied (see the
// top of actions.go).
type settling[T any] struct {
	what   string         // for the logs: "play of job 12", "approval of deployment 3"
	fields map[string]any // for the logs
	send   func(ctx context.Context) (T, error)
	// check returns applied (and the value to return) when the re-read
	// shows the POST was applied; why says what the re-read showed. An
	// error means the re-read failed or cannot tell.
	check func(ctx context.Context) (v T, applied bool, why string, err error)
	// unknown is the error when the outcome stays open: cause the failure
	// that left it open, err why it was not settled.
	unknown func(cause, err error) error
	// notApplied is the error after the last attempt was shown not applied.
	notApplied func(sent int, last error, why string) error
	// readSkipped is the message of an unknown outcome when the context
	// ended before the re-read: "the job was not re-read ...".
	readSkipped string
}

func settle[T any](ctx context.Context, c *Client, a settling[T]) (T, error) {
	var zero T
	var open error // the last failure that left the outcome open
	for sent := 1; ; sent++ {
		v, err := a.send(ctx)
		if err == nil {
			if sent > 1 {
				tflog.Info(ctx, a.what+" applied when sent again", a.fields)
			}
			return v, nil
		}
		ambiguous := fateUnknown(err)
		if !ambiguous && open == nil {
			return zero, err // a 4xx, or the request never reached GitLab
		}
		if ambiguous {
			open = err
		}
		ended := func() error {
			return a.unknown(open, fmt.Errorf("%s because the operation ended (%w)", a.readSkipped, ctx.Err()))
		}
		if ctx.Err() != nil {
			return zero, ended() // the caller gave up: nothing more is sent or read
		}

		// Ambiguous, or a re-send that GitLab refused, perhaps because an
		// earlier attempt was applied meanwhile: look.
		got := failure(err)
		v, applied, why, cerr := a.check(ctx)
		if cerr == nil && !applied && ambiguous && mayBeUnderWay(err) {
			// "Not applied" may only mean "not yet": look again in a moment.
			wait := c.settleWait()
			tflog.Warn(ctx, fmt.Sprintf("%s got %s; %s yet; looking again in %s, as the request may still be under way in GitLab", a.what, got, why, wait), a.fields)
			if c.sleep(ctx, wait) != nil {
				return zero, ended()
			}
			v, applied, why, cerr = a.check(ctx)
		}
		switch {
		case cerr != nil:
			tflog.Warn(ctx, fmt.Sprintf("%s got %s; whether it was applied is unknown: %v", a.what, got, cerr), a.fields)
			return zero, a.unknown(open, cerr)
		case applied:
			again := ""
			if !ambiguous {
				again = ", sent again," // and refused: an earlier attempt was applied
			}
			tflog.Warn(ctx, fmt.Sprintf("%s%s got %s; %s", a.what, again, got, why), a.fields)
			return v, nil
		case !ambiguous:
			return zero, err // GitLab refused the re-send, and nothing was applied
		case sent > maxResends:
			tflog.Warn(ctx, fmt.Sprintf("%s got %s; %s; giving up after %d attempts", a.what, got, why, sent), a.fields)
			if mayBeUnderWay(err) {
				return zero, a.unknown(open, fmt.Errorf("after %d attempts %s, but the last attempt may still be under way in GitLab", sent, why))
			}
			return zero, a.notApplied(sent, err, why)
		}
		tflog.Warn(ctx, fmt.Sprintf("%s got %s; %s; sending it again", a.what, got, why), a.fields)
	}
}
