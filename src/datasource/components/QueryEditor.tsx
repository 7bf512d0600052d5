import React, { useCallback } from 'react';
import { QueryEditorProps } from '@grafana/data';
import { InlineFieldRow } from '@grafana/ui';

import { CostDataSource } from '../datasource';
import {
  ALLOCATION_METRICS,
  BILLING_DIMENSIONS,
  CostDataSourceOptions,
  CostQuery,
  CostSource,
  DEFAULT_QUERY,
  DimensionKey,
  Filter,
} from '../types';
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
    change({
      ...patch,
      metric: 'cost',
      groupBy: (q.groupBy ?? []).filter((g) => BILLING_DIMENSIONS.includes(g as DimensionKey)),
      filters: (q.filters ?? []).filter((f) => BILLING_DIMENSIONS.includes(f.dimension)),
    });
  };

  return (
    <div>
      <InlineFieldRow>
        <QueryTypeField
          value={q.queryType!}
          onChange={(queryType) =>
            // allocation has its own metrics and dimensions: start it from its defaults
            change(queryType === 'allocation' ? { queryType, metric: 'cost', groupBy: [], filters: [] } : { queryType })
          }
        />
        <MetricField
          id={`${id}-metric`}
          value={q.metric!}
          options={q.queryType === 'allocation' ? ALLOCATION_METRICS : undefined}
          onChange={(metric) => change({ metric })}
        />
      </InlineFieldRow>
      <InlineFieldRow>
        <GroupByEditor
          id={`${id}-groupby`}
          allocation={q.queryType === 'allocation'}
          billing={billing && q.queryType !== 'allocation'}
          value={q.groupBy ?? []}
          onChange={(groupBy) => change({ groupBy })}
        />
      </InlineFieldRow>
      {q.queryType !== 'allocation' && (
        <FiltersEditor
          id={`${id}-filter`}
          filters={q.filters ?? []}
          onChange={(filters) => change({ filters })}
          loadValues={loadValues}
        />
      )}
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
      <InlineFieldRow>
        <LimitEditor
          id={id}
          topN={q.topN}
          interval={q.interval}
          showInterval={q.queryType === 'cost'}
          onChange={change}
        />
      </InlineFieldRow>
    </div>
  );
}
