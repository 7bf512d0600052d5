import React, { useEffect, useState } from 'react';
import {
  EmbeddedScene,
  SceneFlexItem,
  SceneFlexLayout,
  SceneReactObject,
  SceneTimeRange,
  VariableValueSelectors,
} from '@grafana/scenes';
import { getBackendSrv, getDataSourceSrv } from '@grafana/runtime';
import { Alert, EmptyState, LinkButton, LoadingPlaceholder, Stack, Text } from '@grafana/ui';

import { DATASOURCE_TYPE } from '../constants';
import { BudgetEditor } from './Budgets';
import { PickerBoundPart } from './PickerBoundPart';
import { PriceBook } from './PriceBook';
import { UnpricedModels } from './Unpriced';
import { sharedVariables } from './shared';

interface Status {
  uid: string;
  name: string;
  state: 'loading' | 'ok' | 'error';
  message: string;
}

async function checkHealth(uid: string): Promise<{ ok: boolean; message: string }> {
  try {
    const res = await getBackendSrv().get<{ status: string; message: string }>(`/api/datasources/uid/${uid}/health`);
    return { ok: res.status === 'OK', message: res.message };
  } catch (e: unknown) {
    // Grafana answers a failed health check with HTTP 400 and the plugin's message in data.
    const data = (e as { data?: { message?: string } }).data;
    return { ok: false, message: data?.message ?? 'the health check could not be run' };
  }
}

/** Lists every Costlens data source with its health: connection, schema version, row counts, newest event. */
export function DataSourceStatus() {
  const [statuses, setStatuses] = useState<Status[]>(() =>
    getDataSourceSrv()
      .getList({ type: DATASOURCE_TYPE })
      .map((ds) => ({ uid: ds.uid, name: ds.name, state: 'loading', message: '' }))
  );

  useEffect(() => {
    let live = true;
    statuses.forEach((s, i) =>
      checkHealth(s.uid).then((h) => {
        if (!live) {
          return;
        }
        setStatuses((prev) =>
          prev?.map((p, j) => (j === i ? { ...p, state: h.ok ? 'ok' : 'error', message: h.message } : p))
        );
      })
    );
    return () => {
      live = false;
    };
    // Health is checked once per mount, for the data sources found then.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  if (statuses.length === 0) {
    return (
      <EmptyState variant="call-to-action" message="No Costlens data source yet">
        <Text element="p">Add a Costlens cost data source pointing at the PostgreSQL that holds your cost events.</Text>
        <LinkButton href={`/connections/datasources/new`} icon="plus">
          Add data source
        </LinkButton>
      </EmptyState>
    );
  }
  return (
    <Stack direction="column" gap={2}>
      {statuses.map((s) =>
        s.state === 'loading' ? (
          <LoadingPlaceholder key={s.uid} text={`Checking ${s.name}`} />
        ) : (
          <Alert key={s.uid} title={s.name} severity={s.state === 'ok' ? 'success' : 'error'}>
            <Stack direction="column" gap={1}>
              <Text>{s.message}</Text>
              <div>
                <LinkButton variant="secondary" size="sm" href={`/connections/datasources/edit/${s.uid}`}>
                  Configure
                </LinkButton>
              </div>
            </Stack>
          </Alert>
        )
      )}
    </Stack>
  );
}

export function settingsScene(): EmbeddedScene {
  return new EmbeddedScene({
    $variables: sharedVariables(),
    $timeRange: new SceneTimeRange({ from: 'now-7d', to: 'now' }),
    controls: [new VariableValueSelectors({})],
    body: new SceneFlexLayout({
      direction: 'column',
      children: [
        new SceneFlexItem({ body: new SceneReactObject({ component: DataSourceStatus }) }),
        new SceneFlexItem({ body: new PickerBoundPart({ component: UnpricedModels }) }),
        new SceneFlexItem({ body: new PickerBoundPart({ component: BudgetEditor }) }),
        new SceneFlexItem({ body: new PickerBoundPart({ component: PriceBook }) }),
      ],
    }),
  });
}
