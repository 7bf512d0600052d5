-- A tenant key the Grafana role cannot switch. Until now the only key was the session
-- setting costlens.tenant, which any session may SET or RESET; it binds the plugin's own
-- sessions but does not stop someone holding the role's password (issue: isolation
-- only in the plugin).
--
-- The binding that holds is the login: the owner maps a login role to a tenant in
-- costlens.tenant_logins, and every policy reads the mapping for session_user, which a
-- session cannot change (SET ROLE changes current_user only; SET SESSION AUTHORIZATION
-- needs a superuser). A bound login sees and writes its tenant's rows and nothing else,
-- whatever it sets. costlens.tenant still narrows further (an unbound login, such as a
-- shared FinOps data source, choosing a tenant), but can never widen: a bound login
-- asking for another tenant sees no rows at all.
--
-- Inside the owner's SECURITY DEFINER functions (month partitions, summary upkeep,
-- allocation) current_user is the owner, and only the session setting applies there, as
-- before: those functions lift it to do their bookkeeping on every tenant's rows, and
-- name a tenant to their caller through costlens.caller_tenant(), which does honour the
-- login.

CREATE TABLE costlens.tenant_logins (
    login  name PRIMARY KEY,
    tenant text NOT NULL CHECK (tenant <> '')
);
-- only the owner reads or writes the mapping (the schema's default privileges grant the
-- Grafana role DML on new tables: a policy that is always false shuts it out, and the
-- owner, without FORCE, is not subject to it)
ALTER TABLE costlens.tenant_logins ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_only ON costlens.tenant_logins USING (false) WITH CHECK (false);

-- The tenant the login of this session is bound to, or NULL when it is not bound.
CREATE FUNCTION costlens.login_tenant() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT tenant FROM costlens.tenant_logins WHERE login = session_user
$$;

-- What the caller may see: '' for every tenant, a tenant's name, or NULL for nothing
-- (a bound login asking for another tenant).
CREATE FUNCTION costlens.caller_tenant() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN b IS NULL THEN s WHEN s IN ('', b) THEN b END
    FROM (SELECT coalesce(current_setting('costlens.tenant', true), '') AS s, costlens.login_tenant() AS b) x
$$;

-- What a policy lets through: the caller's tenant, except inside the owner's own
-- functions, which answer to the session setting alone.
CREATE FUNCTION costlens.visible_tenant() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        WHEN current_user = (SELECT nspowner::regrole::name FROM pg_namespace WHERE nspname = 'costlens')
        THEN coalesce(current_setting('costlens.tenant', true), '')
        ELSE costlens.caller_tenant() END
$$;

-- Every tenant policy (events and their partitions, keys, bills, summaries, budgets,
-- recommendation states) reads visible_tenant() once per statement (an InitPlan).
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT polrelid::regclass AS tbl FROM pg_policy WHERE polname = 'tenant_isolation' LOOP
        EXECUTE format('ALTER POLICY tenant_isolation ON %s
            USING ((SELECT costlens.visible_tenant()) IN ('''', tenant))
            WITH CHECK ((SELECT costlens.visible_tenant()) IN ('''', tenant))', r.tbl);
    END LOOP;
END $$;

CREATE OR REPLACE FUNCTION costlens.isolate_tenants(tbl regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    IF NOT EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = tbl AND polname = 'tenant_isolation') THEN
        EXECUTE format($p$CREATE POLICY tenant_isolation ON %s
            USING ((SELECT costlens.visible_tenant()) IN ('', tenant))
            WITH CHECK ((SELECT costlens.visible_tenant()) IN ('', tenant))$p$, tbl);
    END IF;
END $$;

-- Allocation names tenants to its caller: the caller is now whom the login allows (a
-- bound login that clears costlens.tenant is still its tenant; one asking for another
-- tenant is named nothing), and the setting it lifts is put back as it was. Otherwise
-- as in 0006.
CREATE OR REPLACE FUNCTION costlens.allocation_usage(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (line_id bigint, stake boolean, line_tenant text, provider text, region text, resource_id text,
               resource_type text, period_start timestamptz, period_end timestamptz, billed_cost text,
               currency text, gpus text, a100_hours text,
               model_version text, usage_tenant text, tenant_key text, gpu_seconds text, tokens bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off AS $$
DECLARE
    setting text := coalesce(current_setting('costlens.tenant', true), '');
    caller  text := costlens.caller_tenant();
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
    PERFORM set_config('costlens.tenant', setting, true);
END $$;
