import React, { useState } from 'react';
import { Button, IconButton, InlineField, InlineFieldRow, MultiSelect, Select } from '@grafana/ui';
import { SelectableValue } from '@grafana/data';

import { DIMENSIONS, DimensionKey, Filter, OPERATORS, Operator } from '../types';

interface Props {
  id: string;
  filters: Filter[];
  onChange: (filters: Filter[]) => void;
  /** Loads the values a dimension takes under the other filters. */
  loadValues: (dimension: DimensionKey, otherFilters: Filter[]) => Promise<string[]>;
}

export function FiltersEditor({ id, filters, onChange, loadValues }: Props) {
  const update = (i: number, f: Filter) => onChange(filters.map((old, j) => (j === i ? f : old)));
  const remove = (i: number) => onChange(filters.filter((_, j) => j !== i));
  const add = () => onChange([...filters, { dimension: 'feature', operator: '=', values: [] }]);

  return (
    <>
      {filters.map((f, i) => (
        <FilterRow
          key={i}
          id={`${id}-${i}`}
          filter={f}
          onChange={(nf) => update(i, nf)}
          onRemove={() => remove(i)}
          loadValues={() =>
            loadValues(
              f.dimension,
              filters.filter((_, j) => j !== i)
            )
          }
        />
      ))}
      <InlineField label="Filters" labelWidth={14}>
        <Button variant="secondary" icon="plus" size="md" onClick={add} aria-label="Add filter">
          Add filter
        </Button>
      </InlineField>
    </>
  );
}

interface RowProps {
  id: string;
  filter: Filter;
  onChange: (f: Filter) => void;
  onRemove: () => void;
  loadValues: () => Promise<string[]>;
}

function FilterRow({ id, filter, onChange, onRemove, loadValues }: RowProps) {
  const [options, setOptions] = useState<Array<SelectableValue<string>>>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();

  const onOpen = async () => {
    setLoading(true);
    setError(undefined);
    try {
      const values = await loadValues();
      setOptions(values.map((v) => ({ label: v === '' ? '(none)' : v, value: v })));
    } catch (e) {
      setError(e instanceof Error ? e.message : 'could not load values');
    } finally {
      setLoading(false);
    }
  };

  const multi = filter.operator === 'in' || filter.operator === 'not in';
  return (
    <InlineFieldRow>
      <InlineField label="Filter" labelWidth={14} htmlFor={`${id}-dimension`}>
        <Select<DimensionKey>
          inputId={`${id}-dimension`}
          aria-label="Filter dimension"
          width={20}
          options={DIMENSIONS}
          value={filter.dimension}
          onChange={(v) => v.value && onChange({ ...filter, dimension: v.value, values: [] })}
        />
      </InlineField>
      <InlineField htmlFor={`${id}-operator`}>
        <Select<Operator>
          inputId={`${id}-operator`}
          aria-label="Filter operator"
          width={12}
          options={OPERATORS.map((o) => ({ label: o, value: o }))}
          value={filter.operator}
          onChange={(v) => v.value && onChange({ ...filter, operator: v.value })}
        />
      </InlineField>
      <InlineField htmlFor={`${id}-values`} invalid={Boolean(error)} error={error}>
        <MultiSelect<string>
          inputId={`${id}-values`}
          aria-label="Filter values"
          width={40}
          allowCustomValue
          isLoading={loading}
          options={options}
          onOpenMenu={onOpen}
          placeholder={multi ? 'values or $variable' : 'value or $variable'}
          value={filter.values}
          onChange={(vs) => onChange({ ...filter, values: vs.map((v) => v.value!).filter((v) => v !== undefined) })}
        />
      </InlineField>
      <IconButton name="trash-alt" tooltip="Remove filter" aria-label="Remove filter" onClick={onRemove} />
    </InlineFieldRow>
  );
}
