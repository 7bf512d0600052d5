// The npm registry these machines reach does not serve every platform build of
// @swc/core (the darwin and win32 ones answer 404), so `npm install` writes a lockfile
// without them and `npm ci` then refuses it. This adds the missing platform entries,
// marked optional with their os/cpu, so npm ci skips them on other platforms exactly
// as it would with a complete lockfile. Run after `npm install` changes the lockfile.
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = 'package-lock.json';
const lock = JSON.parse(readFileSync(LOCK, 'utf8'));
const pkgs = lock.packages;

const OS = ['darwin', 'linux', 'win32', 'freebsd', 'android'];
const CPU = { arm64: 'arm64', x64: 'x64', arm: 'arm', ia32: 'ia32', ppc64: 'ppc64', s390x: 's390x' };

let added = 0;
for (const [path, entry] of Object.entries(pkgs)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (pkgs[key]) {
      continue;
    }
    const parts = dep.split('/').pop().split('-');
    const os = parts.find((p) => OS.includes(p));
    const cpu = parts.map((p) => CPU[p]).find(Boolean);
    if (!os || !cpu) {
      console.warn(`${path}: optional ${dep} is missing and is not a platform build; left alone`);
      continue;
    }
    const stub = { version, cpu: [cpu], os: [os], optional: true };
    if (parts.includes('musl')) {
      stub.libc = ['musl'];
    } else if (os === 'linux' && parts.some((p) => p.startsWith('gnu'))) {
      stub.libc = ['glibc'];
    }
    pkgs[key] = stub;
    added++;
  }
}
const sorted = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)))
);
lock.packages = sorted;
writeFileSync(LOCK, JSON.stringify(lock, null, 2) + '\n');
console.log(`${LOCK}: added ${added} platform entries`);
