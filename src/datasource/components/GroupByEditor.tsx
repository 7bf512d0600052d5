import React from 'react';
import { InlineField, MultiSelect } from '@grafana/ui';

import { ALLOCATION_DIMENSIONS, AllocationDimensionKey, BILLING_DIMENSIONS, DIMENSIONS, DimensionKey } from '../types';

type Key = DimensionKey | AllocationDimensionKey;

interface Props {
  id: string;
  value: Key[];
  onChange: (value: Key[]) => void;
  /** Allocation queries group billing lines, by resource rather than by user. */
  allocation?: boolean;
  /** The billing and blended cost sources: bills carry no feature or user. */
  billing?: boolean;
}

export function GroupByEditor({ id, value, onChange, allocation, billing }: Props) {
  const options = allocation
    ? ALLOCATION_DIMENSIONS
    : billing
      ? DIMENSIONS.filter((d) => BILLING_DIMENSIONS.includes(d.value))
      : DIMENSIONS;
  return (
    <InlineField label="Group by" labelWidth={14} htmlFor={id} tooltip="One series or row per combination of values">
      <MultiSelect<Key>
        inputId={id}
        width={48}
        options={options}
        value={value}
        placeholder={allocation ? 'Resource and model version' : 'Total (no grouping)'}
        onChange={(vs) => onChange(vs.map((v) => v.value!).filter(Boolean))}
      />
    </InlineField>
  );
}
