package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// LiteLLMRow is one row of LiteLLM's LiteLLM_SpendLogs table, as read from its database
// or from an export of it (the /spend/logs API's JSON, or a CSV of the table), with the
// table's own column names.
type LiteLLMRow struct {
	RequestID        string          `json:"request_id"`
	CallType         string          `json:"call_type"`
	APIKey           string          `json:"api_key"`
	Spend            json.Number     `json:"spend"`
	PromptTokens     json.Number     `json:"prompt_tokens"`
	CompletionTokens json.Number     `json:"completion_tokens"`
	StartTime        string          `json:"startTime"`
	EndTime          string          `json:"endTime"`
	DurationMS       json.Number     `json:"request_duration_ms"`
	Model            string          `json:"model"`
	ModelGroup       string          `json:"model_group"`
	Provider         string          `json:"custom_llm_provider"`
	User             string          `json:"user"`
	EndUser          string          `json:"end_user"`
	TeamID           string          `json:"team_id"`
	CacheHit         string          `json:"cache_hit"`
	Status           string          `json:"status"`
	Metadata         json.RawMessage `json:"metadata"`
	RequestTags      json.RawMessage `json:"request_tags"`
}

// LiteLLMOptions: the tenant every row belongs to (else the row's team), and the prefix
// of the request tag that names the feature.
type LiteLLMOptions struct {
	Tenant        string
	FeaturePrefix string
}

// DefaultFeaturePrefix marks the request tag that names a request's feature.
const DefaultFeaturePrefix = "feature:"

// litellmMetadata is the part of a spend log's metadata Costlens reads.
type litellmMetadata struct {
	KeyAlias    string `json:"user_api_key_alias"`
	TeamAlias   string `json:"user_api_key_team_alias"`
	UsageObject *struct {
		PromptTokensDetails *struct {
			CachedTokens        json.Number `json:"cached_tokens"`
			CacheCreationTokens json.Number `json:"cache_creation_tokens"`
		} `json:"prompt_tokens_details"`
		CompletionTokensDetails *struct {
			ReasoningTokens json.Number `json:"reasoning_tokens"`
		} `json:"completion_tokens_details"`
		CacheReadInputTokens     json.Number `json:"cache_read_input_tokens"`
		CacheCreationInputTokens json.Number `json:"cache_creation_input_tokens"`
	} `json:"usage_object"`
}

// count reads a whole token count ("" is 0; LiteLLM writes some as 12.0).
func count(n json.Number) (int64, error) {
	if n == "" {
		return 0, nil
	}
	if i, err := n.Int64(); err == nil {
		return i, nil
	}
	f, err := n.Float64()
	if err != nil || f != float64(int64(f)) {
		return 0, fmt.Errorf("%q is not a whole number", n)
	}
	return int64(f), nil
}

// countField is one count a source gives, under the source's own field name.
type countField struct {
	field string
	n     json.Number
	dst   *int64
}

// readCounts reads whole counts that are not negative into their places; the first that
// is not one is a row error naming its field.
func readCounts(row int, fields ...countField) *RowError {
	for _, c := range fields {
		v, err := count(c.n)
		if err == nil && v < 0 {
			err = fmt.Errorf("%q is negative", c.n)
		}
		if err != nil {
			return newRowError(row, c.field, "%v", err)
		}
		*c.dst = v
	}
	return nil
}

// litellmTime reads LiteLLM's times: Prisma stores them as timestamp(3) without a zone,
// in UTC; the API writes them as ISO 8601 with or without a zone.
func litellmTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999Z07", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time LiteLLM writes (2026-03-02T10:00:00.123Z or 2026-03-02 10:00:00.123)", s)
}

// Event maps a spend log row (row: its place in the input) to an event:
//
//	request_id  request_id               ts, latency_ms  startTime, request_duration_ms (else endTime - startTime)
//	provider    custom_llm_provider      model           model (model_group in attributes)
//	tenant      the import's tenant, else the team's alias, else team_id
//	user_id     end_user, else user      feature         the first request tag "feature:X", else the first tag, else the key alias
//	tokens      prompt_tokens (which include cache reads and writes), completion_tokens, and from metadata.usage_object
//	            the cache reads, cache writes and reasoning tokens
//	reported_cost  spend, USD: LiteLLM's own price, beside Costlens's
//
// A response LiteLLM served from its own cache (cache_hit True) reached no provider: it
// is a request with no tokens (its counts are kept in attributes), so it costs nothing.
func (o LiteLLMOptions) Event(row int, r LiteLLMRow, rules Rules) (Event, *RowError) {
	bad := func(field, format string, args ...any) (Event, *RowError) {
		return Event{}, &RowError{Row: row, Field: field, Message: fmt.Sprintf(format, args...)}
	}
	var md litellmMetadata
	if m := bytes.TrimSpace(r.Metadata); len(m) > 0 && string(m) != "null" {
		if err := json.Unmarshal(m, &md); err != nil {
			return bad("metadata", "is not LiteLLM's metadata object: %v", err)
		}
	}
	var tags []string
	if t := bytes.TrimSpace(r.RequestTags); len(t) > 0 && string(t) != "null" {
		if err := json.Unmarshal(t, &tags); err != nil {
			return bad("request_tags", "is not a JSON array of strings: %v", err)
		}
	}
	e := Event{Row: row, RequestID: strings.TrimSpace(r.RequestID), Provider: r.Provider, Model: r.Model,
		UserID: r.EndUser, Tenant: o.Tenant}
	if e.UserID == "" {
		e.UserID = r.User
	}
	if e.Tenant == "" {
		if e.Tenant = md.TeamAlias; e.Tenant == "" {
			e.Tenant = r.TeamID
		}
		if e.Tenant == "" {
			return bad("team_id", "the request has no team: give the import a tenant (--tenant) for requests without one")
		}
	}
	prefix := o.FeaturePrefix
	if prefix == "" {
		prefix = DefaultFeaturePrefix
	}
	for _, t := range tags {
		if f, ok := strings.CutPrefix(t, prefix); ok {
			e.Feature = f
			break
		}
	}
	if e.Feature == "" && len(tags) > 0 {
		e.Feature = tags[0]
	}
	if e.Feature == "" {
		e.Feature = md.KeyAlias
	}
	var err error
	if e.TS, err = litellmTime(r.StartTime); err != nil {
		return bad("startTime", "%v", err)
	}
	if ms, err := count(r.DurationMS); err != nil {
		return bad("request_duration_ms", "%v", err)
	} else if r.DurationMS != "" && ms >= 0 && ms <= 1<<31-1 {
		v := int32(ms)
		e.LatencyMS = &v
	} else if end, err := litellmTime(r.EndTime); err == nil && !end.Before(e.TS) && end.Sub(e.TS) < 1<<31*time.Millisecond {
		v := int32(end.Sub(e.TS) / time.Millisecond)
		e.LatencyMS = &v
	}
	t := SourceTokens{InputIncludesCache: true, InputField: "prompt_tokens", OutputField: "completion_tokens"}
	if rowErr := readCounts(row, countField{"prompt_tokens", r.PromptTokens, &t.Input}, countField{"completion_tokens", r.CompletionTokens, &t.Output}); rowErr != nil {
		return Event{}, rowErr
	}
	if u := md.UsageObject; u != nil {
		read, write, reasoning := u.CacheReadInputTokens, u.CacheCreationInputTokens, json.Number("")
		if d := u.PromptTokensDetails; d != nil {
			if read == "" || read == "0" {
				read = d.CachedTokens
			}
			if write == "" || write == "0" {
				write = d.CacheCreationTokens
			}
		}
		if d := u.CompletionTokensDetails; d != nil {
			reasoning = d.ReasoningTokens
		}
		if rowErr := readCounts(row, countField{"metadata.usage_object.cache_read_input_tokens", read, &t.CacheRead},
			countField{"metadata.usage_object.cache_creation_input_tokens", write, &t.CacheWrite},
			countField{"metadata.usage_object.completion_tokens_details.reasoning_tokens", reasoning, &t.Reasoning}); rowErr != nil {
			return Event{}, rowErr
		}
	}
	attrs := map[string]any{"litellm.call_type": r.CallType}
	for k, v := range map[string]string{"litellm.model_group": r.ModelGroup, "litellm.key_alias": md.KeyAlias, "litellm.team_id": r.TeamID,
		"litellm.team_alias": md.TeamAlias, "litellm.user": r.User, "litellm.api_key": r.APIKey, "litellm.status": r.Status} {
		if v != "" {
			attrs[k] = v
		}
	}
	if len(tags) > 0 {
		attrs["litellm.request_tags"] = tags
	}
	if strings.EqualFold(r.CacheHit, "true") {
		// served from LiteLLM's own cache: no provider call, nothing to charge
		attrs["litellm.cache_hit"] = true
		attrs["litellm.prompt_tokens"], attrs["litellm.completion_tokens"] = t.Input, t.Output
		t = SourceTokens{}
	}
	if rowErr := t.Normalise(&e); rowErr != nil {
		return Event{}, rowErr
	}
	if r.Spend != "" {
		spend, err := decimal.NewFromString(r.Spend.String())
		if err != nil {
			return bad("spend", "%q is not a number", r.Spend)
		}
		usd := "USD"
		e.ReportedCost, e.ReportedCurrency = &spend, &usd
	}
	e.Attributes, _ = json.Marshal(attrs)
	if rowErr := rules.Check(&e); rowErr != nil {
		rowErr.Field = litellmField(rowErr.Field)
		return Event{}, rowErr
	}
	return e, nil
}

// litellmField names the spend-log column a stored field came from.
func litellmField(field string) string {
	switch field {
	case "tenant":
		return "team_id"
	case "user_id":
		return "end_user"
	case "provider":
		return "custom_llm_provider"
	case "ts":
		return "startTime"
	case "reported_cost":
		return "spend"
	case "feature":
		return "request_tags"
	}
	return field
}

// LiteLLMJSONSource reads exported spend logs: a JSON array (the /spend/logs API's
// answer) or NDJSON, one row per element, other columns ignored.
func (o LiteLLMOptions) JSONSource(r io.Reader, rules Rules) Source {
	return func(onEvent func(Event) error, onReject func(RowError), _ func()) error {
		return eachJSONRow(r, func(row int, raw []byte) error {
			var lr LiteLLMRow
			if rowErr := decodeForeign(row, raw, &lr); rowErr != nil {
				onReject(*rowErr)
				return nil
			}
			e, rowErr := o.Event(row, lr, rules)
			if rowErr != nil {
				onReject(*rowErr)
				return nil
			}
			return onEvent(e)
		}, onReject)
	}
}

// LiteLLMCSVSource reads a CSV of the table as psql's \copy … CSV HEADER writes it
// (columns by name, others ignored; metadata and request_tags as JSON text).
func (o LiteLLMOptions) CSVSource(r io.Reader, rules Rules) Source {
	return func(onEvent func(Event) error, onReject func(RowError), _ func()) error {
		f, _, err := openCSV(r, func(s string) string { return s })
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		for _, col := range []string{"request_id", "startTime", "model", "prompt_tokens", "completion_tokens"} {
			if !f.has(col) {
				return formatErrorf("header: column %q is missing: export LiteLLM_SpendLogs with its own column names", col)
			}
		}
		var stop error
		for _, e := range f.eachRow(func(rec []string, row int, bad func(field, format string, args ...any)) {
			if stop != nil {
				return
			}
			lr := LiteLLMRow{RequestID: f.get(rec, "request_id"), CallType: f.get(rec, "call_type"), APIKey: f.get(rec, "api_key"),
				Spend: json.Number(f.get(rec, "spend")), PromptTokens: json.Number(f.get(rec, "prompt_tokens")),
				CompletionTokens: json.Number(f.get(rec, "completion_tokens")), StartTime: f.get(rec, "startTime"), EndTime: f.get(rec, "endTime"),
				DurationMS: json.Number(f.get(rec, "request_duration_ms")), Model: f.get(rec, "model"), ModelGroup: f.get(rec, "model_group"),
				Provider: f.get(rec, "custom_llm_provider"), User: f.get(rec, "user"), EndUser: f.get(rec, "end_user"),
				TeamID: f.get(rec, "team_id"), CacheHit: f.get(rec, "cache_hit"), Status: f.get(rec, "status"),
				Metadata: json.RawMessage(f.get(rec, "metadata")), RequestTags: json.RawMessage(f.get(rec, "request_tags"))}
			ev, rowErr := o.Event(row, lr, rules)
			if rowErr != nil {
				onReject(*rowErr)
				return
			}
			stop = onEvent(ev)
		}) {
			onReject(e)
		}
		return stop
	}
}
