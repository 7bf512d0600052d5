package ingest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/fx"
)

// ExportOptions: the tenant every row of a provider export belongs to; without one a
// row's project (OpenAI) or workspace (Anthropic) is its tenant.
type ExportOptions struct {
	Tenant string
}

// The provider exports are the Admin APIs' answers saved to files: OpenAI's
// /v1/organization/usage/completions and /v1/organization/costs, Anthropic's
// /v1/organizations/usage_report/messages and /v1/organizations/cost_report. A file may
// hold one page, an array of pages or of buckets, or pages one after another (NDJSON, as
// a script paging through has_more/next_page appends them); each page is read on its
// own, so memory stays at one page. A row (the unit of RowError) is one result of one
// bucket, numbered through the file.
//
// A usage result is a bucket of requests: it becomes one event with the bucket's tokens,
// request_count the requests it counts, and context_tokens the prompt size that picks
// the price's context tier. A cost result is the provider's own amount for a bucket: it
// becomes an event standing for no request and no tokens, with the amount as its
// reported cost, so the tokens cost source prices the usage and the reported cost
// source shows what the provider billed, side by side, with neither counted twice.

// eachExportValue hands every page or bucket of an export to fn: top-level arrays are
// opened and read an element at a time, other values passed whole.
func eachExportValue(r io.Reader, fn func(raw json.RawMessage) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		first, err := peekNonSpace(br)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		dec := json.NewDecoder(br)
		dec.UseNumber()
		bad := func(err error) error { return formatErrorf("the export is not JSON: %v", err) }
		if first == '[' {
			if _, err := dec.Token(); err != nil {
				return bad(err)
			}
			for dec.More() {
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return bad(err)
				}
				if err := fn(raw); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return bad(err)
			}
		} else {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return bad(err)
			}
			if err := fn(raw); err != nil {
				return err
			}
		}
		// the next value starts in what the decoder read ahead
		br = bufio.NewReaderSize(io.MultiReader(dec.Buffered(), br), 1<<20)
	}
}

// exportPage is a page, or a bucket given alone: OpenAI's buckets have start_time and
// end_time (Unix seconds), Anthropic's starting_at and ending_at (RFC 3339).
type exportPage struct {
	Data       []exportBucket    `json:"data"`
	StartTime  json.Number       `json:"start_time"`
	EndTime    json.Number       `json:"end_time"`
	StartingAt string            `json:"starting_at"`
	EndingAt   string            `json:"ending_at"`
	Results    []json.RawMessage `json:"results"`
}

type exportBucket struct {
	StartTime  json.Number       `json:"start_time"`
	EndTime    json.Number       `json:"end_time"`
	StartingAt string            `json:"starting_at"`
	EndingAt   string            `json:"ending_at"`
	Results    []json.RawMessage `json:"results"`
}

func (b exportBucket) start() (time.Time, string, error) {
	if b.StartingAt != "" {
		t, err := time.Parse(time.RFC3339, b.StartingAt)
		return t.UTC(), "starting_at", err
	}
	s, err := b.StartTime.Int64()
	if err != nil {
		return time.Time{}, "start_time", fmt.Errorf("%q is not Unix seconds", b.StartTime)
	}
	return time.Unix(s, 0).UTC(), "start_time", nil
}

// exportSource reads any of the four exports; result maps one result of a bucket.
func exportSource(r io.Reader, rules Rules, result func(row int, start time.Time, raw json.RawMessage) (Event, *RowError, bool)) Source {
	return func(onEvent func(Event) error, onReject func(RowError), onSkip func()) error {
		row := 0
		return eachExportValue(r, func(raw json.RawMessage) error {
			var p exportPage
			if err := json.Unmarshal(raw, &p); err != nil {
				row++
				onReject(RowError{Row: row, Field: "(json)", Message: "not a page or bucket of a usage or cost export: " + err.Error()})
				return nil
			}
			buckets := p.Data
			if p.Results != nil {
				buckets = []exportBucket{{StartTime: p.StartTime, EndTime: p.EndTime, StartingAt: p.StartingAt, EndingAt: p.EndingAt, Results: p.Results}}
			}
			for _, b := range buckets {
				start, field, err := b.start()
				for _, res := range b.Results {
					row++
					if err != nil {
						onReject(RowError{Row: row, Field: field, Message: err.Error()})
						continue
					}
					e, rowErr, skip := result(row, start, res)
					if !skip && rowErr == nil {
						rowErr = rules.Check(&e)
					}
					if err := deliver(e, rowErr, skip, onEvent, onReject, onSkip); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
}

// exportID is a row's idempotency key: the source, the bucket and every field that
// tells it from the bucket's other rows, hashed (ids stay short whatever they hold).
func exportID(source string, start time.Time, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(append([]string{source, start.Format(time.RFC3339)}, parts...), "\x00")))
	return source + "-" + hex.EncodeToString(h[:12])
}

func attrsJSON(m map[string]any) []byte {
	for k, v := range m {
		if s, ok := v.(string); ok && s == "" {
			delete(m, k)
		}
	}
	b, _ := json.Marshal(m)
	return b
}

// decodeForeign decodes a row of a foreign shape, numbers as written, other fields ignored
// (the providers and LiteLLM add fields; Costlens reads the ones it maps).
func decodeForeign(row int, raw []byte, v any) *RowError {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return newRowError(row, "(json)", "%v", err)
	}
	return nil
}

// tenantOf is the import's tenant, else the row's group (project or workspace).
func (o ExportOptions) tenantOf(row int, group, field, fallback string) (string, *RowError) {
	switch {
	case o.Tenant != "":
		return o.Tenant, nil
	case group != "":
		return group, nil
	case fallback != "":
		return fallback, nil
	}
	return "", newRowError(row, field, "is null: export grouped by %s, or give the import a tenant (--tenant)", field)
}

// openaiResult is one result of OpenAI's completions usage or costs export.
type openaiResult struct {
	Object            string      `json:"object"`
	InputTokens       json.Number `json:"input_tokens"`
	OutputTokens      json.Number `json:"output_tokens"`
	InputCachedTokens json.Number `json:"input_cached_tokens"`
	InputAudioTokens  json.Number `json:"input_audio_tokens"`
	OutputAudioTokens json.Number `json:"output_audio_tokens"`
	NumModelRequests  json.Number `json:"num_model_requests"`
	ProjectID         *string     `json:"project_id"`
	UserID            *string     `json:"user_id"`
	APIKeyID          *string     `json:"api_key_id"`
	Model             *string     `json:"model"`
	Batch             *bool       `json:"batch"`
	ServiceTier       *string     `json:"service_tier"`
	Amount            *struct {
		Value    json.Number `json:"value"`
		Currency string      `json:"currency"`
	} `json:"amount"`
	LineItem *string `json:"line_item"`
}

// OpenAISource reads OpenAI's usage (completions) or costs export.
//
//	usage: provider openai, model, tenant (--tenant, else project_id), feature (project_id
//	       under --tenant), user_id; input_tokens (which include input_cached_tokens),
//	       output_tokens; num_model_requests as request_count; batch as service tier
//	       batch, else service_tier; context tier from the average prompt per request
//	costs: amount.value in amount.currency as the reported cost of an event standing for
//	       no request; the model is line_item's before its comma ("gpt-4o-2024-08-06, input")
func (o ExportOptions) OpenAISource(r io.Reader, rules Rules) Source {
	return exportSource(r, rules, func(row int, start time.Time, raw json.RawMessage) (Event, *RowError, bool) {
		var res openaiResult
		if rowErr := decodeForeign(row, raw, &res); rowErr != nil {
			return Event{}, rowErr, false
		}
		tenant, rowErr := o.tenantOf(row, text(res.ProjectID), "project_id", "")
		if rowErr != nil {
			return Event{}, rowErr, false
		}
		e := Event{Row: row, TS: start, Tenant: tenant, Provider: "openai", Model: text(res.Model), UserID: text(res.UserID)}
		if o.Tenant != "" {
			e.Feature = text(res.ProjectID)
		}
		switch res.Object {
		case "organization.costs.result":
			if res.Amount == nil {
				return Event{}, newRowError(row, "amount", "a costs result has an amount"), false
			}
			amount, err := decimal.NewFromString(res.Amount.Value.String())
			if err != nil {
				return Event{}, newRowError(row, "amount.value", "%q is not a number", res.Amount.Value), false
			}
			cur, err := fx.ParseCurrency("amount.currency", strings.ToUpper(res.Amount.Currency))
			if err != nil {
				return Event{}, newRowError(row, "amount.currency", "%q is not an ISO-4217 currency code", res.Amount.Currency), false
			}
			item := text(res.LineItem)
			e.Model, _, _ = strings.Cut(item, ",")
			e.Model = strings.TrimSpace(e.Model)
			none := int64(0)
			e.RequestCount, e.ReportedCost, e.ReportedCurrency = &none, &amount, &cur
			e.RequestID = exportID("openai-cost", start, item, text(res.ProjectID))
			e.Attributes = attrsJSON(map[string]any{"openai.line_item": item, "openai.project_id": text(res.ProjectID)})
			return e, nil, false
		case "organization.usage.completions.result":
		default:
			return Event{}, newRowError(row, "object", "%q is not a completions usage or costs result (other usage exports, such as embeddings or images, are not read)", res.Object), false
		}
		var t SourceTokens
		var requests int64
		if rowErr := readCounts(row, countField{"input_tokens", res.InputTokens, &t.Input}, countField{"output_tokens", res.OutputTokens, &t.Output},
			countField{"input_cached_tokens", res.InputCachedTokens, &t.CacheRead}, countField{"num_model_requests", res.NumModelRequests, &requests}); rowErr != nil {
			return Event{}, rowErr, false
		}
		if requests == 0 && t.Input == 0 && t.Output == 0 {
			return Event{}, nil, true // an empty bucket
		}
		t.InputIncludesCache, t.InputField, t.OutputField = true, "input_tokens", "output_tokens"
		if rowErr := t.Normalise(&e); rowErr != nil {
			return Event{}, rowErr, false
		}
		e.RequestCount = &requests
		if requests > 0 {
			avg := (t.Input + t.CacheWrite) / requests // input includes the cache: the average prompt
			e.ContextTokens = &avg
		}
		tier := text(res.ServiceTier)
		if res.Batch != nil && *res.Batch {
			tier = "batch"
		}
		e.ServiceTier = tier
		batch := ""
		if res.Batch != nil {
			batch = fmt.Sprint(*res.Batch)
		}
		e.RequestID = exportID("openai-usage", start, e.Model, text(res.ProjectID), e.UserID, text(res.APIKeyID), batch, tier)
		e.Attributes = attrsJSON(map[string]any{"openai.project_id": text(res.ProjectID), "openai.api_key_id": text(res.APIKeyID),
			"openai.input_audio_tokens": res.InputAudioTokens.String(), "openai.output_audio_tokens": res.OutputAudioTokens.String()})
		return e, nil, false
	})
}

// anthropicResult is one result of Anthropic's usage report (messages) or cost report.
type anthropicResult struct {
	UncachedInputTokens *json.Number `json:"uncached_input_tokens"`
	CacheCreation       *struct {
		Ephemeral1h json.Number `json:"ephemeral_1h_input_tokens"`
		Ephemeral5m json.Number `json:"ephemeral_5m_input_tokens"`
	} `json:"cache_creation"`
	CacheReadInputTokens json.Number `json:"cache_read_input_tokens"`
	OutputTokens         json.Number `json:"output_tokens"`
	ServerToolUse        *struct {
		WebSearchRequests json.Number `json:"web_search_requests"`
	} `json:"server_tool_use"`
	APIKeyID      *string `json:"api_key_id"`
	WorkspaceID   *string `json:"workspace_id"`
	Model         *string `json:"model"`
	ServiceTier   *string `json:"service_tier"`
	ContextWindow *string `json:"context_window"`
	// the cost report's
	Currency    string  `json:"currency"`
	Amount      *string `json:"amount"`
	Description *string `json:"description"`
	CostType    *string `json:"cost_type"`
	TokenType   *string `json:"token_type"`
}

// anthropicContext is the prompt size that picks the context tier of a usage row.
var anthropicContext = map[string]int64{"": 0, "0-200k": 0, "200k-1M": 200_001}

var hundred = decimal.NewFromInt(100)

// AnthropicSource reads Anthropic's usage report (messages) or cost report.
//
//	usage: provider anthropic, model, tenant (--tenant, else workspace_id, else "default",
//	       the default workspace), feature (workspace_id under --tenant); uncached input,
//	       cache reads, cache writes (5-minute and 1-hour) and output as reported (its
//	       input excludes the cache); service_tier; context_window picks the context tier;
//	       no request count (the report gives none): request_count 0
//	costs: amount, in cents as a decimal string ("123.45" is 1.2345 USD), as the reported
//	       cost of an event standing for no request
func (o ExportOptions) AnthropicSource(r io.Reader, rules Rules) Source {
	return exportSource(r, rules, func(row int, start time.Time, raw json.RawMessage) (Event, *RowError, bool) {
		var res anthropicResult
		if rowErr := decodeForeign(row, raw, &res); rowErr != nil {
			return Event{}, rowErr, false
		}
		tenant, rowErr := o.tenantOf(row, text(res.WorkspaceID), "workspace_id", "default")
		if rowErr != nil {
			return Event{}, rowErr, false
		}
		e := Event{Row: row, TS: start, Tenant: tenant, Provider: "anthropic", Model: text(res.Model)}
		if o.Tenant != "" {
			e.Feature = text(res.WorkspaceID)
		}
		tier := text(res.ServiceTier)
		e.ServiceTier = tier
		none := int64(0)
		e.RequestCount = &none
		if res.Amount != nil {
			cents, err := decimal.NewFromString(*res.Amount)
			if err != nil {
				return Event{}, newRowError(row, "amount", "%q is not a decimal amount in cents", *res.Amount), false
			}
			amount := cents.Div(hundred) // exact: dividing by 100 terminates
			cur, err := fx.ParseCurrency("currency", strings.ToUpper(res.Currency))
			if err != nil {
				return Event{}, newRowError(row, "currency", "%q is not an ISO-4217 currency code", res.Currency), false
			}
			e.ReportedCost, e.ReportedCurrency = &amount, &cur
			e.RequestID = exportID("anthropic-cost", start, text(res.WorkspaceID), text(res.Description), text(res.CostType),
				text(res.Model), tier, text(res.TokenType), text(res.ContextWindow))
			e.Attributes = attrsJSON(map[string]any{"anthropic.workspace_id": text(res.WorkspaceID), "anthropic.description": text(res.Description),
				"anthropic.cost_type": text(res.CostType), "anthropic.token_type": text(res.TokenType), "anthropic.context_window": text(res.ContextWindow)})
			return e, nil, false
		}
		if res.UncachedInputTokens == nil {
			return Event{}, newRowError(row, "uncached_input_tokens", "a usage report result has uncached_input_tokens (a cost report result, an amount)"), false
		}
		var t SourceTokens
		var w5, w1 int64
		var c5, c1 json.Number
		if c := res.CacheCreation; c != nil {
			c5, c1 = c.Ephemeral5m, c.Ephemeral1h
		}
		if rowErr := readCounts(row, countField{"uncached_input_tokens", *res.UncachedInputTokens, &t.Input}, countField{"output_tokens", res.OutputTokens, &t.Output},
			countField{"cache_read_input_tokens", res.CacheReadInputTokens, &t.CacheRead},
			countField{"cache_creation.ephemeral_5m_input_tokens", c5, &w5}, countField{"cache_creation.ephemeral_1h_input_tokens", c1, &w1}); rowErr != nil {
			return Event{}, rowErr, false
		}
		t.CacheWrite, t.CacheWrite1h = w5+w1, w1
		if t.Input == 0 && t.Output == 0 && t.CacheRead == 0 && t.CacheWrite == 0 {
			return Event{}, nil, true // an empty bucket
		}
		if rowErr := t.Normalise(&e); rowErr != nil {
			return Event{}, rowErr, false
		}
		ctx, ok := anthropicContext[text(res.ContextWindow)]
		if !ok {
			return Event{}, newRowError(row, "context_window", "%q is not 0-200k or 200k-1M", text(res.ContextWindow)), false
		}
		e.ContextTokens = &ctx
		var searches string
		if s := res.ServerToolUse; s != nil {
			searches = s.WebSearchRequests.String()
		}
		e.RequestID = exportID("anthropic-usage", start, text(res.WorkspaceID), text(res.APIKeyID), e.Model, tier, text(res.ContextWindow))
		e.Attributes = attrsJSON(map[string]any{"anthropic.workspace_id": text(res.WorkspaceID), "anthropic.api_key_id": text(res.APIKeyID),
			"anthropic.context_window":      text(res.ContextWindow),
			"anthropic.web_search_requests": searches})
		return e, nil, false
	})
}
