import fixture from '../../pkg/query/testdata/queries.json';
import {
  ALLOCATION_DIMENSIONS,
  ALLOCATION_METRICS,
  CostQuery,
  DIMENSIONS,
  INTERVALS,
  METRICS,
  METRICS_BY_TYPE,
  OPERATORS,
  QUERY_TYPE_SPECS,
  QUERY_TYPES,
} from './types';

// pkg/query/fixture_test.go reads the same file: both models agree on the whitelists
// and accept the same example queries.
describe('the query model shared with the Go backend', () => {
  it('lists the same dimensions, metrics, operators and intervals', () => {
    expect(DIMENSIONS.map((d) => d.value)).toEqual(fixture.dimensions);
    expect(METRICS.map((m) => m.value)).toEqual(fixture.metrics);
    expect(OPERATORS).toEqual(fixture.operators);
    expect(INTERVALS).toEqual(fixture.intervals);
    expect(ALLOCATION_DIMENSIONS.map((d) => d.value)).toEqual(fixture.allocationDimensions);
    expect(ALLOCATION_METRICS.map((m) => m.value)).toEqual(fixture.allocationMetrics);
    expect(QUERY_TYPES).toEqual(fixture.queryTypes);
  });

  it('holds the same facts per query type as the Go handlers', () => {
    const ours = Object.fromEntries(
      Object.entries(QUERY_TYPE_SPECS).map(
        ([type, { dimensions, groups, filters, topN, interval, outputs, metrics }]) => [
          type,
          { dimensions, groups, filters, topN, interval, outputs, metrics: metrics.map((m) => m.value) },
        ]
      )
    );
    expect(ours).toEqual(fixture.typeSpecs);
  });

  it.each(fixture.examples.map((e) => [e.name, e.query]))('%s is a valid CostQuery', (_, raw) => {
    const q = raw as CostQuery;
    const known: Array<keyof CostQuery> = [
      'refId',
      'queryType',
      'metric',
      'groupBy',
      'filters',
      'currency',
      'costSource',
      'topN',
      'interval',
      'showOriginalCurrency',
      'output',
      'period',
      'budget',
      'baseline',
      'thresholdPercent',
      'zScore',
      'direction',
      'seasonal',
      'windowDays',
      'contributorsBy',
      'idleDays',
      'includeDismissed',
    ];
    for (const key of Object.keys(q)) {
      expect(known).toContain(key);
    }
    const type = q.queryType ?? 'cost';
    expect(QUERY_TYPES).toContain(type);
    if (q.metric) {
      expect(METRICS_BY_TYPE[type].map((m) => m.value)).toContain(q.metric);
    }
    const dimensions = type === 'allocation' ? fixture.allocationDimensions : fixture.dimensions;
    for (const g of q.groupBy ?? []) {
      expect(dimensions).toContain(g);
    }
    const filterable = type === 'budget' ? ['scope', 'scope_value', 'period'] : fixture.dimensions;
    for (const f of q.filters ?? []) {
      expect(filterable).toContain(f.dimension);
      expect(fixture.operators).toContain(f.operator);
      expect(f.values.length).toBeGreaterThan(0);
    }
  });
});
