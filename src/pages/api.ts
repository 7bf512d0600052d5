// What the app's own React parts ask the Costlens data source, through Grafana: the
// query endpoint for data, the data source's resources for budgets, prices and
// recommendation states. No page computes money; it only shows what comes back.
import { DataFrame, DataFrameJSON, dataFrameFromJSON } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';

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

/** Runs one Costlens query over [from, to) and returns its frames. */
export async function runQuery(
  dsUid: string,
  query: Omit<CostQuery, 'refId'>,
  from: string,
  to: string
): Promise<DataFrame[]> {
  const res = await lastValueFrom(
    getBackendSrv().fetch<{ results: Record<string, { frames?: DataFrameJSON[]; error?: string }> }>({
      url: '/api/ds/query',
      method: 'POST',
      data: { from, to, queries: [{ ...query, refId: 'A', datasource: { uid: dsUid } }] },
    })
  );
  const a = res.data.results.A;
  if (a?.error) {
    throw new Error(a.error);
  }
  return (a?.frames ?? []).map((f) => dataFrameFromJSON(f));
}

/** Calls one of the data source's resources. */
export async function resource<T>(dsUid: string, path: string, method = 'GET', data?: unknown): Promise<T> {
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
