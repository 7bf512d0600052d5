// End-to-end against the compose Grafana (`docker compose up`, then `npm run e2e`).
// Not run in CI: these machines have no Docker engine.
import { expect, test } from './fixtures';

test('the Overview page shows month-to-date spend from the provisioned data', async ({ gotoPage, page }) => {
  await gotoPage('/overview');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await expect(page.getByText('Spend this month')).toBeVisible();
  await expect(page.getByText('Daily cost by feature')).toBeVisible();
});

test('the Settings page reports the provisioned data sources as healthy', async ({ gotoPage, page }) => {
  await gotoPage('/settings');
  await expect(page.getByText(/Connected to postgres:5432\/costlens, schema version \d+/).first()).toBeVisible();
});

test('the data source health check passes with the provisioned settings', async ({ gotoDataSourceConfigPage }) => {
  const configPage = await gotoDataSourceConfigPage('costlens');
  await expect(configPage.saveAndTest()).toBeOK();
});

test('a panel query groups cost by feature', async ({ panelEditPage, readProvisionedDataSource, page }) => {
  const ds = await readProvisionedDataSource({ fileName: 'costlens.yaml', name: 'Costlens' });
  await panelEditPage.datasource.set(ds.name);
  await page.getByLabel('Group by').click();
  await page.getByText('Feature', { exact: true }).click();
  await expect(panelEditPage.refreshPanel()).toBeOK();
});
