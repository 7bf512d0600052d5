import React from 'react';
import { InlineField, RadioButtonGroup } from '@grafana/ui';

import { QUERY_TYPE_SPECS, QUERY_TYPES, QueryType } from '../types';

const OPTIONS = QUERY_TYPES.map((value) => ({
  label: QUERY_TYPE_SPECS[value].label,
  value,
  description: QUERY_TYPE_SPECS[value].description,
}));

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
