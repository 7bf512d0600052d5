-- Runs once when the compose PostgreSQL is created. Grafana connects as costlens_grafana:
-- not a superuser and not the tables' owner, so row-level security applies to it.
CREATE ROLE costlens_grafana LOGIN PASSWORD 'costlens' NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
CREATE SCHEMA IF NOT EXISTS costlens;
GRANT USAGE ON SCHEMA costlens TO costlens_grafana;
ALTER DEFAULT PRIVILEGES IN SCHEMA costlens GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO costlens_grafana;
ALTER DEFAULT PRIVILEGES IN SCHEMA costlens GRANT USAGE, SELECT ON SEQUENCES TO costlens_grafana;
ALTER DEFAULT PRIVILEGES IN SCHEMA costlens GRANT EXECUTE ON FUNCTIONS TO costlens_grafana;
