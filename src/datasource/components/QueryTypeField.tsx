import React from 'react';
import { InlineField, RadioButtonGroup } from '@grafana/ui';

import { QueryType } from '../types';

const OPTIONS: Array<{ label: string; value: QueryType; description: string }> = [
  { label: 'Time series', value: 'cost', description: 'One series per group, for graphs and alert rules' },
  { label: 'Top-N table', value: 'breakdown', description: 'The largest groups over the whole time range' },
  {
    label: 'Allocation',
    value: 'allocation',
    description: 'Billing line items split across the model versions they served, with idle cost',
  },
];

interface Props {
  value: QueryType;
  onChange: (value: QueryType) => void;
}

export function QueryTypeField({ value, onChange }: Props) {
  return (
    <InlineField label="Query" labelWidth={14}>
      <RadioButtonGroup<QueryType> options={OPTIONS} value={value} onChange={onChange} />
    </InlineField>
  );
}
