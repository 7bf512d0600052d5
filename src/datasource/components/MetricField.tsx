import React from 'react';
import { InlineField, Select } from '@grafana/ui';

import { AnyMetricKey, METRICS } from '../types';

type Key = AnyMetricKey;

interface Props {
  id: string;
  value: Key;
  onChange: (value: Key) => void;
  /** Defaults to the event metrics; other query types pass their own. */
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
