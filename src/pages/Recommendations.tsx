import React, { useState } from 'react';
import { EmbeddedScene, SceneFlexItem, SceneFlexLayout } from '@grafana/scenes';
import { Alert, Button, EmptyState, LoadingPlaceholder, Stack, Text } from '@grafana/ui';

import { errorMessage, resource, rows, runQuery } from './api';
import { PickerBoundPart, PickerProps } from './PickerBoundPart';
import { pageControls, sharedVariables } from './shared';
import { useLoad } from './useLoad';

export interface Recommendation {
  id: string;
  kind: string;
  resource: string;
  model_version: string;
  action: string;
  evidence: string;
  state: string;
  monthly_saving: number;
}

const SNOOZE_DAYS = 7;

function snoozeUntil(): string {
  return new Date(Date.now() + SNOOZE_DAYS * 86400_000).toISOString().replace(/\.\d+Z$/, 'Z');
}

async function loadRecommendations(dsUid: string, currency: string): Promise<Recommendation[]> {
  const frames = await runQuery(
    dsUid,
    { queryType: 'recommendations', output: 'table', currency, includeDismissed: true },
    'now-1h',
    'now'
  );
  return rows(frames[0]) as unknown as Recommendation[];
}

/** The recommendations with their evidence and saving, each dismissable or snoozable. */
export function RecommendationList({ dsUid, currency }: PickerProps) {
  const [load, reload] = useLoad(() => loadRecommendations(dsUid, currency));
  const [actionError, setActionError] = useState<string>();

  const act = async (id: string, action: 'dismiss' | 'snooze' | 'restore') => {
    setActionError(undefined);
    const until = snoozeUntil();
    try {
      await resource(
        dsUid,
        'recommendations/state',
        'POST',
        action === 'snooze' ? { id, action, until } : { id, action }
      );
      await reload();
    } catch (e) {
      setActionError(errorMessage(e));
    }
  };

  if (load.state === 'loading') {
    return <LoadingPlaceholder text="Looking for idle, under-used and unbatched model versions" />;
  }
  if (load.state === 'error') {
    return (
      <Alert severity="error" title="Recommendations could not be computed">
        {load.message}. Check the data source on the Settings page.
      </Alert>
    );
  }
  const open = load.value.filter((r) => r.state === '');
  const parked = load.value.filter((r) => r.state !== '');
  if (load.value.length === 0) {
    return (
      <EmptyState variant="completed" message="Nothing to switch off">
        <Text element="p">
          No model version sat idle while billed in the last 7 days, no GPU ran under 40 % and no batch was under 0.4
          full. Recommendations need billing line items and model versions with their resources: see Ingestion in the
          README.
        </Text>
      </EmptyState>
    );
  }
  const total = open.reduce((sum, r) => sum + (r.monthly_saving ?? 0), 0);
  return (
    <Stack direction="column" gap={2}>
      {actionError && (
        <Alert severity="error" title="The change was not saved">
          {actionError}
        </Alert>
      )}
      <Text element="h3">
        {open.length} open, about {total.toFixed(2)} {currency} a month
      </Text>
      {open.map((r) => (
        <Alert
          key={r.id}
          severity="info"
          title={`${r.action} — saves about ${r.monthly_saving.toFixed(2)} ${currency} a month`}
        >
          <Stack direction="column" gap={1}>
            <Text>{r.evidence}</Text>
            <Stack direction="row" gap={1}>
              <Button size="sm" variant="secondary" onClick={() => act(r.id, 'dismiss')} aria-label={`Dismiss ${r.id}`}>
                Dismiss
              </Button>
              <Button size="sm" variant="secondary" onClick={() => act(r.id, 'snooze')} aria-label={`Snooze ${r.id}`}>
                Snooze {SNOOZE_DAYS} days
              </Button>
            </Stack>
          </Stack>
        </Alert>
      ))}
      {parked.length > 0 && <Text element="h4">Dismissed or snoozed</Text>}
      {parked.map((r) => (
        <Stack key={r.id} direction="row" gap={1} alignItems="center">
          <Text color="secondary">
            {r.action} ({r.state})
          </Text>
          <Button
            size="sm"
            variant="secondary"
            fill="text"
            onClick={() => act(r.id, 'restore')}
            aria-label={`Restore ${r.id}`}
          >
            Restore
          </Button>
        </Stack>
      ))}
    </Stack>
  );
}

export function recommendationsScene(): EmbeddedScene {
  return new EmbeddedScene({
    $variables: sharedVariables(),
    controls: pageControls(false),
    body: new SceneFlexLayout({
      direction: 'column',
      children: [new SceneFlexItem({ body: new PickerBoundPart({ component: RecommendationList }) })],
    }),
  });
}
