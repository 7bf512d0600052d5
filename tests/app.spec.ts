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

test('the Forecast page projects this month with bands and the seeded budget', async ({ gotoPage, page }) => {
  await gotoPage('/forecast');
  await expect(page.getByText('This month: actual and projected spend')).toBeVisible();
  await expect(page.getByText('Projected month-end by scope')).toBeVisible();
  // the seed sets a total monthly budget, so the table says when it runs out (or stays empty)
  await expect(page.getByText('Budget runs out on')).toBeVisible();
});

test('the Anomalies page lists current anomalies with their contributors', async ({ gotoPage, page }) => {
  await gotoPage('/anomalies');
  await expect(page.getByText('Current anomalies')).toBeVisible();
  await expect(page.getByText('Cost against expected')).toBeVisible();
  // the seed injects a spike for user u-acme-03 eight days before the end
  await page.getByLabel('Check each').click();
  await page.getByText('user', { exact: true }).click();
  await expect(page.getByText('u-acme-03').first()).toBeVisible();
});

test('the Recommendations page offers deleting the version that stopped taking traffic', async ({ gotoPage, page }) => {
  await gotoPage('/recommendations');
  await expect(page.getByText(/open, about [\d.]+ USD a month/)).toBeVisible();
  const snooze = page.getByRole('button', { name: /^Snooze delete\// }).first();
  await snooze.click();
  await expect(page.getByText(/\(snoozed until/).first()).toBeVisible();
  await page
    .getByRole('button', { name: /^Restore delete\// })
    .first()
    .click();
});

test('the Settings page edits budgets and shows the price book', async ({ gotoPage, page }) => {
  await gotoPage('/settings');
  await expect(page.getByText('Budgets and quotas')).toBeVisible();
  await page.getByLabel('Amount').fill('1234');
  await page.getByRole('button', { name: 'Save budget' }).click();
  await expect(page.getByText('1234 USD')).toBeVisible();
  await expect(page.getByText(/Price book \(\d+ prices in force\)/)).toBeVisible();
});

test('an alert rule evaluates on a Costlens anomaly query', async ({
  alertRuleEditPage: rulePage,
  readProvisionedDataSource,
  page,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'costlens.yaml', name: 'Costlens' });
  // a new, empty rule form (gotoAlertRuleEditPage is for existing rules: it needs a uid)
  await rulePage.goto();
  const query = await rulePage.getQueryRow('A');
  await query.datasource.set(ds.name);
  await page.getByText('Anomalies', { exact: true }).click();
  await page.getByText('Alert', { exact: true }).click();
  await expect(rulePage.evaluate()).toBeOK();
});
