-- Schema upkeep runs with the owner's rights, and no SQL depends on the session's TimeZone.
--
-- The Grafana role may not create tables in the costlens schema, so partitions are made
-- by SECURITY DEFINER functions with a fixed search_path (and the tenant binding lifted
-- inside them only: they move and count rows, they return none). A month's rows that
-- landed in the default partition before the month had one are moved into it, so
-- creating the partition never fails on them.
--
-- The binding is lifted with set_config and put back before returning, not with a
-- function SET clause: PostgreSQL lets only superusers attach a custom setting to a
-- function, and the schema's owner need not be one. (An error aborts the transaction,
-- which undoes the set_config too.)

CREATE FUNCTION costlens.ensure_event_months(stamps timestamptz[]) RETURNS integer
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
        -- two writers creating the same month: the second finds it made
        PERFORM pg_advisory_xact_lock(hashtext('costlens.' || name));
        CONTINUE WHEN to_regclass('costlens.' || name) IS NOT NULL;
        lo := m::timestamp AT TIME ZONE 'UTC';
        hi := (m + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        CREATE TEMP TABLE IF NOT EXISTS costlens_moving (LIKE costlens.cost_events) ON COMMIT DROP;
        DELETE FROM pg_temp.costlens_moving;
        WITH gone AS (DELETE FROM costlens.cost_events_default WHERE ts >= lo AND ts < hi RETURNING *)
        INSERT INTO pg_temp.costlens_moving SELECT * FROM gone;
        EXECUTE format('CREATE TABLE costlens.%I PARTITION OF costlens.cost_events FOR VALUES FROM (%L) TO (%L)',
                       name, lo, hi);
        INSERT INTO costlens.cost_events SELECT * FROM pg_temp.costlens_moving;
        created := created + 1;
    END LOOP;
    PERFORM set_config('costlens.tenant', caller, true);
    RETURN created;
END $$;

-- Every month from from_ts to to_ts (the seed's range); writers of uploaded events call
-- ensure_event_months with the events' own times, so only months with events are made.
CREATE OR REPLACE FUNCTION costlens.ensure_event_partitions(from_ts timestamptz, to_ts timestamptz)
RETURNS integer LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT costlens.ensure_event_months(array(
        SELECT (m AT TIME ZONE 'UTC')
        FROM generate_series(date_trunc('month', from_ts AT TIME ZONE 'UTC'),
                             date_trunc('month', to_ts AT TIME ZONE 'UTC'), interval '1 month') AS m))
$$;

-- Hours are UTC hours whatever the session's TimeZone (date_trunc on a timestamptz
-- truncates in the session's zone otherwise: a half-hour zone put events in the wrong hour).
CREATE OR REPLACE FUNCTION costlens.mark_hours_dirty() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO costlens.cost_hourly_dirty (tenant, hour)
        SELECT DISTINCT tenant, date_trunc('hour', ts, 'UTC') FROM new_rows
        ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO costlens.cost_hourly_dirty (tenant, hour)
        SELECT DISTINCT tenant, date_trunc('hour', ts, 'UTC') FROM old_rows
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

-- The refresh runs with the owner's rights over every tenant's dirty hours: it returns
-- only a count, and a bound session still reads only its own rollup rows. (As the
-- caller, the tenant policy was evaluated per row, about 30 times slower.)
DROP FUNCTION costlens.refresh_cost_hourly();
CREATE FUNCTION costlens.refresh_cost_hourly() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    caller  text := coalesce(current_setting('costlens.tenant', true), '');
    n       bigint;
BEGIN
    PERFORM set_config('costlens.tenant', '', true);
    WITH claimed AS (
        DELETE FROM costlens.cost_hourly_dirty RETURNING tenant, hour
    ), cleared AS (
        DELETE FROM costlens.cost_hourly h USING claimed c WHERE h.tenant = c.tenant AND h.hour = c.hour
    ), span AS (
        SELECT min(hour) AS first, max(hour) + interval '1 hour' AS last FROM claimed
    ), filled AS (
        INSERT INTO costlens.cost_hourly
        SELECT e.tenant, date_trunc('hour', e.ts, 'UTC'), e.feature, e.model, e.model_version, e.provider, e.region,
               e.price_currency, e.reported_currency, count(*), sum(e.input_tokens), sum(e.output_tokens),
               sum(e.cached_input_tokens), sum(e.priced_cost), sum(e.reported_cost)
        FROM costlens.cost_events e, span
        WHERE e.ts >= span.first AND e.ts < span.last
          AND (e.tenant, date_trunc('hour', e.ts, 'UTC')) IN (SELECT tenant, hour FROM claimed)
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    )
    SELECT count(*) INTO n FROM claimed;
    PERFORM set_config('costlens.tenant', caller, true);
    RETURN n;
END $$;

-- Rollup rows written under another session zone may sit on the wrong hour: rebuild all.
DELETE FROM costlens.cost_hourly;
DELETE FROM costlens.cost_hourly_dirty;
INSERT INTO costlens.cost_hourly_dirty (tenant, hour)
SELECT DISTINCT tenant, date_trunc('hour', ts, 'UTC') FROM costlens.cost_events;
