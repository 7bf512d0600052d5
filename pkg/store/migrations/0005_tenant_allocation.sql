-- Billing allocation that gives the same answer whether or not a session is bound.
--
-- A bill line belongs to its tenant. A resource used by several tenants is charged back
-- to them by their usage of it in the line's hour; the idle part stays with the line's
-- owner. So a line's split depends on every tenant's usage, which a bound session
-- cannot read under row-level security: this owner-rights function reads it and hands
-- the caller only what the caller is charged for, plus what a split needs:
--   * lines the caller owns or is charged on ("stake"): the line's facts and each
--     usage row, other tenants' names (and the owner, to a tenant charged on another's
--     line) hidden as NULL behind a stable key (md5 of the name, used only to settle
--     ties identically in bound and unbound sessions);
--   * other lines: no cost, resource or owner, only capacity and usage by model
--     version, which GPU utilisation of a model version needs.
CREATE FUNCTION costlens.allocation_usage(from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (line_id bigint, stake boolean, line_tenant text, provider text, region text, resource_id text,
               resource_type text, period_start timestamptz, period_end timestamptz, billed_cost text,
               currency text, gpus text, a100_hours text,
               model_version text, usage_tenant text, tenant_key text, gpu_seconds text, tokens bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
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
    ), hourly AS (
        -- usage per whole UTC hour (lines are hourly, on hour boundaries)
        SELECT ev.tenant, ev.model_version, date_trunc('hour', ev.ts, 'UTC') AS hour, sum(ev.gpu_seconds) AS gs,
               sum(ev.input_tokens::numeric + ev.output_tokens + ev.cached_input_tokens) AS tk
        FROM costlens.cost_events ev
        WHERE ev.ts >= from_ts AND ev.ts < to_ts + interval '1 day'
          AND ev.model_version IN (SELECT sv.model_version FROM served sv)
        GROUP BY 1, 2, 3
    ), used AS (
        SELECT sv.id, h.tenant, h.model_version, coalesce(sum(h.gs), 0) AS gs, coalesce(sum(h.tk), 0) AS tk
        FROM served sv JOIN hourly h ON h.model_version = sv.model_version AND h.hour >= sv.s AND h.hour < sv.e
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
