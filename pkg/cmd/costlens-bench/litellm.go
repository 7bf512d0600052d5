package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/costlens/costlens/pkg/ingest"
	"github.com/costlens/costlens/pkg/pricing"
)

// litellmIngest puts the events into a LiteLLM_SpendLogs table (LiteLLM's own columns
// and types, in the bench database's public schema as LiteLLM's database) and times the
// incremental import reading it back: pages from LiteLLM's database, mapped, stored as
// the Grafana role.
func (b *bench) litellmIngest(ctx context.Context, events []ingest.Event) (float64, error) {
	if _, err := b.owner.Exec(ctx, `DROP TABLE IF EXISTS public."LiteLLM_SpendLogs"`); err != nil {
		return 0, err
	}
	if _, err := b.owner.Exec(ctx, ingest.LiteLLMTableDDL); err != nil {
		return 0, err
	}
	defer func() {
		_, _ = b.owner.Exec(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS public."LiteLLM_SpendLogs"`)
	}()
	rows := make([][]any, len(events))
	for i, e := range events {
		prompt := e.InputTokens + e.CachedTokens
		md := fmt.Sprintf(`{"user_api_key_team_alias": %q, "usage_object": {"prompt_tokens_details": {"cached_tokens": %d}}}`, e.Tenant, e.CachedTokens)
		var ms int32
		if e.LatencyMS != nil {
			ms = *e.LatencyMS
		}
		rows[i] = []any{"litellm-" + e.RequestID, "acompletion", "hashed", 0.0, prompt + e.OutputTokens, prompt, e.OutputTokens,
			e.TS, e.TS.Add(time.Duration(ms) * time.Millisecond), ms, e.Model, e.Model, e.Provider, e.UserID, md,
			"False", `["feature:` + e.Feature + `"]`}
	}
	cols := []string{"request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens", "completion_tokens",
		"startTime", "endTime", "request_duration_ms", "model", "model_group", "custom_llm_provider", "user", "metadata",
		"cache_hit", "request_tags"}
	if _, err := b.owner.CopyFrom(ctx, pgx.Identifier{"public", "LiteLLM_SpendLogs"}, cols, pgx.CopyFromRows(rows)); err != nil {
		return 0, fmt.Errorf("filling LiteLLM_SpendLogs: %w", err)
	}
	cfg := b.owner.Config().ConnConfig.Copy()
	cfg.RuntimeParams["timezone"] = "UTC"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	book, err := pricing.LoadBook(ctx, b.role)
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	rep, err := ingest.Stream(ctx, b.role, book, ingest.LiteLLMOptions{}.DBSource(ctx, conn, ingest.Cursor{}, ingest.Rules{}, func(ingest.Cursor) {}), ingest.WriteOptions{})
	if err != nil {
		return 0, err
	}
	if len(rep.Rejected) > 0 || rep.Accepted != len(events) {
		return 0, fmt.Errorf("%d of %d spend logs stored, %d rejected %v", rep.Accepted, len(events), len(rep.Rejected), rep.Rejected)
	}
	return time.Since(t0).Seconds(), nil
}
