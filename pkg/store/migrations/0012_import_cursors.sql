-- Where an incremental import has read up to in a source it pulls from (LiteLLM's
-- LiteLLM_SpendLogs): the last (start time, request id) it stored, per named source and
-- the tenant the import was bound to ('' when rows name their own). The cursor only
-- saves reading; what it reads again is counted as duplicates by the event keys, so a
-- lost or stale cursor never double counts.
CREATE TABLE costlens.import_cursors (
    tenant      text        NOT NULL,
    name        text        NOT NULL,
    position_ts timestamptz NOT NULL,
    position_id text        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, name)
);
SELECT costlens.isolate_tenants('costlens.import_cursors');
