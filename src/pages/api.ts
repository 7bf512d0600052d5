// What the app's own React parts ask the Costlens data source, through Grafana's data
// source service: its query method for data (the same path a panel takes: template
// variables, the data source's query migration), its resources for budgets, prices and
// recommendation states. No page computes money; it only shows what comes back.
import { CoreApp, DataFrame, DataQueryRequest, rangeUtil } from '@grafana/data';
import { getBackendSrv, getDataSourceSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';

import type { CostDataSource } from '../datasource/datasource';
import type { CostQuery } from '../datasource/types';

/** The message Grafana or the plugin gave for a failed request. */
export function errorMessage(e: unknown): string {
  const err = e as {
    data?: { message?: string; error?: string; results?: Record<string, { error?: string }> };
    message?: string;
  };
  const result = err.data?.results && Object.values(err.data.results).find((r) => r.error);
  return result?.error ?? err.data?.error ?? err.data?.message ?? err.message ?? 'the request failed';
}

/** The Costlens data source of this uid, from Grafana's data source service. */
async function costlens(dsUid: string): Promise<CostDataSource> {
  return (await getDataSourceSrv().get({ uid: dsUid })) as CostDataSource;
}

/** Runs one Costlens query over the range (e.g. now-1h..now) and returns its frames. */
export async function runQuery(
  dsUid: string,
  query: Omit<CostQuery, 'refId'>,
  from: string,
  to: string
): Promise<DataFrame[]> {
  const ds = await costlens(dsUid);
  const range = rangeUtil.convertRawToRange({ from, to });
  const request: DataQueryRequest<CostQuery> = {
    app: CoreApp.Unknown,
    requestId: `costlens-app-${query.queryType ?? 'cost'}`,
    range,
    interval: '1h',
    intervalMs: 3600_000,
    scopedVars: {},
    targets: [{ ...query, refId: 'A' }],
    timezone: 'utc',
    startTime: Date.now(),
  };
  const res = await lastValueFrom(ds.query(request));
  const error = res.errors?.[0] ?? res.error;
  if (error) {
    throw new Error(error.message ?? 'the query failed');
  }
  return res.data as DataFrame[];
}

/** Calls one of the data source's resources. */
export async function resource<T>(dsUid: string, path: string, method = 'GET', data?: unknown): Promise<T> {
  const ds = await costlens(dsUid);
  switch (method) {
    case 'GET':
      return ds.getResource<T>(path);
    case 'POST':
      return ds.postResource<T>(path, data);
  }
  // the data source API has no PUT or DELETE: the same resource URL, through Grafana
  const res = await lastValueFrom(
    getBackendSrv().fetch<T>({ url: `/api/datasources/uid/${dsUid}/resources/${path}`, method, data })
  );
  return res.data;
}

/** The rows of a table frame as objects keyed by field name. */
export function rows(frame?: DataFrame): Array<Record<string, unknown>> {
  if (!frame) {
    return [];
  }
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < frame.length; i++) {
    const row: Record<string, unknown> = {};
    for (const f of frame.fields) {
      row[f.name] = f.values[i];
    }
    out.push(row);
  }
  return out;
}
