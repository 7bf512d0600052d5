import React from 'react';
import { InlineField, MultiSelect } from '@grafana/ui';

import { DIMENSIONS, DimensionKey } from '../types';

interface Props {
  id: string;
  value: DimensionKey[];
  onChange: (value: DimensionKey[]) => void;
}

export function GroupByEditor({ id, value, onChange }: Props) {
  return (
    <InlineField label="Group by" labelWidth={14} htmlFor={id} tooltip="One series or row per combination of values">
      <MultiSelect<DimensionKey>
        inputId={id}
        width={48}
        options={DIMENSIONS}
        value={value}
        placeholder="Total (no grouping)"
        onChange={(vs) => onChange(vs.map((v) => v.value!).filter(Boolean))}
      />
    </InlineField>
  );
}
