-- Token semantics in the model (issue 12, item 4). An event now says what its tokens
-- were, in one meaning whatever the source:
--
--   input_tokens         prompt tokens neither read from nor written to a cache
--   cached_input_tokens  prompt tokens read from a cache (unchanged)
--   cache_write_tokens   prompt tokens written to a cache (Anthropic's cache creation)
--   cache_write_1h_tokens the part of those written for an hour (Anthropic prices a
--                        1-hour write at 2x input, a 5-minute one at 1.25x)
--   output_tokens        every generated token, reasoning included
--   reasoning_tokens     the part of output_tokens spent reasoning (never more than it)
--   service_tier         '' for the standard rate, else the tier it was served at
--                        ('batch', 'flex', 'priority', ...)
--   request_count        the requests the row stands for: 1 for a request; a provider's
--                        usage export gives a bucket's tokens for N requests, and 0
--                        when it does not count them or the row is a cost line alone
--   context_tokens       for a bucket of requests, the prompt size that picks the price's
--                        context tier (its own sum would be every request's prompts);
--                        NULL for a request, whose own prompt picks it
--
-- Sources that count cached tokens inside their input (OpenAI's prompt_tokens,
-- OpenTelemetry's gen_ai.usage.input_tokens) are normalised once, on the way in
-- (pkg/ingest/tokens.go). Existing rows keep their meaning: they carry no cache write,
-- no reasoning split and the standard tier, which is what the new defaults say.

ALTER TABLE costlens.cost_events
    ADD COLUMN cache_write_tokens bigint NOT NULL DEFAULT 0 CHECK (cache_write_tokens >= 0),
    ADD COLUMN reasoning_tokens   bigint NOT NULL DEFAULT 0 CHECK (reasoning_tokens >= 0),
    ADD COLUMN cache_write_1h_tokens bigint NOT NULL DEFAULT 0 CHECK (cache_write_1h_tokens >= 0),
    ADD COLUMN service_tier       text   NOT NULL DEFAULT '',
    ADD COLUMN request_count      bigint NOT NULL DEFAULT 1 CHECK (request_count >= 0),
    ADD COLUMN context_tokens     bigint CHECK (context_tokens >= 0),
    ADD CONSTRAINT cost_events_reasoning_in_output CHECK (reasoning_tokens <= output_tokens),
    ADD CONSTRAINT cost_events_1h_in_cache_writes CHECK (cache_write_1h_tokens <= cache_write_tokens);

-- The summaries add up cache writes too (tokens, cost per 1K tokens) and count the
-- requests a row stands for; reasoning is a part of output, read from the events.
ALTER TABLE costlens.cost_hourly ADD COLUMN cache_write_tokens bigint NOT NULL DEFAULT 0;
ALTER TABLE costlens.cost_daily ADD COLUMN cache_write_tokens bigint NOT NULL DEFAULT 0;
ALTER TABLE costlens.cost_hourly_user ADD COLUMN cache_write_tokens bigint NOT NULL DEFAULT 0;
ALTER TABLE costlens.cost_daily_user ADD COLUMN cache_write_tokens bigint NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION costlens.summary_upserts(changes text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format($sql$
        INSERT INTO costlens.%1$I AS s (tenant, %2$s, %4$s, price_currency, reported_currency,
            requests, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, gpu_seconds, priced_cost, reported_cost)
        SELECT tenant, %3$s, %4$s, price_currency, reported_currency,
               sum(sign * request_count), sum(sign * input_tokens), sum(sign * output_tokens), sum(sign * cached_input_tokens),
               sum(sign * cache_write_tokens), coalesce(sum(sign * gpu_seconds), 0), sum(sign * priced_cost), sum(sign * reported_cost)
        FROM (%5$s) c
        GROUP BY tenant, 2, %4$s, price_currency, reported_currency
        ORDER BY tenant, 2, %4$s, price_currency, reported_currency
        ON CONFLICT (tenant, %2$s, %4$s, price_currency, reported_currency) DO UPDATE SET
            requests = s.requests + excluded.requests,
            input_tokens = s.input_tokens + excluded.input_tokens,
            output_tokens = s.output_tokens + excluded.output_tokens,
            cached_input_tokens = s.cached_input_tokens + excluded.cached_input_tokens,
            cache_write_tokens = s.cache_write_tokens + excluded.cache_write_tokens,
            gpu_seconds = s.gpu_seconds + excluded.gpu_seconds,
            priced_cost = s.priced_cost + excluded.priced_cost,
            reported_cost = s.reported_cost + excluded.reported_cost$sql$,
        t.name, t.col, t.expr, t.dims, changes)
    FROM (VALUES
        ('cost_hourly', 'hour', $e$date_trunc('hour', ts, 'UTC')$e$, 'feature, model, model_version, provider, region'),
        ('cost_daily', 'day', $e$(ts AT TIME ZONE 'UTC')::date$e$, 'feature, model, model_version, provider, region'),
        ('cost_hourly_user', 'hour', $e$date_trunc('hour', ts, 'UTC')$e$, 'user_id, feature'),
        ('cost_daily_user', 'day', $e$(ts AT TIME ZONE 'UTC')::date$e$, 'user_id, feature')
    ) AS t(name, col, expr, dims)
$$;

-- The price book prices cache writes and reasoning where they differ from input and
-- output, and a service tier's own rates (a batch request at the batch price). A row
-- with service_tier '' is the standard rate; a request at another tier is priced only
-- by rows of that tier, never silently at the standard rate.
ALTER TABLE costlens.price_book DROP CONSTRAINT price_book_usage_type_check;
ALTER TABLE costlens.price_book ADD CONSTRAINT price_book_usage_type_check CHECK (usage_type IN
    ('input', 'output', 'cached_input', 'cache_write', 'cache_write_1h', 'reasoning', 'request', 'gpu_second', 'instance_hour', 'gpu_hour'));
ALTER TABLE costlens.price_book ADD COLUMN service_tier text NOT NULL DEFAULT '';
DROP INDEX costlens.price_book_key;
CREATE UNIQUE INDEX price_book_key ON costlens.price_book
    (provider, model, usage_type, service_tier, min_context_tokens, effective_from);

-- The Settings page lists the range's unpriced requests by provider, model and tier,
-- with what they used (pkg/plugin handleUnpriced): read from the events, as the
-- summaries keep no tier, through an index of the unpriced ones only (few, and none
-- written for the priced rest).
CREATE INDEX cost_events_unpriced_ts_idx ON costlens.cost_events (ts) WHERE price_currency IS NULL;
