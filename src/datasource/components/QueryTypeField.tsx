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
  { label: 'Budget', value: 'budget', description: 'Spend to date against each stored budget' },
  { label: 'Forecast', value: 'forecast', description: 'Period-end spend with 80 % and 95 % intervals' },
  { label: 'Anomalies', value: 'anomalies', description: 'Cost against a seasonal baseline, flagged jumps' },
  { label: 'Recommendations', value: 'recommendations', description: 'What to delete, right-size or batch' },
  { label: 'KPIs', value: 'kpi', description: 'Unit economics and efficiency per model version' },
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
