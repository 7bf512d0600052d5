package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/costlens/costlens/pkg/query"
)

// AnswerCost answers a cost query: a time series per group, its buckets within the
// panel's maxDataPoints.
func AnswerCost(ctx context.Context, db query.DB, q query.Query, r query.Range, interval time.Duration, env query.Env) (data.Frames, error) {
	bucket, widened, err := query.BucketWithin(q, interval, r, env.MaxDataPoints)
	if err != nil {
		return nil, err
	}
	res, err := Aggregate(ctx, db, RequestOf(q), r, bucket, env, true)
	if err != nil {
		return nil, err
	}
	kept := capNotice(res, q, query.MaxSeries, "series")
	return withNotices(TimeSeriesFrames(q, res, env), widened, kept), nil
}

// AnswerBreakdown answers a breakdown: one row per group, largest first.
func AnswerBreakdown(ctx context.Context, db query.DB, q query.Query, r query.Range, _ time.Duration, env query.Env) (data.Frames, error) {
	res, err := Aggregate(ctx, db, RequestOf(q), r, query.Bucket{}, env, false)
	if err != nil {
		return nil, err
	}
	kept := capNotice(res, q, query.MaxRows, "rows")
	return withNotices(data.Frames{TableFrame(q, res, env)}, kept), nil
}

// capNotice keeps the largest groups of an answer when there are more than limit (and
// the query's topN asks for no fewer), and says so.
func capNotice(res *Result, q query.Query, limit int, what string) string {
	if q.TopN > 0 && q.TopN <= limit {
		return ""
	}
	total := len(res.Groups)
	if res.Keep(limit) == 0 {
		return ""
	}
	return fmt.Sprintf("showing the %d largest of %d %s by %s: narrow the query with filters or topN", limit, total, what, q.Metric)
}

// withNotices adds each non-empty notice to every frame, as a warning.
func withNotices(frames data.Frames, notices ...string) data.Frames {
	for _, n := range notices {
		if n == "" {
			continue
		}
		for _, f := range frames {
			f.AppendNotices(data.Notice{Severity: data.NoticeSeverityWarning, Text: n})
		}
	}
	return frames
}
