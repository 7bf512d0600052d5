import {
  AdHocVariableFilter,
  CoreApp,
  CustomVariableSupport,
  DataQueryRequest,
  DataQueryResponse,
  DataSourceInstanceSettings,
  MetricFindValue,
  ScopedVars,
  TimeRange,
  toDataFrame,
} from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';
import { from, map, Observable } from 'rxjs';

import { VariableQueryEditor } from './components/VariableQueryEditor';
import { migrateQuery } from './migrate';
import {
  CostDataSourceOptions,
  CostQuery,
  DEFAULT_QUERY,
  DIMENSIONS,
  DimensionKey,
  Filter,
  Operator,
  VariableQuery,
} from './types';

// Separates the values of a multi-value variable while they pass through replace().
const MULTI_VALUE_SEPARATOR = '\u001f';

export class CostDataSource extends DataSourceWithBackend<CostQuery, CostDataSourceOptions> {
  readonly defaultCurrency: string;

  constructor(instanceSettings: DataSourceInstanceSettings<CostDataSourceOptions>) {
    super(instanceSettings);
    this.defaultCurrency = instanceSettings.jsonData.defaultCurrency || 'USD';
    this.variables = new DimensionVariableSupport(this);
  }

  getDefaultQuery(_: CoreApp): Partial<CostQuery> {
    return { ...DEFAULT_QUERY };
  }

  filterQuery(query: CostQuery): boolean {
    return !query.hide;
  }

  /**
   * Interpolates template variables (a multi-value variable becomes several values) and
   * passes the dashboard's ad-hoc filters on as adhocFilters: the backend applies those
   * the query type can filter by and names the others in a notice on the frame.
   */
  applyTemplateVariables(saved: CostQuery, scopedVars: ScopedVars, adhocFilters?: AdHocVariableFilter[]): CostQuery {
    const query = migrateQuery(saved);
    // A filter row still being edited has no values yet: leave it out rather than fail.
    const filters = interpolateFilters(
      (query.filters ?? []).filter((f) => f.values.length > 0),
      scopedVars
    );
    const adhoc = (adhocFilters ?? []).map(adhocToFilter).filter((f): f is Filter => f !== undefined);
    const replace = <T extends string>(s: T | undefined) => (s ? (getTemplateSrv().replace(s, scopedVars) as T) : s);
    // A dimension picked by a variable: "total" (or nothing) means no grouping.
    const groupBy = query.groupBy
      ?.map((g) => replace(g) as typeof g)
      .filter((g) => (g as string) !== '' && (g as string) !== 'total');
    return {
      ...query,
      filters,
      currency: replace(query.currency),
      // an anomaly page's direction and per-day/per-hour pickers
      direction: replace(query.direction),
      interval: replace(query.interval),
      ...(groupBy ? { groupBy } : {}),
      ...(adhoc.length > 0 ? { adhocFilters: adhoc } : {}),
    };
  }

  /** Values of a dimension in the time range, under the other filters. */
  async dimensionValues(
    dimension: DimensionKey,
    filters: Filter[] = [],
    range?: TimeRange,
    scopedVars: ScopedVars = {}
  ): Promise<string[]> {
    const params: Record<string, string> = { dimension };
    if (range) {
      params.from = String(range.from.valueOf());
      params.to = String(range.to.valueOf());
    }
    const interpolated = interpolateFilters(filters, scopedVars);
    if (interpolated.length > 0) {
      params.filters = JSON.stringify(interpolated);
    }
    return this.getResource<string[]>('values', params);
  }

  async currencies(): Promise<string[]> {
    return this.getResource<string[]>('currencies');
  }

  async getTagKeys(): Promise<MetricFindValue[]> {
    return DIMENSIONS.map((d) => ({ text: d.label, value: d.value }));
  }

  async getTagValues(options: {
    key: string;
    timeRange?: TimeRange;
    filters?: AdHocVariableFilter[];
  }): Promise<MetricFindValue[]> {
    if (!DIMENSIONS.some((d) => d.value === options.key)) {
      return [];
    }
    const others = (options.filters ?? []).map(adhocToFilter).filter((f): f is Filter => f !== undefined);
    const values = await this.dimensionValues(options.key as DimensionKey, others, options.timeRange);
    return values.map((v) => ({ text: v }));
  }
}

export function interpolateFilters(filters: Filter[], scopedVars: ScopedVars): Filter[] {
  const templateSrv = getTemplateSrv();
  return filters.map((f) => ({
    ...f,
    values: f.values.flatMap((v) =>
      templateSrv
        .replace(v, scopedVars, (value: string | string[]) =>
          Array.isArray(value) ? value.join(MULTI_VALUE_SEPARATOR) : value
        )
        .split(MULTI_VALUE_SEPARATOR)
    ),
  }));
}

function adhocToFilter(f: AdHocVariableFilter): Filter | undefined {
  if (!DIMENSIONS.some((d) => d.value === f.key)) {
    return undefined;
  }
  const operator: Operator | undefined =
    f.operator === '='
      ? '='
      : f.operator === '!='
        ? '!='
        : f.operator === '=|'
          ? 'in'
          : f.operator === '!=|'
            ? 'not in'
            : undefined;
  if (!operator) {
    return undefined;
  }
  const values = f.values && f.values.length > 0 ? f.values : [f.value];
  return { dimension: f.key as DimensionKey, operator, values };
}

/** Template variables that list the values of a dimension, or the convertible currencies. */
export class DimensionVariableSupport extends CustomVariableSupport<CostDataSource, VariableQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: CostDataSource) {
    super();
  }

  query(request: DataQueryRequest<VariableQuery>): Observable<DataQueryResponse> {
    const q = request.targets[0];
    const values =
      q.dimension === 'currencies'
        ? this.datasource.currencies()
        : this.datasource.dimensionValues(q.dimension, q.filters, request.range, request.scopedVars);
    return from(values).pipe(map((values) => ({ data: [toDataFrame(values.map((text) => ({ text })))] })));
  }
}
