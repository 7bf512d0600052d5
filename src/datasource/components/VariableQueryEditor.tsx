import React, { useCallback } from 'react';
import { QueryEditorProps } from '@grafana/data';
import { InlineField, Select } from '@grafana/ui';

import type { CostDataSource } from '../datasource';
import {
  CostDataSourceOptions,
  CostQuery,
  DIMENSIONS,
  DimensionKey,
  Filter,
  VariableQuery,
  VariableSubject,
} from '../types';
import { FiltersEditor } from './FiltersEditor';

type Props = QueryEditorProps<CostDataSource, CostQuery, CostDataSourceOptions, VariableQuery>;

const SUBJECTS: Array<{ label: string; value: VariableSubject }> = [
  ...DIMENSIONS,
  { label: 'Currencies with FX rates', value: 'currencies' },
];

export function VariableQueryEditor({ query, onChange, datasource, range }: Props) {
  const loadValues = useCallback(
    (dimension: DimensionKey, others: Filter[]) => datasource.dimensionValues(dimension, others, range),
    [datasource, range]
  );
  return (
    <>
      <InlineField label="Values of" labelWidth={14} htmlFor="costlens-variable-dimension">
        <Select<VariableSubject>
          inputId="costlens-variable-dimension"
          width={24}
          options={SUBJECTS}
          value={query.dimension}
          placeholder="Choose a dimension"
          onChange={(v) => v.value && onChange({ ...query, dimension: v.value })}
        />
      </InlineField>
      {query.dimension !== 'currencies' && (
        <FiltersEditor
          id="costlens-variable-filter"
          filters={query.filters ?? []}
          onChange={(filters) => onChange({ ...query, filters })}
          loadValues={loadValues}
        />
      )}
    </>
  );
}
