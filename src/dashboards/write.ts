// npm run dashboards: writes each dashboard built in costlens.ts to
// provisioning/dashboards/<uid>.json, where the dev Grafana provisions it from.
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { DASHBOARDS, dashboardJSON } from './costlens';

for (const [uid, build] of Object.entries(DASHBOARDS)) {
  const file = path.join(__dirname, '..', '..', 'provisioning', 'dashboards', `${uid}.json`);
  writeFileSync(file, dashboardJSON(build));
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
