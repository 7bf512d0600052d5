import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import fixture from '../../pkg/query/testdata/queries.json';
import { QUERY_TYPES, METRICS_BY_TYPE, QueryType } from '../datasource/types';
import { DASHBOARDS, dashboardJSON } from './costlens';

const dir = path.join(__dirname, '..', '..', 'provisioning', 'dashboards');

describe('dashboards as code', () => {
  it.each(Object.keys(DASHBOARDS))('%s.json is what the code builds (run npm run dashboards after a change)', (uid) => {
    const committed = readFileSync(path.join(dir, `${uid}.json`), 'utf8');
    expect(committed).toBe(dashboardJSON(DASHBOARDS[uid]));
  });

  it('provisions no dashboard the code does not build', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(
      Object.keys(DASHBOARDS)
        .map((uid) => `${uid}.json`)
        .sort()
    );
  });

  it('every panel asks Costlens a query its model accepts', () => {
    for (const build of Object.values(DASHBOARDS)) {
      const dash = build();
      for (const panel of dash.panels ?? []) {
        const targets = (panel as { targets?: Array<Record<string, unknown>> }).targets ?? [];
        for (const t of targets) {
          expect(t.datasource).toEqual({ type: 'costlens-cost-datasource', uid: '${ds}' });
          const type = (t.queryType ?? 'cost') as QueryType;
          expect(QUERY_TYPES).toContain(type);
          if (t.metric) {
            expect(METRICS_BY_TYPE[type].map((m) => m.value)).toContain(t.metric);
          }
          for (const g of (t.groupBy as string[]) ?? []) {
            expect(type === 'allocation' ? fixture.allocationDimensions : fixture.dimensions).toContain(g);
          }
        }
      }
    }
  });
});
