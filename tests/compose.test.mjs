// There is no Docker engine where CI runs, so this checks what can be checked without
// one: docker-compose.yaml parses, and every file, directory and build target it names
// exists and agrees with the plugin's ids.  Run with: node --test tests/
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '..');
const read = (p) => readFileSync(path.join(root, p), 'utf8');
const compose = parse(read('docker-compose.yaml'));
const dockerfile = read('Dockerfile');
const appId = JSON.parse(read('src/plugin.json')).id;
const ds = JSON.parse(read('src/datasource/plugin.json'));
const queryTypes = JSON.parse(read('pkg/query/testdata/queries.json')).queryTypes;

test('every service builds from an existing Dockerfile target or a pinned image', () => {
  const targets = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]);
  assert.deepEqual(Object.keys(compose.services).sort(), ['grafana', 'postgres', 'seed']);
  for (const [name, svc] of Object.entries(compose.services)) {
    if (svc.build) {
      assert.ok(existsSync(path.join(root, svc.build.context, svc.build.dockerfile)), `${name}: Dockerfile`);
      assert.ok(targets.includes(svc.build.target), `${name}: target ${svc.build.target} not in ${targets}`);
    } else {
      assert.match(svc.image, /^[\w./-]+:[\w.-]+$/, `${name}: image must be pinned to a tag`);
    }
  }
});

test('every bind mount names a file or directory in the repository', () => {
  for (const [name, svc] of Object.entries(compose.services)) {
    for (const v of svc.volumes ?? []) {
      const [source] = v.split(':');
      if (source.startsWith('.')) {
        assert.ok(existsSync(path.join(root, source)), `${name}: ${source} does not exist`);
      } else {
        assert.ok(compose.volumes && source in compose.volumes, `${name}: named volume ${source} is not declared`);
      }
    }
  }
});

test('every COPY in the Dockerfile copies something that exists', () => {
  for (const m of dockerfile.matchAll(/^COPY\s+(?!--from)(.+)$/gm)) {
    const parts = m[1].trim().split(/\s+/);
    for (const src of parts.slice(0, -1)) {
      assert.ok(existsSync(path.join(root, src)), `COPY ${src}`);
    }
  }
  assert.match(
    dockerfile,
    new RegExp(`plugins/${appId}/datasource/`),
    'the backend binary lands in the nested data source directory'
  );
  assert.match(
    dockerfile,
    new RegExp(`${ds.executable}_\\$\\{TARGETOS\\}_\\$\\{TARGETARCH\\}`),
    'binary named after plugin.json executable'
  );
  assert.ok(existsSync(path.join(root, 'pkg/cmd/costlens-seed/main.go')));
});

test('services start in order: database healthy, then seed done, then Grafana', () => {
  assert.equal(compose.services.seed.depends_on.postgres.condition, 'service_healthy');
  assert.equal(compose.services.grafana.depends_on.seed.condition, 'service_completed_successfully');
  assert.ok(compose.services.postgres.healthcheck.test.join(' ').includes('pg_isready'));
});

test('Grafana may load both unsigned plugins', () => {
  const allowed = compose.services.grafana.environment.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS.split(',');
  assert.deepEqual(allowed.sort(), [appId, ds.id].sort());
});

test('provisioning enables the app, and its data sources point at the compose database', () => {
  const apps = parse(read('provisioning/plugins/apps.yaml'));
  assert.equal(apps.apps[0].type, appId);
  const sources = parse(read('provisioning/datasources/costlens.yaml')).datasources;
  const pg = compose.services.postgres.environment;
  const init = read('provisioning/postgres/init.sql');
  for (const s of sources) {
    assert.equal(s.type, ds.id);
    assert.equal(s.jsonData.host, 'postgres');
    assert.equal(s.jsonData.database, pg.POSTGRES_DB);
    assert.match(init, new RegExp(`CREATE ROLE ${s.jsonData.user} LOGIN PASSWORD '${s.secureJsonData.password}'`));
    assert.equal(s.jsonData.password, undefined, 'the password belongs in secureJsonData');
  }
});

test('provisioned dashboards parse and query only provisioned Costlens data sources', () => {
  const provider = parse(read('provisioning/dashboards/dashboards.yaml')).providers[0];
  assert.equal(provider.options.path, '/etc/grafana/provisioning/dashboards');
  const files = readdirSync(path.join(root, 'provisioning/dashboards')).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 1);
  for (const f of files) {
    const dash = JSON.parse(read(`provisioning/dashboards/${f}`));
    assert.ok(dash.uid && dash.title, `${f}: uid and title`);
    // panels pick the data source through a ${ds} variable over Costlens data sources
    const dsVar = dash.templating.list.find((v) => v.name === 'ds');
    assert.deepEqual([dsVar.type, dsVar.query], ['datasource', ds.id], `${f}: the ds variable`);
    for (const p of dash.panels) {
      for (const t of p.targets ?? []) {
        assert.deepEqual(t.datasource, { type: ds.id, uid: '${ds}' }, `${f} panel "${p.title}"`);
        assert.ok(queryTypes.includes(t.queryType), `${f} panel "${p.title}": queryType ${t.queryType}`);
      }
    }
  }
  assert.ok(statSync(path.join(root, 'provisioning/postgres/init.sql')).size > 0);
});

test('alert rules and notifications are provisioned against the provisioned Costlens data source', () => {
  const uids = parse(read('provisioning/datasources/costlens.yaml')).datasources.map((d) => d.uid);
  const rules = parse(read('provisioning/alerting/costlens-rules.yaml'));
  const all = rules.groups.flatMap((g) => g.rules);
  assert.equal(all.length, 7);
  const notifications = parse(read('provisioning/alerting/costlens-notifications.yaml'));
  const receivers = notifications.contactPoints.map((c) => c.name);
  // routed by each rule, so provisioning never replaces an existing policy tree
  assert.equal(notifications.policies, undefined);
  const runbooks = new Set();
  for (const r of all) {
    assert.ok(receivers.includes(r.notification_settings?.receiver), `${r.uid}: receiver`);
    assert.match(
      r.annotations.runbook_url,
      /^\/a\/costlens-cost-app\/(anomalies|forecast|settings)/,
      `${r.uid}: runbook`
    );
    runbooks.add(r.annotations.runbook_url);
    for (const d of r.data) {
      assert.ok(d.datasourceUid === '__expr__' || uids.includes(d.datasourceUid), `${r.uid}: ${d.datasourceUid}`);
    }
    assert.ok(
      r.data.some((d) => d.refId === r.condition),
      `${r.uid}: condition ${r.condition}`
    );
  }
  assert.ok(runbooks.size >= 4, 'each rule points at the page that explains it');
  assert.equal(notifications.contactPoints[0].receivers[0].type, 'webhook');
  const optIn = parse(read('provisioning/examples/costlens-notification-policy.yaml'));
  assert.ok(receivers.includes(optIn.policies[0].receiver));
});
