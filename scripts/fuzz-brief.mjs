// Runs each Go fuzz target briefly (FUZZTIME, default 10s) so CI exercises the parsers
// with generated input on every run; the seed corpus also runs as plain tests in go test.
import { run } from './with-postgres.mjs';

const targets = [
  ['./pkg/query', 'FuzzParse'],
  ['./pkg/ingest', 'FuzzParseEvents'],
  ['./pkg/ingest', 'FuzzParseFXCSV'],
  ['./pkg/ingest', 'FuzzParseFOCUSCSV'],
  ['./pkg/modelversion', 'FuzzParse'],
];
const fuzztime = process.env.FUZZTIME || '10s';

for (const [pkg, name] of targets) {
  const code = await run('go', ['test', '-run', '^$', '-fuzz', `^${name}$`, '-fuzztime', fuzztime, pkg]);
  if (code !== 0) {
    process.exit(code);
  }
}
