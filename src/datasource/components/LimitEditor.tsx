import React, { useState } from 'react';
import { InlineField, Input, Select } from '@grafana/ui';

import { INTERVALS } from '../types';

interface Props {
  id: string;
  topN?: number;
  interval?: string;
  showInterval: boolean;
  onChange: (change: { topN?: number; interval?: string }) => void;
}

export function LimitEditor({ id, topN, interval, showInterval, onChange }: Props) {
  const [draft, setDraft] = useState(topN ? String(topN) : '');
  const [error, setError] = useState<string>();

  const commit = () => {
    if (draft.trim() === '') {
      setError(undefined);
      onChange({ topN: undefined });
      return;
    }
    const n = Number(draft);
    if (!Number.isInteger(n) || n < 1 || n > 1000) {
      setError('Top N must be a whole number from 1 to 1000');
      return;
    }
    setError(undefined);
    onChange({ topN: n });
  };

  return (
    <>
      <InlineField
        label="Top N"
        labelWidth={14}
        htmlFor={`${id}-topn`}
        invalid={Boolean(error)}
        error={error}
        tooltip="Keep the largest N groups; empty keeps all"
      >
        <Input
          id={`${id}-topn`}
          width={10}
          placeholder="all"
          value={draft}
          onChange={(e) => setDraft(e.currentTarget.value)}
          onBlur={commit}
        />
      </InlineField>
      {showInterval && (
        <InlineField label="Interval" htmlFor={`${id}-interval`} tooltip="Bucket width; auto follows the panel">
          <Select<string>
            inputId={`${id}-interval`}
            width={12}
            options={INTERVALS.map((i) => ({ label: i, value: i }))}
            value={interval ?? 'auto'}
            onChange={(v) => onChange({ interval: v.value === 'auto' ? undefined : v.value })}
          />
        </InlineField>
      )}
    </>
  );
}
