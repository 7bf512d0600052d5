// Pickers every Costlens page shares: which Costlens data source, which currency and
// which tenants. Queries name them as ${ds}, ${currency} and ${tenant}.
import { CustomVariable, DataSourceVariable, QueryVariable, SceneVariableSet } from '@grafana/scenes';

import { DATASOURCE_TYPE } from '../constants';
import type { CostQuery, Filter } from '../datasource/types';

export const DS_REF = { type: DATASOURCE_TYPE, uid: '${ds}' };

export function sharedVariables(): SceneVariableSet {
  return new SceneVariableSet({
    variables: [
      new DataSourceVariable({ name: 'ds', label: 'Data source', pluginId: DATASOURCE_TYPE }),
      new CustomVariable({
        name: 'currency',
        label: 'Currency',
        query: 'USD,CNY,EUR,GBP,JPY',
        value: 'USD',
        text: 'USD',
      }),
      new QueryVariable({
        name: 'tenant',
        label: 'Tenant',
        datasource: DS_REF,
        query: { refId: 'tenant', dimension: 'tenant' },
        isMulti: true,
        includeAll: true,
        defaultToAll: true,
      }),
    ],
  });
}

export const TENANT_FILTER: Filter = { dimension: 'tenant', operator: 'in', values: ['${tenant}'] };

/** A Costlens query in the page's currency, for the page's tenants. */
export function costQuery(refId: string, q: Omit<CostQuery, 'refId'>): CostQuery {
  return { refId, currency: '${currency}', ...q, filters: [TENANT_FILTER, ...(q.filters ?? [])] };
}
