// Pickers every Costlens page shares: which Costlens data source, which currency and
// which tenants, and the time range. Queries name them as ${ds}, ${currency} and
// ${tenant}. What was picked on one page is where the next page starts (kept for the
// browser session), so moving from Overview to Anomalies keeps CNY and tenant acme.
import {
  DataSourceVariable,
  QueryVariable,
  SceneControlsSpacer,
  SceneObject,
  SceneRefreshPicker,
  SceneTimePicker,
  SceneTimeRange,
  SceneVariable,
  SceneVariableSet,
  VariableValue,
  VariableValueSelectors,
} from '@grafana/scenes';

import { DATASOURCE_TYPE } from '../constants';
import type { CostQuery, Filter } from '../datasource/types';

export const DS_REF = { type: DATASOURCE_TYPE, uid: '${ds}' };

const STORAGE_KEY = 'costlens.pickers';

interface Picked {
  ds?: VariableValue;
  currency?: VariableValue;
  tenant?: VariableValue;
  from?: string;
  to?: string;
}

function picked(): Picked {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? '{}') as Picked;
  } catch {
    return {};
  }
}

function remember(change: Picked) {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ ...picked(), ...change }));
  } catch {
    // storage may be disabled: the pickers still work, per page
  }
}

/** The shared pickers, then any of the page's own (a scope, a dimension). */
export function sharedVariables(...own: SceneVariable[]): SceneVariableSet {
  const last = picked();
  const ds = new DataSourceVariable({
    name: 'ds',
    label: 'Data source',
    pluginId: DATASOURCE_TYPE,
    ...(last.ds ? { value: last.ds } : {}),
  });
  // only the currencies the database has FX rates for: any other would end in an error
  const currency = new QueryVariable({
    name: 'currency',
    label: 'Currency',
    datasource: DS_REF,
    query: { refId: 'currency', dimension: 'currencies' },
    value: last.currency ?? 'USD',
    text: String(last.currency ?? 'USD'),
  });
  const tenant = new QueryVariable({
    name: 'tenant',
    label: 'Tenant',
    datasource: DS_REF,
    query: { refId: 'tenant', dimension: 'tenant' },
    isMulti: true,
    includeAll: true,
    defaultToAll: true,
    ...(last.tenant ? { value: last.tenant } : {}),
  });
  for (const v of [ds, currency, tenant]) {
    v.subscribeToState((s, prev) => {
      if (s.value !== prev.value) {
        remember({ [v.state.name]: s.value });
      }
    });
  }
  return new SceneVariableSet({ variables: [ds, currency, tenant, ...own] });
}

/** The page's time range: the one last picked on any Costlens page, else the page's default. */
export function sharedTimeRange(from: string, to = 'now'): SceneTimeRange {
  const last = picked();
  const range = new SceneTimeRange({ from: last.from ?? from, to: last.to ?? to });
  range.subscribeToState((s, prev) => {
    if (s.from !== prev.from || s.to !== prev.to) {
      remember({ from: s.from, to: s.to });
    }
  });
  return range;
}

export const TENANT_FILTER: Filter = { dimension: 'tenant', operator: 'in', values: ['${tenant}'] };

/** A Costlens query in the page's currency, for the page's tenants. */
export function costQuery(refId: string, q: Omit<CostQuery, 'refId'>): CostQuery {
  return { refId, currency: '${currency}', ...q, filters: [TENANT_FILTER, ...(q.filters ?? [])] };
}

/** The picker bar of a page: its variables, and the time picker where the range matters. */
export function pageControls(timePicker: boolean): SceneObject[] {
  return [
    new VariableValueSelectors({}),
    new SceneControlsSpacer(),
    ...(timePicker ? [new SceneTimePicker({})] : []),
    new SceneRefreshPicker({}),
  ];
}
