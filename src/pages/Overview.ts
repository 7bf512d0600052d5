import {
  EmbeddedScene,
  PanelBuilders,
  SceneFlexItem,
  SceneFlexLayout,
  SceneQueryRunner,
  SceneTimeRange,
} from '@grafana/scenes';
import { BigValueGraphMode } from '@grafana/schema';

import type { MetricKey } from '../datasource/types';
import { costQuery, DS_REF, pageControls, sharedTimeRange, sharedVariables } from './shared';

function runner(queries: Array<ReturnType<typeof costQuery>>, thisMonth = false) {
  return new SceneQueryRunner({
    datasource: DS_REF,
    queries,
    // The month-to-date figures ignore the picker: they answer "this month so far".
    ...(thisMonth ? { $timeRange: new SceneTimeRange({ from: 'now/M', to: 'now' }) } : {}),
  });
}

/** A month-to-date figure: one number from a breakdown query with no grouping. */
function monthStat(title: string, metric: MetricKey, decimals?: number, description?: string): SceneFlexItem {
  const panel = PanelBuilders.stat()
    .setTitle(title)
    .setData(runner([costQuery('A', { queryType: 'breakdown', metric })], true))
    .setOption('graphMode', BigValueGraphMode.None);
  if (decimals !== undefined) {
    panel.setDecimals(decimals);
  }
  if (description) {
    panel.setDescription(description);
  }
  return new SceneFlexItem({ body: panel.build() });
}

export function overviewScene(): EmbeddedScene {
  return new EmbeddedScene({
    $timeRange: sharedTimeRange('now-30d'),
    $variables: sharedVariables(),
    controls: pageControls(true),
    body: new SceneFlexLayout({
      direction: 'column',
      children: [
        new SceneFlexLayout({
          height: 140,
          children: [
            monthStat('Spend this month', 'cost'),
            monthStat('Cost per 1K tokens this month', 'cost_per_1k_tokens', 4),
            monthStat('Requests this month', 'requests'),
            monthStat(
              'Unpriced requests this month',
              'unpriced_requests',
              undefined,
              'Requests with no matching price: add a price to the price book so they are counted'
            ),
          ],
        }),
        new SceneFlexItem({
          minHeight: 320,
          body: PanelBuilders.timeseries()
            .setTitle('Daily cost by feature')
            .setData(
              runner([costQuery('A', { queryType: 'cost', metric: 'cost', groupBy: ['feature'], interval: '1d' })])
            )
            .setCustomFieldConfig('fillOpacity', 20)
            .setCustomFieldConfig('stacking', { mode: 'normal' } as never)
            .build(),
        }),
        new SceneFlexLayout({
          minHeight: 360,
          children: [
            new SceneFlexItem({
              body: PanelBuilders.table()
                .setTitle('Top model versions by cost')
                .setData(
                  runner([
                    costQuery('A', {
                      queryType: 'breakdown',
                      metric: 'cost',
                      groupBy: ['model', 'model_version'],
                      topN: 10,
                    }),
                  ])
                )
                .build(),
            }),
            new SceneFlexItem({
              body: PanelBuilders.timeseries()
                .setTitle('Cost per 1K tokens by model')
                .setData(
                  runner([
                    costQuery('A', {
                      queryType: 'cost',
                      metric: 'cost_per_1k_tokens',
                      groupBy: ['model'],
                      interval: '1d',
                      topN: 8,
                    }),
                  ])
                )
                .build(),
            }),
          ],
        }),
      ],
    }),
  });
}
