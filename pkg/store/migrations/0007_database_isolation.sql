-- Tenant isolation enforced by the database on every table that holds a tenant's rows,
-- whatever SQL the Grafana role runs (issue: isolation only in the plugin):
--   * each month partition of cost_events, present and future, and the default one:
--     queries through cost_events were already bound by its policy, but a partition
--     named directly (SELECT … FROM costlens.cost_events_202611) showed every tenant;
--   * budgets and recommendation states, which had no policy (the plugin filtered).
-- A partition's policy is not evaluated for statements on the parent, so queries through
-- cost_events pay nothing for it.

CREATE FUNCTION costlens.isolate_tenants(tbl regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    IF NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = tbl AND polname = 'tenant_isolation') THEN
        EXECUTE format($p$CREATE POLICY tenant_isolation ON %s
            USING ((SELECT coalesce(current_setting('costlens.tenant', true), '')) IN ('', tenant))
            WITH CHECK ((SELECT coalesce(current_setting('costlens.tenant', true), '')) IN ('', tenant))$p$, tbl);
    END IF;
END $$;
-- (it alters tables, which only their owner may: ensure_event_months calls it with the
-- owner's rights)

SELECT costlens.isolate_tenants(i.inhrelid::regclass)
FROM pg_inherits i WHERE i.inhparent = 'costlens.cost_events'::regclass;
SELECT costlens.isolate_tenants('costlens.budgets');
SELECT costlens.isolate_tenants('costlens.recommendation_states');

-- ensure_event_months, made anew: a new month partition gets the policy as it is made;
-- a month's rows move out of the default partition through the parent (where the month
-- has no partition yet they are all in the default one), so the summary trigger of 0006
-- sees the move as a delete and an insert and the totals stay put; and writers running
-- at once (two per upload) agree on who creates a month.
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
        PERFORM costlens.isolate_tenants('costlens.' || name);
        INSERT INTO costlens.cost_events SELECT * FROM pg_temp.costlens_moving;
        created := created + 1;
    END LOOP;
    PERFORM set_config('costlens.tenant', caller, true);
    RETURN created;
END $$;
