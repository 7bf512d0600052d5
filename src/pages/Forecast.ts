import {
  CustomVariable,
  EmbeddedScene,
  PanelBuilders,
  SceneFlexItem,
  SceneFlexLayout,
  SceneQueryRunner,
  SceneTimeRange,
} from '@grafana/scenes';

import { costQuery, DS_REF, pageControls, sharedVariables } from './shared';

/** Which scope a forecast is made for: everything, or each value of a dimension. */
export function scopeVariable(): CustomVariable {
  return new CustomVariable({
    name: 'scope',
    label: 'Scope',
    query: 'total,tenant,feature,model,provider,user',
    value: 'total',
    text: 'total',
  });
}

export function forecastScene(): EmbeddedScene {
  // a forecast is as of now, for the month now is in: the range only says "now"
  const month = () => new SceneTimeRange({ from: 'now/M', to: 'now' });
  const forecast = (output: 'series' | 'table') =>
    new SceneQueryRunner({
      datasource: DS_REF,
      $timeRange: month(),
      queries: [costQuery('A', { queryType: 'forecast', output, groupBy: ['${scope}' as never], period: 'month' })],
    });
  return new EmbeddedScene({
    // the page's own range is for its pickers: the tenant list shows tenants with spend
    // in the last 30 days (without it, Grafana's default of the last 6 hours)
    $timeRange: new SceneTimeRange({ from: 'now-30d', to: 'now' }),
    $variables: sharedVariables(scopeVariable()),
    controls: pageControls(false),
    body: new SceneFlexLayout({
      direction: 'column',
      children: [
        new SceneFlexItem({
          minHeight: 380,
          body: PanelBuilders.timeseries()
            .setTitle('This month: actual and projected spend')
            .setDescription(
              'Cumulative spend to date, then the expected path with 80 % and 95 % intervals, and the budget. With nine weeks of history or more, the forecaster is the one of five (weekday mean, seasonal level, recent mean, seasonal smoothing, damped seasonal growth) whose past 7-day projections on this series missed least, and the intervals are how far its past projections missed; with less, a weekly-pattern and trend model; with under 14 days, a burn rate.'
            )
            .setData(forecast('series'))
            .setNoValue('No spend recorded yet: the forecast starts with the first cost events')
            .setCustomFieldConfig('fillOpacity', 0)
            .setOverrides((b) =>
              b
                .matchFieldsWithName('budget')
                .overrideCustomFieldConfig('lineStyle', { fill: 'dash', dash: [10, 10] } as never)
                .matchFieldsWithNameByRegex('lower|upper')
                .overrideCustomFieldConfig('lineStyle', { fill: 'dot' } as never)
            )
            .build(),
        }),
        new SceneFlexItem({
          minHeight: 260,
          body: PanelBuilders.table()
            .setTitle('Projected month-end by scope')
            .setDescription(
              'Method (the forecaster used: weekday_mean, seasonal_level, recent_mean, seasonal_ses, seasonal_growth, or seasonal_trend and burn_rate for short histories), intervals, budget and the day the budget is expected to run out'
            )
            .setData(forecast('table'))
            .setNoValue('No spend recorded yet')
            .build(),
        }),
      ],
    }),
  });
}
