import { QueryVariable, SceneQueryRunner, sceneGraph, VizPanel } from '@grafana/scenes';

import { overviewScene } from './Overview';

function panels() {
  const scene = overviewScene();
  return sceneGraph.findAllObjects(scene, (o) => o instanceof VizPanel) as VizPanel[];
}

describe('Overview page', () => {
  it('asks the Costlens data source every question, in the page currency and tenants', () => {
    const byTitle = Object.fromEntries(
      panels().map((p) => {
        const runner = p.state.$data as SceneQueryRunner;
        return [
          p.state.title,
          { ds: runner.state.datasource, queries: runner.state.queries, range: runner.state.$timeRange?.state.from },
        ];
      })
    );
    const tenant = { dimension: 'tenant', operator: 'in', values: ['${tenant}'] };
    expect(Object.keys(byTitle)).toEqual([
      'Spend this month',
      'Cost per 1K tokens this month',
      'Requests this month',
      'Unpriced requests this month',
      'Daily cost by feature',
      'Top model versions by cost',
      'Cost per 1K tokens by model',
    ]);
    expect(byTitle['Spend this month']).toEqual({
      ds: { type: 'costlens-cost-datasource', uid: '${ds}' },
      queries: [{ refId: 'A', currency: '${currency}', queryType: 'breakdown', metric: 'cost', filters: [tenant] }],
      range: 'now/M',
    });
    expect(byTitle['Daily cost by feature'].queries).toEqual([
      {
        refId: 'A',
        currency: '${currency}',
        queryType: 'cost',
        metric: 'cost',
        groupBy: ['feature'],
        interval: '1d',
        filters: [tenant],
      },
    ]);
    // follows the page's time picker rather than "this month"
    expect(byTitle['Daily cost by feature'].range).toBeUndefined();
    expect(byTitle['Top model versions by cost'].queries[0]).toMatchObject({
      groupBy: ['model', 'model_version'],
      topN: 10,
    });
  });

  it('offers data source, currency and tenant pickers', () => {
    const scene = overviewScene();
    const names = scene.state.$variables!.state.variables.map((v) => v.state.name);
    expect(names).toEqual(['ds', 'currency', 'tenant']);
    // currencies come from the data source (those it has FX rates for), not a fixed list
    const currency = scene.state.$variables!.state.variables[1] as QueryVariable;
    expect(currency.state.query).toEqual({ refId: 'currency', dimension: 'currencies' });
  });
});
