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
            requests, input_tokens, output_tokens, cached_input_tokens, priced_cost, reported_cost)
        SELECT tenant, %3$s, %4$s, price_currency, reported_currency,
               sum(sign), sum(sign * input_tokens), sum(sign * output_tokens), sum(sign * cached_input_tokens),
               sum(sign * priced_cost), sum(sign * reported_cost)
        FROM (%5$s) c
        GROUP BY tenant, 2, %4$s, price_currency, reported_currency
        ORDER BY tenant, 2, %4$s, price_currency, reported_currency
        ON CONFLICT (tenant, %2$s, %4$s, price_currency, reported_currency) DO UPDATE SET
            requests = s.requests + excluded.requests,
            input_tokens = s.input_tokens + excluded.input_tokens,
            output_tokens = s.output_tokens + excluded.output_tokens,
            cached_input_tokens = s.cached_input_tokens + excluded.cached_input_tokens,
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

-- Moving a month's rows out of the default partition now goes through the parent
-- (where the month has no partition yet, they are all in the default one), so the
-- summary trigger sees the move as a delete and an insert and the totals stay put; and
-- writers running at once (two per upload) agree on who creates a month.
CREATE OR REPLACE FUNCTION costlens.ensure_event_months(stamps timestamptz[]) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    caller  text := coalesce(current_setting('costlens.tenant', true), '');
    m       date;
    lo      timestamptz;
    hi      timestamptz;
    name    text;
    created integer := 0;
BEGIN
    PERFORM set_config('costlens.tenant', '', true);
    FOR m IN SELECT DISTINCT date_trunc('month', s AT TIME ZONE 'UTC')::date
             FROM unnest(stamps) AS s WHERE s IS NOT NULL ORDER BY 1 LOOP
        name := format('cost_events_%s', to_char(m, 'YYYYMM'));
        CONTINUE WHEN to_regclass('costlens.' || name) IS NOT NULL;
        -- two writers creating the same month: the second finds it made. It looks in
        -- pg_class with this statement's snapshot, taken after the lock was granted;
        -- to_regclass reads the catalog cache, which may not have seen the commit yet.
        PERFORM pg_advisory_xact_lock(hashtext('costlens.' || name));
        CONTINUE WHEN EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                              WHERE n.nspname = 'costlens' AND c.relname = name);
        lo := m::timestamp AT TIME ZONE 'UTC';
        hi := (m + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        CREATE TEMP TABLE IF NOT EXISTS costlens_moving (LIKE costlens.cost_events) ON COMMIT DROP;
        DELETE FROM pg_temp.costlens_moving;
        WITH gone AS (DELETE FROM costlens.cost_events WHERE ts >= lo AND ts < hi RETURNING *)
        INSERT INTO pg_temp.costlens_moving SELECT * FROM gone;
        EXECUTE format('CREATE TABLE costlens.%I PARTITION OF costlens.cost_events FOR VALUES FROM (%L) TO (%L)',
                       name, lo, hi);
        INSERT INTO costlens.cost_events SELECT * FROM pg_temp.costlens_moving;
        created := created + 1;
    END LOOP;
    PERFORM set_config('costlens.tenant', caller, true);
    RETURN created;
END $$;

-- The summaries of the events already stored.
SELECT costlens.rebuild_summaries(min(ts AT TIME ZONE 'UTC')::date, max(ts AT TIME ZONE 'UTC')::date + 1)
FROM costlens.cost_events HAVING count(*) > 0;
