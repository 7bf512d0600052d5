// Runs every test Costlens has, in the order CI needs them: static checks, Jest, the
// production builds, a check of dist/, then the Go tests against PostgreSQL (the one
// at COSTLENS_TEST_DATABASE_URL, else a throwaway server) including the host test
// against the executable just built. Stops at the first failure.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { run, withPostgres } from './with-postgres.mjs';

const steps = [];
const step = (name, fn) => steps.push({ name, fn });
const sh =
  (cmd, ...args) =>
  () =>
    run(cmd, args);

step('typecheck', sh('npx', 'tsc', '--noEmit'));
// the Playwright specs and their config are a project of their own (outside src/)
step('typecheck e2e', sh('npx', 'tsc', '--noEmit', '-p', 'tests/tsconfig.json'));
step('lint', sh('npx', 'eslint', '--cache', '.'));
step('format', sh('npx', 'prettier', '--check', 'src', 'tests', 'scripts', '*.js', '*.ts'));
step('gofmt', checkGofmt);
step('jest', sh('npx', 'jest', '--ci', '--maxWorkers', '2'));
step('compose and provisioning', sh('node', '--test', 'tests/compose.test.mjs'));
step('build frontend', sh('npm', 'run', 'build'));
step('build backend', sh('node', 'scripts/build-backend.mjs'));
step('check dist', checkDist);
step('go vet', sh('go', 'vet', './pkg/...'));
step('go test', () =>
  withPostgres((url) =>
    run('go', ['test', '-count=1', '-p', '2', './pkg/...'], {
      COSTLENS_TEST_DATABASE_URL: url,
      COSTLENS_PLUGIN_BINARY: path.resolve(pluginBinary()),
    })
  )
);
step('go fuzz (brief)', sh('node', 'scripts/fuzz-brief.mjs'));
// its own throwaway server, stopped and started three times during an import
step('fault test: PostgreSQL restarted during an import', sh('node', 'scripts/fault-restart.mjs'));
// a measurement, not a test: it fails only when a query or upload fails
step('benchmark (short)', () =>
  withPostgres((url) => run('go', ['run', './pkg/cmd/costlens-bench', '--short'], { COSTLENS_TEST_DATABASE_URL: url }))
);
// likewise: month-end forecasts and anomalies on a few of the real series (npm run
// bench:analytics: all), and the analytics time of one alert evaluation over 1,000 series
step('analytics benchmark (short)', sh('go', 'run', './pkg/cmd/costlens-analyze', 'bench-forecast', '--short'));
step('anomaly benchmark (short)', sh('go', 'run', './pkg/cmd/costlens-analyze', 'bench-anomalies', '--short'));

async function checkGofmt() {
  const { execFileSync } = await import('node:child_process');
  const unformatted = execFileSync('gofmt', ['-l', 'pkg'], { encoding: 'utf8' }).trim();
  if (unformatted) {
    console.error(`gofmt would change:\n${unformatted}`);
    return 1;
  }
  return 0;
}

function pluginBinary() {
  const { executable } = JSON.parse(readFileSync('src/datasource/plugin.json', 'utf8'));
  return `dist/datasource/${executable}_linux_amd64`;
}

// Grafana loads dist/plugin.json (the app), dist/datasource/plugin.json (the nested
// data source) and starts dist/datasource/<executable>_linux_amd64.
function checkDist() {
  const problems = [];
  for (const f of ['dist/plugin.json', 'dist/module.js', 'dist/datasource/plugin.json', 'dist/datasource/module.js']) {
    if (!existsSync(f)) {
      problems.push(`${f} is missing`);
    }
  }
  const app = JSON.parse(readFileSync('dist/plugin.json', 'utf8'));
  const ds = JSON.parse(readFileSync('dist/datasource/plugin.json', 'utf8'));
  if (app.id !== 'costlens-cost-app' || app.type !== 'app') {
    problems.push(`dist/plugin.json is ${app.type} ${app.id}, want app costlens-cost-app`);
  }
  if (app.backend) {
    problems.push('the app must not declare a backend: the data source is the only one');
  }
  if (!app.includes?.some((i) => i.type === 'datasource' && i.name === ds.name)) {
    problems.push(`the app does not include the data source "${ds.name}"`);
  }
  if (ds.id !== 'costlens-cost-datasource' || !ds.backend || !ds.alerting || !ds.executable) {
    problems.push('dist/datasource/plugin.json must be costlens-cost-datasource with backend, alerting and executable');
  }
  for (const f of [app, ds]) {
    if (f.info.version.includes('%') || f.info.updated.includes('%')) {
      problems.push(`${f.id}: version placeholders were not replaced`);
    }
  }
  const bin = pluginBinary();
  if (!existsSync(bin)) {
    problems.push(`${bin} is missing`);
  } else if ((statSync(bin).mode & 0o111) === 0) {
    problems.push(`${bin} is not executable`);
  }
  if (problems.length > 0) {
    problems.forEach((p) => console.error(`dist: ${p}`));
    return 1;
  }
  console.log(`dist: app, nested data source and ${bin} are where Grafana looks for them`);
  return 0;
}

const started = Date.now();
for (const { name, fn } of steps) {
  console.log(`\n=== ${name} ===`);
  const t0 = Date.now();
  const code = await fn();
  console.log(
    `=== ${name}: ${code === 0 ? 'ok' : `FAILED (exit ${code})`} in ${((Date.now() - t0) / 1000).toFixed(1)}s`
  );
  if (code !== 0) {
    process.exit(code);
  }
}
console.log(`\nall ${steps.length} steps passed in ${((Date.now() - started) / 1000).toFixed(0)}s`);
