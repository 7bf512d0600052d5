import {
  EmbeddedScene,
  PanelBuilders,
  SceneControlsSpacer,
  SceneFlexItem,
  SceneFlexLayout,
  SceneQueryRunner,
  SceneRefreshPicker,
  SceneTimePicker,
  SceneTimeRange,
  VariableValueSelectors,
} from '@grafana/scenes';
import { BigValueGraphMode } from '@grafana/schema';

import { costQuery, DS_REF, sharedVariables } from './shared';

function runner(queries: Array<ReturnType<typeof costQuery>>, thisMonth = false) {
  return new SceneQueryRunner({
    datasource: DS_REF,
    queries,
    // The month-to-date figures ignore the picker: they answer "this month so far".
    ...(thisMonth ? { $timeRange: new SceneTimeRange({ from: 'now/M', to: 'now' }) } : {}),
  });
}

export function overviewScene(): EmbeddedScene {
  return new EmbeddedScene({
    $timeRange: new SceneTimeRange({ from: 'now-30d', to: 'now' }),
    $variables: sharedVariables(),
    controls: [new VariableValueSelectors({}), new SceneControlsSpacer(), new SceneTimePicker({}), new SceneRefreshPicker({})],
    body: new SceneFlexLayout({
      direction: 'column',
      children: [
        new SceneFlexLayout({
          height: 140,
          children: [
            new SceneFlexItem({
              body: PanelBuilders.stat()
                .setTitle('Spend this month')
                .setData(runner([costQuery('A', { queryType: 'breakdown', metric: 'cost' })], true))
                .setOption('graphMode', BigValueGraphMode.None)
                .build(),
            }),
            new SceneFlexItem({
              body: PanelBuilders.stat()
                .setTitle('Cost per 1K tokens this month')
                .setData(runner([costQuery('A', { queryType: 'breakdown', metric: 'cost_per_1k_tokens' })], true))
                .setOption('graphMode', BigValueGraphMode.None)
                .setDecimals(4)
                .build(),
            }),
            new SceneFlexItem({
              body: PanelBuilders.stat()
                .setTitle('Requests this month')
                .setData(runner([costQuery('A', { queryType: 'breakdown', metric: 'requests' })], true))
                .setOption('graphMode', BigValueGraphMode.None)
                .build(),
            }),
            new SceneFlexItem({
              body: PanelBuilders.stat()
                .setTitle('Unpriced requests this month')
                .setDescription('Requests with no matching price: add a price to the price book so they are counted')
                .setData(runner([costQuery('A', { queryType: 'breakdown', metric: 'unpriced_requests' })], true))
                .setOption('graphMode', BigValueGraphMode.None)
                .build(),
            }),
          ],
        }),
        new SceneFlexItem({
          minHeight: 320,
          body: PanelBuilders.timeseries()
            .setTitle('Daily cost by feature')
            .setData(runner([costQuery('A', { queryType: 'cost', metric: 'cost', groupBy: ['feature'], interval: '1d' })]))
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
                .setData(runner([costQuery('A', { queryType: 'breakdown', metric: 'cost', groupBy: ['model', 'model_version'], topN: 10 })]))
                .build(),
            }),
            new SceneFlexItem({
              body: PanelBuilders.timeseries()
                .setTitle('Cost per 1K tokens by model')
                .setData(runner([costQuery('A', { queryType: 'cost', metric: 'cost_per_1k_tokens', groupBy: ['model'], interval: '1d', topN: 8 })]))
                .build(),
            }),
          ],
        }),
      ],
    }),
  });
}
