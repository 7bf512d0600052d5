import {
  CustomVariable,
  EmbeddedScene,
  PanelBuilders,
  SceneFlexItem,
  SceneFlexLayout,
  SceneQueryRunner,
} from '@grafana/scenes';

import type { Output } from '../datasource/types';
import { costQuery, DS_REF, pageControls, sharedTimeRange, sharedVariables } from './shared';

/** The dimension whose values are checked one by one. */
export function dimensionVariable(): CustomVariable {
  return new CustomVariable({
    name: 'dimension',
    label: 'Check each',
    query: 'feature,model_version,user,tenant,provider,region',
    value: 'feature',
    text: 'feature',
  });
}

/** Jumps, drops or both. */
export function directionVariable(): CustomVariable {
  return new CustomVariable({
    name: 'direction',
    label: 'Direction',
    query: 'up,down,both',
    value: 'up',
    text: 'up',
  });
}

/** Judged per day or per hour (against the hour of the week). */
export function perVariable(): CustomVariable {
  return new CustomVariable({
    name: 'per',
    label: 'Per',
    query: 'day : 1d,hour : 1h',
    value: '1d',
    text: 'day',
  });
}

export function anomaliesScene(): EmbeddedScene {
  const anomalies = (output: Output, metric?: 'score') =>
    new SceneQueryRunner({
      datasource: DS_REF,
      queries: [
        costQuery('A', {
          queryType: 'anomalies',
          output,
          groupBy: ['${dimension}' as never],
          direction: '${direction}' as never,
          interval: '${per}',
          ...(metric ? { metric } : {}),
        }),
      ],
    });
  return new EmbeddedScene({
    $timeRange: sharedTimeRange('now-14d'),
    $variables: sharedVariables(dimensionVariable(), directionVariable(), perVariable()),
    controls: pageControls(true),
    body: new SceneFlexLayout({
      direction: 'column',
      children: [
        new SceneFlexItem({
          minHeight: 260,
          body: PanelBuilders.table()
            .setTitle('Current anomalies')
            .setDescription(
              'Days (or hours) at least 120 % of their expected cost (a drop: at most 83 %) and unusual for their series (score ≥ 0.989, as a robust z of 5), in the picked direction, newest first, with the values that made up the jump or the fall. The expected cost is the series’ own level times its weekday (hour-of-week) profile. The day or hour in progress is not judged.'
            )
            .setData(anomalies('table'))
            .setNoValue('No anomalies in this time range')
            .build(),
        }),
        new SceneFlexItem({
          minHeight: 360,
          body: PanelBuilders.timeseries()
            .setTitle('Cost against expected')
            .setDescription(
              'Each value’s cost per day (or hour) with its expected value and band; click a legend entry to drill into one'
            )
            .setData(anomalies('series'))
            .setNoValue('No cost in this time range')
            .setOverrides((b) =>
              b
                .matchFieldsWithNameByRegex('lower|upper')
                .overrideCustomFieldConfig('lineStyle', { fill: 'dot' } as never)
                .matchFieldsWithNameByRegex('score|z|flag|percent_of_baseline')
                .overrideCustomFieldConfig('hideFrom', { viz: true, legend: true, tooltip: false } as never)
            )
            .build(),
        }),
        new SceneFlexItem({
          minHeight: 240,
          body: PanelBuilders.timeseries()
            .setTitle('Anomaly score')
            .setDescription(
              '0 to 1, the same on every series: about 1 % of a normal series’ days reach 0.99; the default threshold is 0.989'
            )
            .setData(anomalies('alert', 'score'))
            .setMin(0)
            .setMax(1)
            .build(),
        }),
      ],
    }),
  });
}
