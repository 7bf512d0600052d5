import React, { useCallback } from 'react';
import { QueryEditorProps } from '@grafana/data';
import { InlineFieldRow } from '@grafana/ui';

import { CostDataSource } from '../datasource';
import {
  BILLING_DIMENSIONS,
  METRICS_BY_TYPE,
  QUERY_TYPE_SPECS,
  QueryType,
  CostDataSourceOptions,
  CostQuery,
  CostSource,
  DEFAULT_QUERY,
  DimensionKey,
  Filter,
} from '../types';
import { migrateQuery } from '../migrate';
import { AnalyticsOptions } from './AnalyticsOptions';
import { CurrencyEditor } from './CurrencyEditor';
import { FiltersEditor } from './FiltersEditor';
import { GroupByEditor } from './GroupByEditor';
import { LimitEditor } from './LimitEditor';
import { MetricField } from './MetricField';
import { QueryTypeField } from './QueryTypeField';

type Props = QueryEditorProps<CostDataSource, CostQuery, CostDataSourceOptions>;

export function QueryEditor({ query, onChange, onRunQuery, datasource, range }: Props) {
  const q = { ...DEFAULT_QUERY, ...migrateQuery(query) };
  const id = `costlens-${query.refId}`;
  const change = (patch: Partial<CostQuery>) => {
    onChange({ ...query, ...patch });
    onRunQuery();
  };
  const loadValues = useCallback(
    (dimension: DimensionKey, others: Filter[]) => datasource.dimensionValues(dimension, others, range),
    [datasource, range]
  );
  const loadCurrencies = useCallback(() => datasource.currencies(), [datasource]);
  const billing = q.costSource === 'billing' || q.costSource === 'blended';
  // Bills carry cost only, by tenant, provider, region and model version: switching to
  // them keeps what still applies and drops the rest rather than leaving an error.
  const changeCurrencyOrSource = (patch: Partial<CostQuery> & { costSource?: CostSource }) => {
    if (patch.costSource !== 'billing' && patch.costSource !== 'blended') {
      return change(patch);
    }
    const eventMetrics = q.queryType === 'cost' || q.queryType === 'breakdown';
    change({
      ...patch,
      metric: eventMetrics ? 'cost' : q.metric,
      groupBy: (q.groupBy ?? []).filter((g) => BILLING_DIMENSIONS.includes(g as DimensionKey)),
      filters: (q.filters ?? []).filter((f) => BILLING_DIMENSIONS.includes(f.dimension)),
    });
  };

  const type = q.queryType!;
  const spec = QUERY_TYPE_SPECS[type];

  return (
    <div>
      <InlineFieldRow>
        <QueryTypeField value={type} onChange={(queryType) => change(startOf(queryType, q))} />
        <MetricField
          id={`${id}-metric`}
          value={q.metric!}
          options={METRICS_BY_TYPE[type]}
          onChange={(metric) => change({ metric })}
        />
      </InlineFieldRow>
      {spec.groups && (
        <InlineFieldRow>
          <GroupByEditor
            id={`${id}-groupby`}
            allocation={spec.dimensions === 'allocation'}
            billing={billing && type !== 'allocation'}
            value={q.groupBy ?? []}
            onChange={(groupBy) => change({ groupBy })}
          />
        </InlineFieldRow>
      )}
      {spec.filters && (
        <FiltersEditor
          id={`${id}-filter`}
          filters={q.filters ?? []}
          onChange={(filters) => change({ filters })}
          loadValues={loadValues}
        />
      )}
      {spec.outputs.length > 0 && <AnalyticsOptions id={id} query={q} onChange={change} />}
      <InlineFieldRow>
        <CurrencyEditor
          id={`${id}-currency`}
          currency={q.currency}
          defaultCurrency={datasource.defaultCurrency}
          costSource={q.costSource ?? 'tokens'}
          showOriginal={Boolean(q.showOriginalCurrency)}
          loadCurrencies={loadCurrencies}
          onChange={changeCurrencyOrSource}
        />
      </InlineFieldRow>
      {spec.topN && (
        <InlineFieldRow>
          <LimitEditor id={id} topN={q.topN} interval={q.interval} showInterval={spec.interval} onChange={change} />
        </InlineFieldRow>
      )}
    </div>
  );
}

// startOf is the query after switching type, from the two types' specs: the new type's
// default metric when its metrics differ, grouping and filters kept only where the new
// type has them over the same dimensions, its default output, and no interval left over
// from the old type (anomalies take 1h or 1d, a time series any bucket).
function startOf(queryType: QueryType, q: CostQuery): Partial<CostQuery> {
  const old = q.queryType ?? 'cost';
  const from = QUERY_TYPE_SPECS[old];
  const to = QUERY_TYPE_SPECS[queryType];
  const patch: Partial<CostQuery> = { queryType };
  if (METRICS_BY_TYPE[queryType] !== METRICS_BY_TYPE[old]) {
    patch.metric = METRICS_BY_TYPE[queryType][0].value;
  }
  const sameDimensions = to.dimensions === from.dimensions;
  if (!to.groups || !sameDimensions) {
    patch.groupBy = [];
  }
  if (!to.filters || !sameDimensions) {
    patch.filters = [];
  }
  if (to.outputs.length > 0 || from.outputs.length > 0) {
    patch.output = undefined;
  }
  if (!(to.interval && from.interval)) {
    patch.interval = undefined;
  }
  return patch;
}
