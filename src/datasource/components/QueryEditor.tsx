import React, { useCallback } from 'react';
import { QueryEditorProps } from '@grafana/data';
import { InlineFieldRow } from '@grafana/ui';

import { CostDataSource } from '../datasource';
import {
  BILLING_DIMENSIONS,
  METRICS_BY_TYPE,
  QueryType,
  CostDataSourceOptions,
  CostQuery,
  CostSource,
  DEFAULT_QUERY,
  DimensionKey,
  Filter,
} from '../types';
import { AnalyticsOptions } from './AnalyticsOptions';
import { CurrencyEditor } from './CurrencyEditor';
import { FiltersEditor } from './FiltersEditor';
import { GroupByEditor } from './GroupByEditor';
import { LimitEditor } from './LimitEditor';
import { MetricField } from './MetricField';
import { QueryTypeField } from './QueryTypeField';

type Props = QueryEditorProps<CostDataSource, CostQuery, CostDataSourceOptions>;

export function QueryEditor({ query, onChange, onRunQuery, datasource, range }: Props) {
  const q = { ...DEFAULT_QUERY, ...query };
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
  const changeCurrency = (patch: Partial<CostQuery> & { costSource?: CostSource }) => {
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
  const grouped = ['cost', 'breakdown', 'allocation', 'forecast', 'anomalies'].includes(type);
  const filtered = ['cost', 'breakdown', 'forecast', 'anomalies', 'kpi'].includes(type);
  const analytic = ['budget', 'forecast', 'anomalies', 'recommendations', 'kpi'].includes(type);

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
      {grouped && (
        <InlineFieldRow>
          <GroupByEditor
            id={`${id}-groupby`}
            allocation={type === 'allocation'}
            billing={billing && type !== 'allocation'}
            value={q.groupBy ?? []}
            onChange={(groupBy) => change({ groupBy })}
          />
        </InlineFieldRow>
      )}
      {filtered && (
        <FiltersEditor
          id={`${id}-filter`}
          filters={q.filters ?? []}
          onChange={(filters) => change({ filters })}
          loadValues={loadValues}
        />
      )}
      {analytic && <AnalyticsOptions id={id} query={q} onChange={change} />}
      <InlineFieldRow>
        <CurrencyEditor
          id={`${id}-currency`}
          currency={q.currency}
          defaultCurrency={datasource.defaultCurrency}
          costSource={q.costSource ?? 'tokens'}
          showOriginal={Boolean(q.showOriginalCurrency)}
          loadCurrencies={loadCurrencies}
          onChange={changeCurrency}
        />
      </InlineFieldRow>
      {(type === 'cost' || type === 'breakdown' || type === 'allocation' || type === 'kpi') && (
        <InlineFieldRow>
          <LimitEditor id={id} topN={q.topN} interval={q.interval} showInterval={type === 'cost'} onChange={change} />
        </InlineFieldRow>
      )}
    </div>
  );
}

// startOf is the query after switching type: the type's default metric, and only the
// grouping and filters the new type understands.
function startOf(queryType: QueryType, q: CostQuery): Partial<CostQuery> {
  const metric = METRICS_BY_TYPE[queryType][0].value;
  switch (queryType) {
    case 'allocation':
    case 'budget':
    case 'recommendations':
      return { queryType, metric, groupBy: [], filters: [], output: undefined };
    case 'kpi':
      return { queryType, metric, groupBy: [], output: undefined };
    case 'forecast':
    case 'anomalies':
      return { queryType, metric, output: undefined, interval: undefined };
  }
  const fromEvents = q.queryType === 'cost' || q.queryType === 'breakdown';
  return fromEvents ? { queryType } : { queryType, metric, output: undefined };
}
