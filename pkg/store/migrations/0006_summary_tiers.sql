-- Summary tiers kept exact on the write path; no reader ever refreshes anything.
--
--   cost_hourly      UTC hour x tenant, feature, model, model version, provider, region, currencies
--   cost_daily       UTC day  x the same dimensions
--   cost_hourly_user UTC hour x tenant, user, feature, currencies
--   cost_daily_user  UTC day  x tenant, user, feature, currencies
--
-- Each holds additive subtotals (requests, tokens, cost per currency) of cost_events. A
-- statement trigger with transition tables applies every INSERT, UPDATE, DELETE (and
-- COPY) to the three tiers as a delta in the writing transaction: new rows added, old
-- rows subtracted, subtotals left with no request removed. Its cost follows the rows the
-- statement changed, not the history of the hours they fall in, so late and restated
-- events land exactly and cheaply. It runs with the owner's rights (one upsert per
-- subtotal, no per-row policy), so a read-only role can query and the Grafana role needs
-- no write grant on the summaries. The planner answers any range from whole days, whole
-- hours and the raw events at its edges (pkg/query/plan.go); README "Summaries" gives
-- the grain and cardinality reasoning and the Citus variant.

DROP TRIGGER cost_events_dirty_insert ON costlens.cost_events;
DROP TRIGGER cost_events_dirty_update ON costlens.cost_events;
DROP TRIGGER cost_events_dirty_delete ON costlens.cost_events;
DROP FUNCTION costlens.mark_hours_dirty();
DROP FUNCTION costlens.refresh_cost_hourly();
DROP TABLE costlens.cost_hourly_dirty;
DROP TABLE costlens.cost_hourly;

CREATE TABLE costlens.cost_hourly (
    tenant              text        NOT NULL,
    hour                timestamptz NOT NULL,
    feature             text        NOT NULL,
    model               text        NOT NULL,
    model_version       text        NOT NULL,
    provider            text        NOT NULL,
    region              text        NOT NULL,
    price_currency      char(3),
    reported_currency   char(3),
    requests            bigint      NOT NULL,
    input_tokens        bigint      NOT NULL,
    output_tokens       bigint      NOT NULL,
    cached_input_tokens bigint      NOT NULL,
    gpu_seconds         numeric     NOT NULL,
    priced_cost         numeric,
    reported_cost       numeric,
    UNIQUE NULLS NOT DISTINCT (tenant, hour, feature, model, model_version, provider, region, price_currency, reported_currency)
);
CREATE INDEX cost_hourly_hour ON costlens.cost_hourly (hour);

CREATE TABLE costlens.cost_daily (
    tenant              text    NOT NULL,
    day                 date    NOT NULL,
    feature             text    NOT NULL,
    model               text    NOT NULL,
    model_version       text    NOT NULL,
    provider            text    NOT NULL,
    region              text    NOT NULL,
    price_currency      char(3),
    reported_currency   char(3),
    requests            bigint  NOT NULL,
    input_tokens        bigint  NOT NULL,
    output_tokens       bigint  NOT NULL,
    cached_input_tokens bigint  NOT NULL,
    gpu_seconds         numeric     NOT NULL,
    priced_cost         numeric,
    reported_cost       numeric,
    UNIQUE NULLS NOT DISTINCT (tenant, day, feature, model, model_version, provider, region, price_currency, reported_currency)
);
CREATE INDEX cost_daily_day ON costlens.cost_daily (day);

CREATE TABLE costlens.cost_hourly_user (
    tenant              text        NOT NULL,
    hour                timestamptz NOT NULL,
    user_id             text        NOT NULL,
    feature             text        NOT NULL,
    price_currency      char(3),
    reported_currency   char(3),
    requests            bigint      NOT NULL,
    input_tokens        bigint      NOT NULL,
    output_tokens       bigint      NOT NULL,
    cached_input_tokens bigint      NOT NULL,
    gpu_seconds         numeric     NOT NULL,
    priced_cost         numeric,
    reported_cost       numeric,
    UNIQUE NULLS NOT DISTINCT (tenant, hour, user_id, feature, price_currency, reported_currency)
);
CREATE INDEX cost_hourly_user_hour ON costlens.cost_hourly_user (hour);

CREATE TABLE costlens.cost_daily_user (
    tenant              text    NOT NULL,
    day                 date    NOT NULL,
    user_id             text    NOT NULL,
    feature             text    NOT NULL,
    price_currency      char(3),
    reported_currency   char(3),
    requests            bigint  NOT NULL,
    input_tokens        bigint  NOT NULL,
    output_tokens       bigint  NOT NULL,
    cached_input_tokens bigint  NOT NULL,
    gpu_seconds         numeric     NOT NULL,
    priced_cost         numeric,
    reported_cost       numeric,
    UNIQUE NULLS NOT DISTINCT (tenant, day, user_id, feature, price_currency, reported_currency)
);
CREATE INDEX cost_daily_user_day ON costlens.cost_daily_user (day);

-- Tenant isolation on the summaries as on the events. Every policy reads the binding
-- through a scalar subquery: PostgreSQL then evaluates it once per statement (an
-- InitPlan) rather than calling current_setting twice for every row, which was most of
-- the time a summary query took; the events' policies get the same form.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['cost_hourly', 'cost_daily', 'cost_hourly_user', 'cost_daily_user'] LOOP
        EXECUTE format('ALTER TABLE costlens.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE costlens.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON costlens.%I USING (true)', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['cost_events', 'billing_line_items', 'event_keys', 'cost_hourly', 'cost_daily',
                             'cost_hourly_user', 'cost_daily_user'] LOOP
        EXECUTE format($p$ALTER POLICY tenant_isolation ON costlens.%I
            USING ((SELECT coalesce(current_setting('costlens.tenant', true), '')) IN ('', tenant))
            WITH CHECK ((SELECT coalesce(current_setting('costlens.tenant', true), '')) IN ('', tenant))$p$, t);
    END LOOP;
END $$;

-- The statements that add a set of signed event rows (sign, cost_events.*) to each tier,
-- one per tier, ordered by key so concurrent writers lock subtotals in the same order.
CREATE FUNCTION costlens.summary_upserts(changes text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT format($sql$
        INSERT INTO costlens.%1$I AS s (tenant, %2$s, %4$s, price_currency, reported_currency,
            requests, input_tokens, output_tokens, cached_input_tokens, gpu_seconds, priced_cost, reported_cost)
        SELECT tenant, %3$s, %4$s, price_currency, reported_currency,
               sum(sign), sum(sign * input_tokens), sum(sign * output_tokens), sum(sign * cached_input_tokens),
               coalesce(sum(sign * gpu_seconds), 0), sum(sign * priced_cost), sum(sign * reported_cost)
        FROM (%5$s) c
        GROUP BY tenant, 2, %4$s, price_currency, reported_currency
        ORDER BY tenant, 2, %4$s, price_currency, reported_currency
        ON CONFLICT (tenant, %2$s, %4$s, price_currency, reported_currency) DO UPDATE SET
            requests = s.requests + excluded.requests,
            input_tokens = s.input_tokens + excluded.input_tokens,
            output_tokens = s.output_tokens + excluded.output_tokens,
            cached_input_tokens = s.cached_input_tokens + excluded.cached_input_tokens,
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

-- The trigger: transition tables are visible to this function's own statements (EXECUTE
-- included), so the statements run here rather than in a helper.
CREATE FUNCTION costlens.summarise_event_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    caller text := coalesce(current_setting('costlens.tenant', true), '');
    stmt   text;
BEGIN
    PERFORM set_config('costlens.tenant', '', true);
    FOR stmt IN SELECT costlens.summary_upserts(CASE TG_OP
            WHEN 'INSERT' THEN 'SELECT 1 AS sign, * FROM new_rows'
            WHEN 'DELETE' THEN 'SELECT -1 AS sign, * FROM old_rows'
            ELSE 'SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1, * FROM old_rows' END) LOOP
        EXECUTE stmt;
    END LOOP;
    IF TG_OP <> 'INSERT' THEN
        -- subtotals whose every request was deleted or moved away
        DELETE FROM costlens.cost_hourly s USING (SELECT DISTINCT tenant, date_trunc('hour', ts, 'UTC') AS hour FROM old_rows) o
        WHERE s.tenant = o.tenant AND s.hour = o.hour AND s.requests = 0;
        DELETE FROM costlens.cost_daily s USING (SELECT DISTINCT tenant, (ts AT TIME ZONE 'UTC')::date AS day FROM old_rows) o
        WHERE s.tenant = o.tenant AND s.day = o.day AND s.requests = 0;
        DELETE FROM costlens.cost_hourly_user s USING (SELECT DISTINCT tenant, date_trunc('hour', ts, 'UTC') AS hour FROM old_rows) o
        WHERE s.tenant = o.tenant AND s.hour = o.hour AND s.requests = 0;
        DELETE FROM costlens.cost_daily_user s USING (SELECT DISTINCT tenant, (ts AT TIME ZONE 'UTC')::date AS day FROM old_rows) o
        WHERE s.tenant = o.tenant AND s.day = o.day AND s.requests = 0;
    END IF;
    PERFORM set_config('costlens.tenant', caller, true);
    RETURN NULL;
END $$;

CREATE TRIGGER cost_events_summarise_insert AFTER INSERT ON costlens.cost_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION costlens.summarise_event_changes();
CREATE TRIGGER cost_events_summarise_update AFTER UPDATE ON costlens.cost_events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION costlens.summarise_event_changes();
CREATE TRIGGER cost_events_summarise_delete AFTER DELETE ON costlens.cost_events
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION costlens.summarise_event_changes();

-- Recomputes every tier for the UTC days [from_day, to_day) from the events, with the
-- owner's rights; returns the events read. For repair, for a backfill written with the
-- triggers disabled, and for Citus (README "Summaries"); call it a day or a week at a
-- time to commit progress in bounded steps.
CREATE FUNCTION costlens.rebuild_summaries(from_day date, to_day date) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    caller text := coalesce(current_setting('costlens.tenant', true), '');
    lo     timestamptz := from_day::timestamp AT TIME ZONE 'UTC';
    hi     timestamptz := to_day::timestamp AT TIME ZONE 'UTC';
    stmt   text;
    n      bigint;
BEGIN
    PERFORM set_config('costlens.tenant', '', true);
    DELETE FROM costlens.cost_hourly WHERE hour >= lo AND hour < hi;
    DELETE FROM costlens.cost_daily WHERE day >= from_day AND day < to_day;
    DELETE FROM costlens.cost_hourly_user WHERE hour >= lo AND hour < hi;
    DELETE FROM costlens.cost_daily_user WHERE day >= from_day AND day < to_day;
    FOR stmt IN SELECT costlens.summary_upserts(
            format('SELECT 1 AS sign, * FROM costlens.cost_events WHERE ts >= %L AND ts < %L', lo, hi)) LOOP
        EXECUTE stmt;
    END LOOP;
    SELECT count(*) INTO n FROM costlens.cost_events WHERE ts >= lo AND ts < hi;
    PERFORM set_config('costlens.tenant', caller, true);
    RETURN n;
END $$;

-- (ensure_event_months, which moves a month's rows out of the default partition, must
-- move them through the parent so this trigger sees the move: see 0007.)

-- Billing allocation reads each model version's usage per UTC hour from cost_hourly
-- (GPU-seconds and tokens), not from the events: allocation, the billing and blended
-- cost sources and GPU utilisation no longer scan a month of events. Its plan's cost
-- estimate (a row per line and hour) set off JIT compilation, a second of compiling for
-- a 160 ms query: jit is off for it. Otherwise as in 0005.
CREATE OR REPLACE FUNCTION costlens.allocation_usage(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (line_id bigint, stake boolean, line_tenant text, provider text, region text, resource_id text,
               resource_type text, period_start timestamptz, period_end timestamptz, billed_cost text,
               currency text, gpus text, a100_hours text,
               model_version text, usage_tenant text, tenant_key text, gpu_seconds text, tokens bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off AS $$
DECLARE
    caller text := coalesce(current_setting('costlens.tenant', true), '');
BEGIN
    -- lifted for this function's own reads only, and put back before it returns
    PERFORM set_config('costlens.tenant', '', true);
    RETURN QUERY
    WITH lines AS (
        SELECT b.id, b.tenant, b.provider, b.region, b.resource_id, b.resource_type, b.tags,
               b.charge_period_start AS s, b.charge_period_end AS e, b.billed_cost, b.billing_currency,
               b.consumed_quantity, b.pricing_unit,
               coalesce((SELECT max(mv.gpus) FROM costlens.model_versions mv WHERE mv.resource_id = b.resource_id), 0) AS gpus
        FROM costlens.billing_line_items b
        WHERE b.charge_period_start >= from_ts AND b.charge_period_start < to_ts
    ), served AS (
        SELECT l.id, mv.model_version, l.s, l.e FROM lines l
        JOIN costlens.model_versions mv ON mv.model_version = l.tags->>'model_version'
        WHERE l.tags ? 'model_version'
        UNION ALL
        SELECT l.id, mv.model_version, l.s, l.e FROM lines l
        JOIN costlens.model_versions mv ON mv.resource_id = l.resource_id AND mv.resource_id <> ''
        WHERE NOT l.tags ? 'model_version'
    ), hourly AS MATERIALIZED (
        -- usage per whole UTC hour (lines are hourly, on hour boundaries), from the
        -- hourly summary rather than the events: the same sums, a row per subtotal
        SELECT ch.tenant, ch.model_version, ch.hour, sum(ch.gpu_seconds) AS gs,
               sum(ch.input_tokens::numeric + ch.output_tokens + ch.cached_input_tokens) AS tk
        FROM costlens.cost_hourly ch
        WHERE ch.hour >= date_trunc('hour', from_ts, 'UTC') AND ch.hour < to_ts + interval '1 day'
          AND ch.model_version IN (SELECT sv.model_version FROM served sv)
        GROUP BY 1, 2, 3
    ), line_hours AS MATERIALIZED (
        -- the hours h with s <= h < e of each line, listed, so that usage joins on
        -- equality (a hash join) rather than on a range (each line against every hour)
        SELECT sv.id, sv.model_version, sh.hour FROM served sv
        CROSS JOIN LATERAL generate_series(
            date_trunc('hour', sv.s, 'UTC') + CASE WHEN date_trunc('hour', sv.s, 'UTC') < sv.s THEN interval '1 hour' ELSE interval '0' END,
            sv.e - interval '1 microsecond', interval '1 hour') AS sh(hour)
    ), used AS (
        SELECT lh.id, h.tenant, h.model_version, coalesce(sum(h.gs), 0) AS gs, coalesce(sum(h.tk), 0) AS tk
        FROM line_hours lh JOIN hourly h ON h.model_version = lh.model_version AND h.hour = lh.hour
        GROUP BY 1, 2, 3
    ), staked AS (
        SELECT l.id FROM lines l
        WHERE caller = '' OR l.tenant = caller OR EXISTS (SELECT 1 FROM used u WHERE u.id = l.id AND u.tenant = caller)
    )
    SELECT l.id, k.id IS NOT NULL,
           CASE WHEN caller IN ('', l.tenant) THEN l.tenant END,
           CASE WHEN k.id IS NOT NULL THEN l.provider END,
           CASE WHEN k.id IS NOT NULL THEN l.region END,
           CASE WHEN k.id IS NOT NULL THEN l.resource_id END,
           CASE WHEN k.id IS NOT NULL THEN l.resource_type END,
           l.s, l.e,
           CASE WHEN k.id IS NOT NULL THEN l.billed_cost::text END,
           CASE WHEN k.id IS NOT NULL THEN l.billing_currency::text END,
           l.gpus::text,
           CASE WHEN k.id IS NOT NULL THEN
               (SELECT (l.consumed_quantity * uc.factor)::text FROM costlens.unit_conversions uc
                WHERE uc.from_unit = l.pricing_unit AND uc.to_unit = 'a100-hour'
                  AND uc.subject IN (l.resource_type, '',
                      coalesce((SELECT max(mv.gpu_type) FROM costlens.model_versions mv WHERE mv.resource_id = l.resource_id), ''))
                -- the instance type is the most specific subject, then the GPU type, then any
                ORDER BY uc.subject = l.resource_type DESC, uc.subject = '' ASC LIMIT 1) END,
           u.model_version,
           CASE WHEN caller IN ('', u.tenant) THEN u.tenant END,
           md5(u.tenant),
           u.gs::text,
           u.tk::bigint
    FROM lines l
    LEFT JOIN staked k ON k.id = l.id
    LEFT JOIN used u ON u.id = l.id
    ORDER BY l.id, u.model_version, md5(u.tenant);
    PERFORM set_config('costlens.tenant', caller, true);
END $$;

-- The summaries of the events already stored.
SELECT costlens.rebuild_summaries(min(ts AT TIME ZONE 'UTC')::date, max(ts AT TIME ZONE 'UTC')::date + 1)
FROM costlens.cost_events HAVING count(*) > 0;
