import React from 'react';
import { EmptyState, Stack, Text } from '@grafana/ui';

import { resource } from './api';
import { PickerProps } from './PickerBoundPart';
import { NotLoaded } from './NotLoaded';
import { useLoad } from './useLoad';

export interface Unpriced {
  provider: string;
  model: string;
  /** '' for the standard rate, else the service tier the requests were served at */
  serviceTier: string;
  requests: number;
  hint: string;
}

/** The requests of the last 7 days the price book left unpriced, by provider, model and service tier, with what would price each. */
export function UnpricedModels({ dsUid }: PickerProps) {
  const [load] = useLoad(() => resource<Unpriced[]>(dsUid, 'unpriced'));
  if (load.state !== 'done') {
    return (
      <NotLoaded load={load} loading="Looking for unpriced requests" failed="Unpriced requests could not be listed" />
    );
  }
  if (load.value.length === 0) {
    return (
      <EmptyState variant="completed" message="Every request in the last 7 days has a price">
        <Text element="p">The price book prices every provider and model the events name.</Text>
      </EmptyState>
    );
  }
  return (
    <Stack direction="column" gap={1}>
      <Text element="h3">Unpriced requests in the last 7 days</Text>
      <Text color="secondary">
        Models the price book has no price for: add a price or an alias (price book YAML), then reprice the range.
      </Text>
      <table className="filter-table">
        <thead>
          <tr>
            <th>Provider</th>
            <th>Model</th>
            <th>Requests</th>
            <th>What would price them</th>
          </tr>
        </thead>
        <tbody>
          {load.value.map((u) => (
            <tr key={`${u.provider}/${u.model}/${u.serviceTier}`}>
              <td>{u.provider}</td>
              <td>
                {u.model}
                {u.serviceTier ? ` (${u.serviceTier})` : ''}
              </td>
              <td>{u.requests}</td>
              <td>{u.hint || 'a price for this model'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Stack>
  );
}
