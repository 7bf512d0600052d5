package analytic

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/costlens/costlens/pkg/analytics"
	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/query/engine"
)

// AnomalySeries is one group's scored series over the query range.
type AnomalySeries struct {
	Values []string
	Times  []time.Time
	Actual []float64
	Scored []analytics.Scored
}

// Contributor is a value of the contributors dimension and its part of a jump.
type Contributor struct {
	Value string
	Delta float64 // actual − expected of this value at the flagged point
	Share float64 // of the whole jump
}

// Anomaly is one flagged point.
type Anomaly struct {
	Values       []string
	Time         time.Time
	Actual       float64
	Scored       analytics.Scored
	Contributors []Contributor
}

// anomalyBucket is a day or an hour.
func anomalyBucket(q query.Query) query.Bucket {
	if q.Interval == "1h" {
		return query.Bucket{Fixed: time.Hour}
	}
	return query.Bucket{Fixed: 24 * time.Hour}
}

// scoredSeries reads cost per bucket from the lookback before the range to its end,
// drops the buckets that are not complete yet (the one the range ends in, and any at
// or after the data source's incomplete mark), and scores each group's series.
func scoredSeries(ctx context.Context, db query.DB, q query.Query, groupBy []string, r query.Range, env query.Env) ([]AnomalySeries, error) {
	cfg, err := q.AnomalyConfig()
	if err != nil {
		return nil, err
	}
	bucket := anomalyBucket(q)
	lookback := time.Duration(cfg.WindowDays) * 24 * time.Hour
	// from a local midnight, hourly too: the detector fits an hourly series once per 24
	// points from its first, so a series starting at midnight is fitted day by day
	// whichever hour the range starts at (a rule's last 6 hours and a panel's last day
	// give an hour the same verdict)
	from := engine.BucketStart(r.From.Add(-lookback), query.Bucket{Fixed: 24 * time.Hour}, env.Location)
	cq := engine.Request{GroupBy: groupBy, Filters: q.Filters, Currency: q.Currency, CostSource: q.CostSource}
	res, err := engine.Aggregate(ctx, db, cq, query.Range{From: from, To: r.To}, bucket, env, true)
	if err != nil {
		return nil, err
	}
	var complete []time.Time
	for _, b := range res.Buckets {
		if engine.NextBucket(b, bucket, env.Location).After(r.To) {
			continue
		}
		if !env.IncompleteAfter.IsZero() && engine.NextBucket(b, bucket, env.Location).After(env.IncompleteAfter) {
			continue
		}
		complete = append(complete, b)
	}
	first := len(complete) // the range's first bucket: those before are only history
	for i, b := range complete {
		if !b.Before(r.From) {
			first = i
			break
		}
	}
	var out []AnomalySeries
	for _, g := range res.Groups {
		s := AnomalySeries{Values: g.Values}
		for _, b := range complete {
			v := 0.0
			if t, ok := g.Buckets[b]; ok {
				v = t.Cost.InexactFloat64()
			}
			s.Times = append(s.Times, b)
			s.Actual = append(s.Actual, v)
		}
		s.Scored = analytics.ScoreSeriesFrom(s.Actual, cfg, first)
		out = append(out, s)
	}
	return out, nil
}

// Anomalies scores each group and lists the flagged points inside the range, newest
// first, each with the values of the contributors dimension that made up the jump.
func Anomalies(ctx context.Context, db query.DB, q query.Query, r query.Range, env query.Env) ([]AnomalySeries, []Anomaly, error) {
	series, err := scoredSeries(ctx, db, q, q.GroupBy, r, env)
	if err != nil {
		return nil, nil, err
	}
	var flagged []Anomaly
	for _, s := range series {
		for i, sc := range s.Scored {
			if sc.Flag && !s.Times[i].Before(r.From) {
				flagged = append(flagged, Anomaly{Values: s.Values, Time: s.Times[i], Actual: s.Actual[i], Scored: sc})
			}
		}
	}
	sort.SliceStable(flagged, func(i, j int) bool {
		if !flagged[i].Time.Equal(flagged[j].Time) {
			return flagged[i].Time.After(flagged[j].Time)
		}
		return flagged[i].Scored.Score > flagged[j].Scored.Score
	})
	if by := contributorsBy(q); by != "" && len(flagged) > 0 {
		sub, err := scoredSeries(ctx, db, q, append(append([]string{}, q.GroupBy...), by), r, env)
		if err != nil {
			return nil, nil, err
		}
		for i := range flagged {
			flagged[i].Contributors = contributions(flagged[i], sub, len(q.GroupBy))
		}
	}
	return series, flagged, nil
}

// contributorsBy is the query's contributors dimension, else the first of feature,
// model version and user that the query does not group by.
func contributorsBy(q query.Query) string {
	if q.ContributorsBy != "" {
		return q.ContributorsBy
	}
	candidates := []string{"feature", "model_version", "user"}
	if query.FromBills(q.CostSource) {
		candidates = []string{"model_version", "region"}
	}
	for _, c := range candidates {
		found := false
		for _, g := range q.GroupBy {
			found = found || g == c
		}
		if !found {
			return c
		}
	}
	return ""
}

// contributions ranks the sub-series of a flagged group by how far each sat above its
// own expected value at that point (below it, for a drop): the three largest, with their
// share of the jump (or fall).
func contributions(a Anomaly, sub []AnomalySeries, n int) []Contributor {
	var cs []Contributor
	total := 0.0
	sign := 1.0
	if a.Actual < a.Scored.Expected {
		sign = -1
	}
	for _, s := range sub {
		if strings.Join(s.Values[:n], "\x1f") != strings.Join(a.Values, "\x1f") {
			continue
		}
		for i, t := range s.Times {
			if t.Equal(a.Time) {
				delta := s.Actual[i] - s.Scored[i].Expected
				if delta*sign > 0 {
					cs = append(cs, Contributor{Value: s.Values[n], Delta: delta})
					total += delta
				}
			}
		}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Delta*sign > cs[j].Delta*sign })
	if len(cs) > 3 {
		cs = cs[:3]
	}
	for i := range cs {
		cs[i].Share = cs[i].Delta / total
	}
	return cs
}

func describeContributors(cs []Contributor, currency string) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		v := c.Value
		if v == "" {
			v = "(none)"
		}
		parts[i] = fmt.Sprintf("%s %+.2f %s (%.0f %%)", v, c.Delta, currency, 100*c.Share)
	}
	return strings.Join(parts, ", ")
}

// AnomalyFrames shapes anomalies: "series" gives each group's actual, expected band,
// score and flag over time; "alert" one series per group with only the metric (flag,
// score, percent_of_baseline, z, actual or expected), for alert rules; "table" the
// flagged points with their contributors.
func AnomalyFrames(q query.Query, series []AnomalySeries, flagged []Anomaly, r query.Range, env query.Env) data.Frames {
	unit := engine.CurrencyUnit(q.Currency)
	if q.Output == "table" {
		values := make([][]string, len(flagged))
		for i, a := range flagged {
			values[i] = a.Values
		}
		text := engine.GroupColumns(q.GroupBy, values)
		times := make([]time.Time, len(flagged))
		contrib := engine.TextColumn{Key: "contributors", Label: "Top contributors (by " + contributorsBy(q) + ")"}
		nums := []engine.NumColumn{{Key: "actual"}, {Key: "expected"}, {Key: "percent_of_baseline"}, {Key: "z"}, {Key: "score"}}
		for i, a := range flagged {
			times[i] = a.Time
			contrib.Values = append(contrib.Values, describeContributors(a.Contributors, q.Currency))
			for j, v := range []float64{a.Actual, a.Scored.Expected, 100 * a.Scored.Ratio, a.Scored.Z, a.Scored.Score} {
				nums[j].Values = append(nums[j].Values, engine.FloatValue(v))
			}
		}
		tq := q
		tq.Output = "table"
		f := engine.Table("anomalies", tq, q.Currency, append(text, contrib), nums)
		tf := data.NewField("time", nil, times)
		tf.Config = &data.FieldConfig{DisplayName: "Time"}
		f.Fields = append([]*data.Field{tf}, f.Fields...)
		return data.Frames{f}
	}
	var frames data.Frames
	for _, s := range series {
		var times []time.Time
		cols := map[string][]*float64{}
		keys := []string{"actual", "expected", "lower", "upper", "score", "percent_of_baseline", "z", "flag"}
		for i, sc := range s.Scored {
			if s.Times[i].Before(r.From) {
				continue
			}
			times = append(times, s.Times[i])
			if !sc.Ready {
				cols["actual"] = append(cols["actual"], engine.FloatValue(s.Actual[i]))
				for _, k := range keys[1:] {
					cols[k] = append(cols[k], nil)
				}
				continue
			}
			flag := 0.0
			if sc.Flag {
				flag = 1
			}
			for k, v := range map[string]float64{"actual": s.Actual[i], "expected": sc.Expected, "lower": sc.Lower, "upper": sc.Upper,
				"score": sc.Score, "percent_of_baseline": 100 * sc.Ratio, "z": sc.Z, "flag": flag} {
				cols[k] = append(cols[k], engine.FloatValue(v))
			}
		}
		labels := engine.LabelsFor(q, s.Values)
		name := engine.DisplayName(query.Query{GroupBy: q.GroupBy, Metric: "cost"}, s.Values)
		fr := data.NewFrame(name, data.NewField("time", nil, times))
		show := keys
		if q.Output == "alert" {
			show = []string{q.Metric}
		}
		labelsOf := map[string]string{"actual": "Cost", "expected": "Expected", "lower": "Expected, low", "upper": "Expected, high",
			"score": "Score", "percent_of_baseline": "Of baseline", "z": "z-score", "flag": "Anomaly"}
		for _, k := range show {
			f := data.NewField(k, labels, cols[k])
			u := unit
			switch k {
			case "score":
				u = "percentunit"
			case "percent_of_baseline":
				u = "percent"
			case "z", "flag":
				u = "short"
			}
			display := labelsOf[k]
			if name != "Cost" {
				display = name + " " + strings.ToLower(display[:1]) + display[1:]
			}
			f.Config = &data.FieldConfig{DisplayNameFromDS: display, Unit: u}
			fr.Fields = append(fr.Fields, f)
		}
		fr.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesWide, Custom: map[string]any{"currency": q.Currency}}
		frames = append(frames, fr)
	}
	if len(frames) == 0 {
		fr := data.NewFrame("anomalies", data.NewField("time", nil, []time.Time{}), data.NewField(q.Metric, nil, []*float64{}))
		frames = append(frames, fr)
	}
	return frames
}
