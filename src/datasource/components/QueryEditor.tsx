import React, { useCallback } from 'react';
import { QueryEditorProps } from '@grafana/data';
import { InlineFieldRow } from '@grafana/ui';

import { CostDataSource } from '../datasource';
import { ALLOCATION_METRICS, CostDataSourceOptions, CostQuery, DEFAULT_QUERY, DimensionKey, Filter } from '../types';
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
          costSource={q.costSource ?? 'priced'}
          showOriginal={Boolean(q.showOriginalCurrency)}
          loadCurrencies={loadCurrencies}
          onChange={change}
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
