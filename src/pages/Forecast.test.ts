import { CustomVariable, QueryVariable, SceneQueryRunner, sceneGraph, VizPanel } from '@grafana/scenes';

import { anomaliesScene } from './Anomalies';
import { forecastScene } from './Forecast';
import { overviewScene } from './Overview';

function byTitle(scene: ReturnType<typeof forecastScene>) {
  const panels = sceneGraph.findAllObjects(scene, (o) => o instanceof VizPanel) as VizPanel[];
  return Object.fromEntries(
    panels.map((p) => {
      const runner = p.state.$data as SceneQueryRunner;
      return [
        p.state.title,
        {
          queries: runner.state.queries,
          range: runner.state.$timeRange?.state.from,
          noValue: p.state.fieldConfig.defaults.noValue,
        },
      ];
    })
  );
}

const tenant = { dimension: 'tenant', operator: 'in', values: ['${tenant}'] };

describe('Forecast page', () => {
  it('asks for this month’s projection per picked scope, as a series and as a table', () => {
    const scene = forecastScene();
    const panels = byTitle(scene);
    expect(Object.keys(panels)).toEqual(['This month: actual and projected spend', 'Projected month-end by scope']);
    expect(panels['This month: actual and projected spend']).toEqual({
      queries: [
        {
          refId: 'A',
          currency: '${currency}',
          queryType: 'forecast',
          output: 'series',
          groupBy: ['${scope}'],
          period: 'month',
          filters: [tenant],
        },
      ],
      range: 'now/M',
      noValue: 'No spend recorded yet: the forecast starts with the first cost events',
    });
    expect(panels['Projected month-end by scope'].queries[0]).toMatchObject({ output: 'table', groupBy: ['${scope}'] });
    const names = scene.state.$variables!.state.variables.map((v) => v.state.name);
    expect(names).toEqual(['ds', 'currency', 'tenant', 'scope']);
    // the pickers read the last 30 days, not Grafana's default 6 hours
    expect(sceneGraph.getTimeRange(scene.state.$variables!.state.variables[2]).state.from).toBe('now-30d');
  });
});

describe('Anomalies page', () => {
  it('checks each value of the picked dimension: current anomalies, cost against expected, and the score', () => {
    const scene = anomaliesScene();
    const panels = byTitle(scene);
    expect(Object.keys(panels)).toEqual(['Current anomalies', 'Cost against expected', 'Anomaly score']);
    expect(panels['Current anomalies'].queries).toEqual([
      {
        refId: 'A',
        currency: '${currency}',
        queryType: 'anomalies',
        output: 'table',
        groupBy: ['${dimension}'],
        direction: '${direction}',
        interval: '${per}',
        filters: [tenant],
      },
    ]);
    expect(panels['Current anomalies'].noValue).toBe('No anomalies in this time range');
    expect(panels['Anomaly score'].queries[0]).toMatchObject({ output: 'alert', metric: 'score' });
    // follows the page's time picker, 14 days by default
    expect(scene.state.$timeRange!.state.from).toBe('now-14d');
    expect(scene.state.$variables!.state.variables.map((v) => v.state.name)).toEqual([
      'ds',
      'currency',
      'tenant',
      'dimension',
      'direction',
      'per',
    ]);
  });
});

describe('pickers shared across pages', () => {
  beforeEach(() => sessionStorage.clear());

  it('a page starts where the last one was left: currency, tenants and time range', () => {
    const overview = overviewScene();
    const vars = overview.state.$variables!;
    (vars.getByName('currency') as CustomVariable).changeValueTo('CNY');
    (vars.getByName('tenant') as QueryVariable).changeValueTo(['acme']);
    overview.state.$timeRange!.setState({ from: 'now-90d', to: 'now' });

    const anomalies = anomaliesScene();
    expect(anomalies.state.$variables!.getByName('currency')!.getValue()).toBe('CNY');
    expect(anomalies.state.$variables!.getByName('tenant')!.getValue()).toEqual(['acme']);
    expect(anomalies.state.$timeRange!.state.from).toBe('now-90d');
    // the forecast is always this month, whatever range was picked elsewhere
    expect(byTitle(forecastScene())['This month: actual and projected spend'].range).toBe('now/M');
  });

  it('without a previous pick each page has its own default range', () => {
    expect(anomaliesScene().state.$timeRange!.state.from).toBe('now-14d');
    expect(overviewScene().state.$timeRange!.state.from).toBe('now-30d');
  });
});
