import React from 'react';
import { InlineField, Select } from '@grafana/ui';

import { METRICS, MetricKey } from '../types';

interface Props {
  id: string;
  value: MetricKey;
  onChange: (value: MetricKey) => void;
}

export function MetricField({ id, value, onChange }: Props) {
  return (
    <InlineField label="Metric" labelWidth={14} htmlFor={id}>
      <Select<MetricKey>
        inputId={id}
        width={32}
        options={METRICS}
        value={value}
        onChange={(v) => v.value && onChange(v.value)}
      />
    </InlineField>
  );
}
