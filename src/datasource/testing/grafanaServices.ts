// Grafana's backend and template services exist only inside Grafana. Tests install
// these small stand-ins: the backend one answers the data source's resource calls from
// a table and records every request; the template one implements replace() with
// Grafana's multi-value and formatter semantics for the variables it is given.
import { DataSourceInstanceSettings, PluginType, ScopedVars, TypedVariableModel } from '@grafana/data';
import {
  BackendSrv,
  BackendSrvRequest,
  DataSourceSrv,
  setBackendSrv,
  setDataSourceSrv,
  setTemplateSrv,
  TemplateSrv,
} from '@grafana/runtime';
import { of, throwError } from 'rxjs';

import { CostDataSource } from '../datasource';
import { CostDataSourceOptions } from '../types';

export interface RecordedRequest {
  url: string;
  method?: string;
  params?: Record<string, string>;
  data?: unknown;
}

export function installBackend(answers: Record<string, unknown>): RecordedRequest[] {
  const requests: RecordedRequest[] = [];
  const fetch = (req: BackendSrvRequest) => {
    requests.push({ url: req.url, method: req.method, params: req.params, data: req.data });
    // a resource by its path; Grafana's query API without its query string
    const path = req.url.replace(/^.*\/resources\//, '').replace(/^(\/api\/ds\/query)\?.*$/, '$1');
    if (!(path in answers)) {
      throw new Error(`no answer for ${req.url}`);
    }
    if (answers[path] instanceof Error) {
      return throwError(() => ({ status: 400, data: { message: (answers[path] as Error).message } }));
    }
    return of({
      data: answers[path],
      status: 200,
      ok: true,
      headers: new Headers(),
      redirected: false,
      statusText: 'OK',
      type: 'basic',
      url: req.url,
      config: req,
    });
  };
  // get() answers Grafana's own API paths: an Error value is thrown as Grafana's
  // FetchError would be, with the body in data.
  const get = async (url: string) => {
    requests.push({ url });
    const answer = answers[url];
    if (answer === undefined) {
      throw new Error(`no answer for ${url}`);
    }
    if (answer instanceof Error) {
      throw { status: 400, data: { message: answer.message } };
    }
    return answer;
  };
  setBackendSrv({ fetch, get } as unknown as BackendSrv);
  // the app's pages reach the data source through Grafana's data source service
  const ds = costDataSource();
  setDataSourceSrv({
    get: async () => ds,
    getInstanceSettings: () => ds.getRef(),
    reload: async () => undefined,
    registerRuntimeDataSource: () => undefined,
  } as unknown as DataSourceSrv);
  return requests;
}

type Formatter = (value: string | string[]) => string;

export function installTemplateSrv(variables: Record<string, string | string[]>) {
  const replace = (target?: string, scopedVars?: ScopedVars, format?: string | Formatter) => {
    if (!target) {
      return '';
    }
    return target.replace(/\$\{?(\w+)\}?/g, (match, name: string) => {
      const scoped = scopedVars?.[name]?.value as string | string[] | undefined;
      const value = scoped ?? variables[name];
      if (value === undefined) {
        return match;
      }
      if (typeof format === 'function') {
        return format(value);
      }
      return Array.isArray(value) ? `{${value.join(',')}}` : value;
    });
  };
  const srv: TemplateSrv = {
    getVariables: () => [] as TypedVariableModel[],
    replace,
    containsTemplate: (t?: string) => Boolean(t && /\$\{?\w+/.test(t)),
    updateTimeRange: () => undefined,
  };
  setTemplateSrv(srv);
}

/** A data source instance as Grafana would construct it from saved settings. */
export function costDataSource(jsonData: CostDataSourceOptions = {}): CostDataSource {
  const settings: DataSourceInstanceSettings<CostDataSourceOptions> = {
    id: 1,
    uid: 'costlens',
    name: 'Costlens',
    type: 'costlens-cost-datasource',
    access: 'proxy',
    readOnly: false,
    jsonData,
    meta: {
      id: 'costlens-cost-datasource',
      name: 'Costlens cost',
      type: PluginType.datasource,
      module: '',
      baseUrl: '',
      info: {
        author: { name: 'Costlens' },
        description: '',
        links: [],
        logos: { small: '', large: '' },
        screenshots: [],
        updated: '',
        version: '',
      },
    },
  };
  return new CostDataSource(settings);
}
