import React, { useEffect, useState } from 'react';
import { InlineField, InlineSwitch, RadioButtonGroup, Select } from '@grafana/ui';

import { CostSource } from '../types';

interface Props {
  id: string;
  currency?: string;
  defaultCurrency: string;
  costSource: CostSource;
  showOriginal: boolean;
  loadCurrencies: () => Promise<string[]>;
  onChange: (change: { currency?: string; costSource?: CostSource; showOriginalCurrency?: boolean }) => void;
}

const SOURCES: Array<{ label: string; value: CostSource; description: string }> = [
  { label: 'Tokens', value: 'tokens', description: 'What the price book says each request cost' },
  { label: 'Reported', value: 'reported', description: 'What the caller or provider reported' },
  {
    label: 'Billing',
    value: 'billing',
    description: 'Cloud bills split across the model versions they served, idle capacity as "idle" (cost only)',
  },
  {
    label: 'Blended',
    value: 'blended',
    description: 'Bills for the model versions a bill covers, token prices for every other request (cost only)',
  },
];

export function CurrencyEditor({
  id,
  currency,
  defaultCurrency,
  costSource,
  showOriginal,
  loadCurrencies,
  onChange,
}: Props) {
  const [currencies, setCurrencies] = useState<string[]>([defaultCurrency]);
  useEffect(() => {
    let live = true;
    loadCurrencies()
      .then((cs) => live && setCurrencies(cs))
      .catch(() => undefined); // the list is a convenience; any ISO code can still be typed
    return () => {
      live = false;
    };
  }, [loadCurrencies]);

  return (
    <>
      <InlineField label="Currency" labelWidth={14} htmlFor={id} tooltip="Amounts convert at the rate of their own day">
        <Select<string>
          inputId={id}
          width={16}
          allowCustomValue
          options={withCurrent(currencies, currency ?? defaultCurrency).map((c) => ({ label: c, value: c }))}
          value={currency ?? defaultCurrency}
          onChange={(v) => v.value && onChange({ currency: v.value.toUpperCase() })}
        />
      </InlineField>
      <InlineField label="Cost source">
        <RadioButtonGroup<CostSource>
          options={SOURCES}
          value={costSource === 'priced' ? 'tokens' : costSource}
          onChange={(v) => onChange({ costSource: v })}
        />
      </InlineField>
      <InlineField
        label="Original currency"
        htmlFor={`${id}-original`}
        tooltip="Also return amounts in the currency they were charged in"
      >
        <InlineSwitch
          id={`${id}-original`}
          value={showOriginal}
          onChange={(e) => onChange({ showOriginalCurrency: e.currentTarget.checked })}
        />
      </InlineField>
    </>
  );
}

// A saved query's currency (or a $variable) stays visible even when it has no FX rates listed.
function withCurrent(currencies: string[], current: string): string[] {
  return currencies.includes(current) ? currencies : [...currencies, current];
}
