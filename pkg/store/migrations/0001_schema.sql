-- Costlens schema, version 1. Money is numeric with its ISO-4217 currency beside it;
-- times are timestamptz in UTC. Every unique key includes tenant so the same schema
-- distributes on Citus with tenant as the distribution column.

CREATE TABLE costlens.cost_events (
    tenant              text        NOT NULL,
    request_id          text        NOT NULL,
    ts                  timestamptz NOT NULL,
    feature             text        NOT NULL DEFAULT '',
    user_id             text        NOT NULL DEFAULT '',
    model               text        NOT NULL DEFAULT '',
    model_version       text        NOT NULL DEFAULT '',
    provider            text        NOT NULL DEFAULT '',
    region              text        NOT NULL DEFAULT '',
    input_tokens        bigint      NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens       bigint      NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    cached_input_tokens bigint      NOT NULL DEFAULT 0 CHECK (cached_input_tokens >= 0),
    latency_ms          integer     CHECK (latency_ms >= 0),
    gpu_seconds         numeric     CHECK (gpu_seconds >= 0),
    reported_cost       numeric,
    reported_currency   char(3),
    priced_cost         numeric,
    price_currency      char(3),
    price_id            bigint,
    attributes          jsonb       NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (tenant, ts, request_id),
    CHECK ((reported_cost IS NULL) = (reported_currency IS NULL)),
    CHECK ((priced_cost IS NULL) = (price_currency IS NULL))
) PARTITION BY RANGE (ts);

-- Rows outside every monthly partition land here rather than failing the insert.
CREATE TABLE costlens.cost_events_default PARTITION OF costlens.cost_events DEFAULT;

CREATE INDEX cost_events_ts_idx ON costlens.cost_events (ts);
CREATE INDEX cost_events_version_ts_idx ON costlens.cost_events (model_version, ts);

-- Idempotency: (tenant, request_id) is unique across partitions through this table.
CREATE TABLE costlens.event_keys (
    tenant     text        NOT NULL,
    request_id text        NOT NULL,
    ts         timestamptz NOT NULL,
    PRIMARY KEY (tenant, request_id)
);

CREATE FUNCTION costlens.ensure_event_partitions(from_ts timestamptz, to_ts timestamptz)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    m       date := date_trunc('month', from_ts AT TIME ZONE 'UTC')::date;
    created integer := 0;
    name    text;
BEGIN
    WHILE m <= (to_ts AT TIME ZONE 'UTC')::date LOOP
        name := format('cost_events_%s', to_char(m, 'YYYYMM'));
        IF to_regclass('costlens.' || name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE costlens.%I PARTITION OF costlens.cost_events FOR VALUES FROM (%L) TO (%L)',
                name, (m::timestamp AT TIME ZONE 'UTC'), ((m + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
            created := created + 1;
        END IF;
        m := (m + interval '1 month')::date;
    END LOOP;
    RETURN created;
END $$;

CREATE TABLE costlens.billing_line_items (
    id                   bigserial,
    tenant               text        NOT NULL,
    provider             text        NOT NULL,
    billing_account      text        NOT NULL DEFAULT '',
    region               text        NOT NULL DEFAULT '',
    resource_id          text        NOT NULL,
    resource_type        text        NOT NULL DEFAULT '',
    charge_period_start  timestamptz NOT NULL,
    charge_period_end    timestamptz NOT NULL,
    pricing_unit         text        NOT NULL,
    consumed_quantity    numeric     NOT NULL CHECK (consumed_quantity >= 0),
    billed_cost          numeric     NOT NULL,
    billing_currency     char(3)     NOT NULL,
    tags                 jsonb       NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (tenant, id),
    UNIQUE (tenant, provider, billing_account, resource_id, charge_period_start, pricing_unit),
    CHECK (charge_period_end > charge_period_start)
);
CREATE INDEX billing_line_items_period_idx ON costlens.billing_line_items (charge_period_start);

CREATE TABLE costlens.price_book (
    id                  bigserial PRIMARY KEY,
    provider            text        NOT NULL,
    model               text        NOT NULL,
    model_is_pattern    boolean     NOT NULL DEFAULT false,
    usage_type          text        NOT NULL CHECK (usage_type IN
                        ('input', 'output', 'cached_input', 'request', 'gpu_second', 'instance_hour', 'gpu_hour')),
    unit_price          numeric     NOT NULL CHECK (unit_price >= 0),
    unit                text        NOT NULL CHECK (unit IN ('token', '1k_tokens', '1m_tokens', 'request', 'second', 'hour')),
    currency            char(3)     NOT NULL,
    min_context_tokens  bigint      NOT NULL DEFAULT 0,
    effective_from      timestamptz NOT NULL,
    effective_to        timestamptz,
    checked_on          date,
    source              text        NOT NULL DEFAULT '',
    CHECK (effective_to IS NULL OR effective_to > effective_from)
);
CREATE UNIQUE INDEX price_book_key ON costlens.price_book
    (provider, model, usage_type, min_context_tokens, effective_from);

CREATE TABLE costlens.fx_rates (
    rate_date date    NOT NULL,
    base      char(3) NOT NULL,
    quote     char(3) NOT NULL,
    rate      numeric NOT NULL CHECK (rate > 0),
    source    text    NOT NULL DEFAULT '',
    PRIMARY KEY (base, quote, rate_date),
    CHECK (base <> quote)
);

CREATE TABLE costlens.model_versions (
    model_version text PRIMARY KEY,
    model         text        NOT NULL DEFAULT '',
    version       text        NOT NULL DEFAULT '',
    quantization  text        NOT NULL DEFAULT '',
    params        text        NOT NULL DEFAULT '',
    instance_type text        NOT NULL DEFAULT '',
    gpu_type      text        NOT NULL DEFAULT '',
    gpus          numeric     NOT NULL DEFAULT 0,
    provider      text        NOT NULL DEFAULT '',
    region        text        NOT NULL DEFAULT '',
    resource_id   text        NOT NULL DEFAULT '',
    deployed_at   timestamptz,
    retired_at    timestamptz
);

CREATE TABLE costlens.unit_conversions (
    from_unit   text    NOT NULL,
    subject     text    NOT NULL DEFAULT '',
    to_unit     text    NOT NULL,
    factor      numeric NOT NULL CHECK (factor > 0),
    note        text    NOT NULL DEFAULT '',
    PRIMARY KEY (from_unit, subject, to_unit)
);

CREATE TABLE costlens.budgets (
    id               bigserial PRIMARY KEY,
    tenant           text    NOT NULL DEFAULT '',
    scope_dimension  text    NOT NULL DEFAULT '',
    scope_value      text    NOT NULL DEFAULT '',
    period           text    NOT NULL CHECK (period IN ('day', 'week', 'month', 'quarter', 'year')),
    amount           numeric NOT NULL CHECK (amount > 0),
    currency         char(3) NOT NULL,
    alert_thresholds numeric[] NOT NULL DEFAULT '{0.8,1.0}',
    UNIQUE (tenant, scope_dimension, scope_value, period)
);

-- Tenant isolation: a data source bound to a tenant connects with costlens.tenant set,
-- and these policies hide every other tenant's rows (superusers bypass RLS, so the
-- plugin's database user must not be one).
ALTER TABLE costlens.cost_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE costlens.cost_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON costlens.cost_events
    USING (coalesce(current_setting('costlens.tenant', true), '') IN ('', tenant))
    WITH CHECK (coalesce(current_setting('costlens.tenant', true), '') IN ('', tenant));
ALTER TABLE costlens.billing_line_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE costlens.billing_line_items FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON costlens.billing_line_items
    USING (coalesce(current_setting('costlens.tenant', true), '') IN ('', tenant))
    WITH CHECK (coalesce(current_setting('costlens.tenant', true), '') IN ('', tenant));
ALTER TABLE costlens.event_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE costlens.event_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON costlens.event_keys
    USING (coalesce(current_setting('costlens.tenant', true), '') IN ('', tenant))
    WITH CHECK (coalesce(current_setting('costlens.tenant', true), '') IN ('', tenant));
