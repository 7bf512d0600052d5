import React from 'react';
import { InlineField, Select } from '@grafana/ui';

import { AllocationMetricKey, METRICS, MetricKey } from '../types';

type Key = MetricKey | AllocationMetricKey;

interface Props {
  id: string;
  value: Key;
  onChange: (value: Key) => void;
  /** Defaults to the event metrics; allocation queries pass their own. */
  options?: Array<{ value: Key; label: string }>;
}

export function MetricField({ id, value, onChange, options = METRICS }: Props) {
  return (
    <InlineField label="Metric" labelWidth={14} htmlFor={id}>
      <Select<Key>
        inputId={id}
        width={32}
        options={options}
        value={value}
        onChange={(v) => v.value && onChange(v.value)}
      />
    </InlineField>
  );
}
