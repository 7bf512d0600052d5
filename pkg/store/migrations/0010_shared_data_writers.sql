-- Shared reference data is read by every tenant and written only by logins not bound
-- to one. Prices, price aliases, FX rates, model versions and unit conversions have no
-- tenant: every tenant's money is computed with them, so a login bound to one tenant
-- (0008) changing them would change what the others are charged. The plugin already
-- refuses those uploads through a bound data source; this holds for any SQL the login
-- runs. The owner (migrations, upkeep) is not subject to these policies.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['price_book', 'price_aliases', 'fx_rates', 'model_versions', 'unit_conversions'] LOOP
        EXECUTE format('ALTER TABLE costlens.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY shared_read ON costlens.%I FOR SELECT USING (true)', t);
        EXECUTE format($p$CREATE POLICY shared_write ON costlens.%I FOR ALL
            USING ((SELECT costlens.login_tenant()) IS NULL)
            WITH CHECK ((SELECT costlens.login_tenant()) IS NULL)$p$, t);
    END LOOP;
END $$;
