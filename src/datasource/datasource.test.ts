import { dateTime, DataQueryRequest } from '@grafana/data';
import { lastValueFrom } from 'rxjs';

import { DimensionVariableSupport } from './datasource';
import { costDataSource, installBackend, installTemplateSrv } from './testing/grafanaServices';
import { CostQuery, VariableQuery } from './types';

describe('CostDataSource.applyTemplateVariables', () => {
  beforeEach(() => installTemplateSrv({ feature: ['chat', 'search'], tenant: 'acme', cur: 'CNY' }));

  it('expands a multi-value variable into several filter values', () => {
    const q: CostQuery = {
      refId: 'A',
      currency: '$cur',
      filters: [
        { dimension: 'feature', operator: '=', values: ['$feature'] },
        { dimension: 'tenant', operator: '!=', values: ['${tenant}', 'globex'] },
      ],
    };
    // saved without a queryType, and with "!=" over two values: migrated first (a time
    // series; "not in"); the variable's values are several after interpolation, which the
    // backend reads as "in"
    expect(costDataSource().applyTemplateVariables(q, {})).toEqual({
      refId: 'A',
      queryType: 'cost',
      currency: 'CNY',
      filters: [
        { dimension: 'feature', operator: '=', values: ['chat', 'search'] },
        { dimension: 'tenant', operator: 'not in', values: ['acme', 'globex'] },
      ],
    });
  });

  it('groups by a dimension a variable picks; "total" means no grouping', () => {
    installTemplateSrv({ scope: 'tenant', none: 'total' });
    const ds = costDataSource();
    expect(ds.applyTemplateVariables({ refId: 'A', groupBy: ['${scope}' as never, 'model'] }, {}).groupBy).toEqual([
      'tenant',
      'model',
    ]);
    expect(ds.applyTemplateVariables({ refId: 'A', groupBy: ['$none' as never] }, {}).groupBy).toEqual([]);
  });

  it("takes an anomaly query's direction and interval from variables", () => {
    installTemplateSrv({ direction: 'down', per: '1h' });
    const q: CostQuery = { refId: 'A', queryType: 'anomalies', direction: '${direction}' as never, interval: '${per}' };
    const out = costDataSource().applyTemplateVariables(q, {});
    expect(out.direction).toBe('down');
    expect(out.interval).toBe('1h');
  });

  it('prefers scoped variables (repeated panels) and drops filter rows without values', () => {
    const q: CostQuery = {
      refId: 'A',
      filters: [
        { dimension: 'feature', operator: '=', values: ['$feature'] },
        { dimension: 'region', operator: '=', values: [] },
      ],
    };
    const out = costDataSource().applyTemplateVariables(q, { feature: { text: 'chat', value: 'chat' } });
    expect(out.filters).toEqual([{ dimension: 'feature', operator: '=', values: ['chat'] }]);
  });

  it('passes ad-hoc filters on known dimensions to the backend apart from the query filters', () => {
    const out = costDataSource().applyTemplateVariables(
      { refId: 'A', queryType: 'allocation', filters: [{ dimension: 'provider', operator: '=', values: ['aws'] }] },
      {},
      [
        { key: 'provider', operator: '=', value: 'openai' },
        { key: 'region', operator: '!=|', value: 'eu-west-1', values: ['eu-west-1', 'us-west-2'] },
        { key: 'colour', operator: '=', value: 'red' },
      ]
    );
    // the backend applies those allocation can filter by, and names the rest on the frame
    expect(out.filters).toEqual([{ dimension: 'provider', operator: '=', values: ['aws'] }]);
    expect(out.adhocFilters).toEqual([
      { dimension: 'provider', operator: '=', values: ['openai'] },
      { dimension: 'region', operator: 'not in', values: ['eu-west-1', 'us-west-2'] },
    ]);
    expect(costDataSource().applyTemplateVariables({ refId: 'A' }, {}, []).adhocFilters).toBeUndefined();
  });
});

describe('CostDataSource lookups', () => {
  beforeEach(() => installTemplateSrv({ tenant: ['acme', 'globex'] }));

  it('asks the backend for the values of a dimension in the time range under the filters', async () => {
    const requests = installBackend({ values: ['chat', 'search'] });
    const range = { from: dateTime(1772409600000), to: dateTime(1773014400000), raw: { from: 'now-7d', to: 'now' } };
    const values = await costDataSource().dimensionValues(
      'feature',
      [{ dimension: 'tenant', operator: 'in', values: ['$tenant'] }],
      range
    );
    expect(values).toEqual(['chat', 'search']);
    expect(requests).toEqual([
      {
        url: '/api/datasources/uid/costlens/resources/values',
        method: 'GET',
        params: {
          dimension: 'feature',
          from: '1772409600000',
          to: '1773014400000',
          filters: '[{"dimension":"tenant","operator":"in","values":["acme","globex"]}]',
        },
      },
    ]);
  });

  it('serves ad-hoc filter keys and values', async () => {
    installBackend({ values: ['openai', 'anthropic'] });
    const ds = costDataSource();
    const keys = await ds.getTagKeys();
    expect(keys.map((k) => k.value)).toEqual([
      'feature',
      'user',
      'tenant',
      'model',
      'model_version',
      'provider',
      'region',
      'model_family',
      'model_size',
      'model_variant',
      'version',
      'quantization',
      'pricing',
    ]);
    expect(await ds.getTagValues({ key: 'provider' })).toEqual([{ text: 'openai' }, { text: 'anthropic' }]);
    expect(await ds.getTagValues({ key: 'colour' })).toEqual([]);
  });

  // what Grafana sends a variable's query: one target, the dashboard's range
  const variableQuery = (dimension: VariableQuery['dimension']) => {
    const support = costDataSource().variables as DimensionVariableSupport;
    const request = {
      targets: [{ refId: 'v', dimension }],
      range: { from: dateTime(0), to: dateTime(1000), raw: { from: '', to: '' } },
      scopedVars: {},
    } as unknown as DataQueryRequest<VariableQuery>;
    return lastValueFrom(support.query(request));
  };

  it('lists dimension values as a template variable', async () => {
    installBackend({ values: ['gpt-4o', 'qwen2.5-32b'] });
    const res = await variableQuery('model');
    expect(res.data[0].fields[0].name).toBe('text');
    expect(res.data[0].fields[0].values).toEqual(['gpt-4o', 'qwen2.5-32b']);
  });

  it('lists the currencies with FX rates as a template variable', async () => {
    const requests = installBackend({ currencies: ['CNY', 'EUR', 'USD'] });
    const res = await variableQuery('currencies');
    expect(res.data[0].fields[0].values).toEqual(['CNY', 'EUR', 'USD']);
    expect(requests.map((r) => r.url)).toEqual(['/api/datasources/uid/costlens/resources/currencies']);
  });

  it('uses the configured default currency, else USD', () => {
    expect(costDataSource({ defaultCurrency: 'CNY' }).defaultCurrency).toBe('CNY');
    expect(costDataSource().defaultCurrency).toBe('USD');
  });
});
