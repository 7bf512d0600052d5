import React from 'react';
import { EmptyState, Stack, Text } from '@grafana/ui';

import { resource } from './api';
import { PickerProps } from './PickerBoundPart';
import { NotLoaded } from './NotLoaded';
import { useLoad } from './useLoad';

export interface Price {
  provider: string;
  model: string;
  pattern: boolean;
  usageType: string;
  /** '' for the standard rate, else the service tier ('batch', 'flex') these are the rates of */
  serviceTier: string;
  unitPrice: string;
  unit: string;
  currency: string;
  minContextTokens: number;
  effectiveFrom: string;
  checkedOn: string | null;
  source: string;
}

/** The prices in force, with when each was last checked. */
export function PriceBook({ dsUid }: PickerProps) {
  const [load] = useLoad(() => resource<Price[]>(dsUid, 'prices'));
  if (load.state !== 'done') {
    return <NotLoaded load={load} loading="Loading the price book" failed="The price book could not be loaded" />;
  }
  if (load.value.length === 0) {
    return (
      <EmptyState variant="call-to-action" message="The price book is empty">
        <Text element="p">
          Every request stays unpriced until its model has a price. Load the starter price book with costlens-import
          prices, or POST your own YAML to the data source&apos;s ingest/prices endpoint.
        </Text>
      </EmptyState>
    );
  }
  return (
    <Stack direction="column" gap={1}>
      <Text element="h3">Price book ({load.value.length} prices in force)</Text>
      <table className="filter-table">
        <thead>
          <tr>
            <th>Provider</th>
            <th>Model</th>
            <th>Usage</th>
            <th>Price</th>
            <th>From</th>
            <th>Checked</th>
          </tr>
        </thead>
        <tbody>
          {load.value.map((p, i) => (
            <tr key={i}>
              <td>{p.provider}</td>
              <td>
                {p.model}
                {p.pattern ? ' (pattern)' : ''}
              </td>
              <td>
                {p.usageType}
                {p.serviceTier ? ` (${p.serviceTier})` : ''}
                {p.minContextTokens > 0 ? ` above ${p.minContextTokens - 1} tokens` : ''}
              </td>
              <td>
                {p.unitPrice} {p.currency} / {p.unit.replace('_', ' ')}
              </td>
              <td>{p.effectiveFrom.slice(0, 10)}</td>
              <td>{p.checkedOn ?? 'never'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Stack>
  );
}
