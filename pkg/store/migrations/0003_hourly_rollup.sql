-- Hourly rollups of cost_events, read by the query planner whenever a query's buckets,
-- range and time zone fall on whole hours. Every change to cost_events marks its hours
-- dirty (statement triggers with transition tables, so COPY and direct SQL are covered);
-- refresh_cost_hourly() recomputes the dirty hours from the raw rows, and the planner
-- calls it before it reads, so an answer from the rollup equals the raw answer.
-- Users are left out: there are many of them, and a rollup per user and hour is about
-- as large as the events; queries by user read the events.
CREATE TABLE costlens.cost_hourly (
    tenant            text        NOT NULL,
    hour              timestamptz NOT NULL,
    feature           text        NOT NULL,
    model             text        NOT NULL,
    model_version     text        NOT NULL,
    provider          text        NOT NULL,
    region            text        NOT NULL,
    price_currency    char(3),
    reported_currency char(3),
    requests          bigint      NOT NULL,
    input_tokens      bigint      NOT NULL,
    output_tokens     bigint      NOT NULL,
    cached_tokens     bigint      NOT NULL,
    priced_cost       numeric,
    reported_cost     numeric
);
CREATE INDEX cost_hourly_tenant_hour ON costlens.cost_hourly (tenant, hour);
CREATE INDEX cost_hourly_hour ON costlens.cost_hourly (hour);

CREATE TABLE costlens.cost_hourly_dirty (
    tenant text        NOT NULL,
    hour   timestamptz NOT NULL,
    PRIMARY KEY (tenant, hour)
);

CREATE FUNCTION costlens.mark_hours_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO costlens.cost_hourly_dirty (tenant, hour)
        SELECT DISTINCT tenant, date_trunc('hour', ts) FROM new_rows
        ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO costlens.cost_hourly_dirty (tenant, hour)
        SELECT DISTINCT tenant, date_trunc('hour', ts) FROM old_rows
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER cost_events_dirty_insert AFTER INSERT ON costlens.cost_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION costlens.mark_hours_dirty();
CREATE TRIGGER cost_events_dirty_update AFTER UPDATE ON costlens.cost_events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION costlens.mark_hours_dirty();
CREATE TRIGGER cost_events_dirty_delete AFTER DELETE ON costlens.cost_events
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION costlens.mark_hours_dirty();

-- Recomputes the dirty hours this session may see (a tenant-bound session only its
-- tenant's) and returns how many it refreshed. Claiming a dirty row deletes it, so
-- concurrent callers never refresh the same hour; a change committed meanwhile marks
-- its hour dirty again.
CREATE FUNCTION costlens.refresh_cost_hourly() RETURNS bigint LANGUAGE sql AS $$
    WITH claimed AS (
        DELETE FROM costlens.cost_hourly_dirty
        WHERE coalesce(current_setting('costlens.tenant', true), '') IN ('', tenant)
        RETURNING tenant, hour
    ), cleared AS (
        DELETE FROM costlens.cost_hourly h USING claimed c WHERE h.tenant = c.tenant AND h.hour = c.hour
    ), span AS (
        SELECT min(hour) AS first, max(hour) + interval '1 hour' AS last FROM claimed
    ), filled AS (
        -- one range scan over the claimed span, hash-joined to the claimed hours
        INSERT INTO costlens.cost_hourly
        SELECT e.tenant, date_trunc('hour', e.ts), e.feature, e.model, e.model_version, e.provider, e.region,
               e.price_currency, e.reported_currency, count(*), sum(e.input_tokens), sum(e.output_tokens),
               sum(e.cached_input_tokens), sum(e.priced_cost), sum(e.reported_cost)
        FROM costlens.cost_events e, span
        WHERE e.ts >= span.first AND e.ts < span.last
          AND (e.tenant, date_trunc('hour', e.ts)) IN (SELECT tenant, hour FROM claimed)
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    )
    SELECT count(*) FROM claimed
$$;

ALTER TABLE costlens.cost_hourly ENABLE ROW LEVEL SECURITY;
ALTER TABLE costlens.cost_hourly FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON costlens.cost_hourly
    USING (coalesce(current_setting('costlens.tenant', true), '') IN ('', tenant))
    WITH CHECK (coalesce(current_setting('costlens.tenant', true), '') IN ('', tenant));
ALTER TABLE costlens.cost_hourly_dirty ENABLE ROW LEVEL SECURITY;
ALTER TABLE costlens.cost_hourly_dirty FORCE ROW LEVEL SECURITY;
-- any session may mark an hour dirty (its own writes are already limited to its tenant)
CREATE POLICY tenant_isolation ON costlens.cost_hourly_dirty
    USING (coalesce(current_setting('costlens.tenant', true), '') IN ('', tenant))
    WITH CHECK (coalesce(current_setting('costlens.tenant', true), '') IN ('', tenant));

-- Hours already in the table are dirty from the start.
INSERT INTO costlens.cost_hourly_dirty (tenant, hour)
SELECT DISTINCT tenant, date_trunc('hour', ts) FROM costlens.cost_events ON CONFLICT DO NOTHING;
