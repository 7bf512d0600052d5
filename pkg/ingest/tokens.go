package ingest

import "fmt"

// SourceTokens are token counts as a source reports them, with the source's rule for
// what its input and output counts include. Normalise turns them into the stored
// meaning once, for every importer (DESIGN "Tokens"):
//
//	input_tokens        neither read from nor written to a cache
//	cached_input_tokens read from a cache
//	cache_write_tokens  written to a cache
//	output_tokens       every generated token, reasoning included
//	reasoning_tokens    the part of output spent reasoning
//
// The rules of the sources Costlens reads:
//
//	source                               input includes cache   output includes reasoning
//	Costlens events (ingest/events)      no                     yes
//	OpenTelemetry GenAI spans            yes (reads and writes)  yes
//	OpenAI (prompt_tokens, usage export) yes (reads; no writes)  yes
//	Anthropic (API, usage report)        no                     yes (thinking is output)
//	LiteLLM spend logs (prompt_tokens)   yes (reads and writes)  yes
type SourceTokens struct {
	Input, Output, CacheRead, CacheWrite, Reasoning int64
	// CacheWrite1h is the part of CacheWrite kept for an hour.
	CacheWrite1h int64
	// InputIncludesCache: Input counts the cache reads and writes too (OpenAI's
	// prompt_tokens, gen_ai.usage.input_tokens), so they are taken out of it once.
	InputIncludesCache bool
	// OutputExcludesReasoning: Reasoning is reported beside Output rather than inside it
	// (Gemini's thoughts), so it is added to it.
	OutputExcludesReasoning bool
	// Field names the source's own input and output fields for errors.
	InputField, OutputField string
}

// Normalise sets e's token counts from t. An input smaller than the cache it is said to
// include is an error naming the source's field: the source does not follow the rule
// stated for it, and guessing would charge the cache twice or not at all.
func (t SourceTokens) Normalise(e *Event) *RowError {
	in, out := t.Input, t.Output
	if t.InputIncludesCache {
		in -= t.CacheRead + t.CacheWrite
		if in < 0 {
			return &RowError{Row: e.Row, Field: t.InputField, Message: fmt.Sprintf(
				"%d input tokens cannot include %d cache-read and %d cache-write tokens: this source's input is read as including them",
				t.Input, t.CacheRead, t.CacheWrite)}
		}
	}
	if t.OutputExcludesReasoning {
		out += t.Reasoning
	} else if t.Reasoning > out {
		return &RowError{Row: e.Row, Field: t.OutputField, Message: fmt.Sprintf(
			"%d output tokens cannot include %d reasoning tokens", t.Output, t.Reasoning)}
	}
	e.InputTokens, e.OutputTokens, e.CachedTokens = in, out, t.CacheRead
	e.CacheWriteTokens, e.ReasoningTokens, e.CacheWrite1hTokens = t.CacheWrite, t.Reasoning, t.CacheWrite1h
	return nil
}
