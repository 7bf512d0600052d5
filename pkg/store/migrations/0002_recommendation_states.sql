-- What people decided about a recommendation: dismissed for good, or snoozed until a
-- time. Keyed by the recommendation's stable id, per tenant ('' for unbound sources).
CREATE TABLE costlens.recommendation_states (
    tenant      text        NOT NULL DEFAULT '',
    id          text        NOT NULL,
    state       text        NOT NULL CHECK (state IN ('dismissed', 'snoozed')),
    until       timestamptz,
    note        text        NOT NULL DEFAULT '',
    updated_by  text        NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, id),
    CHECK ((state = 'snoozed') = (until IS NOT NULL))
);
