// Builds the data source backend where Grafana looks for the nested plugin's
// executable: dist/datasource/<executable>_<os>_<arch> (see src/datasource/plugin.json).
//
//   node scripts/build-backend.mjs                 # linux/amd64
//   node scripts/build-backend.mjs linux/arm64 darwin/arm64
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const { executable } = JSON.parse(readFileSync('src/datasource/plugin.json', 'utf8'));
const targets = process.argv.slice(2);
if (targets.length === 0) {
  targets.push('linux/amd64');
}

for (const target of targets) {
  const [goos, goarch] = target.split('/');
  const out = `dist/datasource/${executable}_${goos}_${goarch}${goos === 'windows' ? '.exe' : ''}`;
  console.log(`go build ${target} -> ${out}`);
  const res = spawnSync('go', ['build', '-trimpath', '-ldflags', '-s -w', '-o', out, './pkg'], {
    stdio: 'inherit',
    env: { ...process.env, CGO_ENABLED: '0', GOOS: goos, GOARCH: goarch },
  });
  if (res.status !== 0) {
    process.exit(res.status ?? 1);
  }
}
