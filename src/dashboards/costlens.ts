// The provisioned dashboards, as code: `npm run dashboards` writes them to
// provisioning/dashboards/, and a test fails when the committed JSON and this code
// disagree. Every panel asks the Costlens data source, picked by the ${ds} variable.
import * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  CustomVariableBuilder,
  Dashboard,
  DashboardBuilder,
  DatasourceVariableBuilder,
  RowBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarGauge } from '@grafana/grafana-foundation-sdk/bargauge';
import { PanelBuilder as Stat } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as Table } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';

import type { CostQuery } from '../datasource/types';

const DS = { type: 'costlens-cost-datasource', uid: '${ds}' };

/** A Costlens query as a panel target. */
class Costlens implements cog.Builder<cog.Dataquery> {
  constructor(
    private readonly refId: string,
    private readonly query: Omit<CostQuery, 'refId'>
  ) {}
  build(): cog.Dataquery {
    return { refId: this.refId, datasource: DS, ...this.query } as unknown as cog.Dataquery;
  }
}

const inCurrency = (q: Omit<CostQuery, 'refId'>): Omit<CostQuery, 'refId'> => ({ currency: '${currency}', ...q });

function base(uid: string, title: string, description: string, from = 'now-30d'): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['costlens'])
    .time({ from, to: 'now' })
    .refresh('5m')
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('ds').label('Data source').type('costlens-cost-datasource'))
    .withVariable(
      new CustomVariableBuilder('currency')
        .label('Currency')
        .values('USD,CNY,EUR,GBP,JPY')
        .current({ text: 'USD', value: 'USD' })
    );
}

export function overview(): Dashboard {
  return base(
    'costlens-overview',
    'Costlens: overview',
    'What LLM and inference workloads cost, and who and what drove it'
  )
    .withPanel(
      new Stat()
        .title('Spend this month')
        .datasource(DS)
        .timeFrom('now/M')
        .withTarget(new Costlens('A', inCurrency({ queryType: 'breakdown', metric: 'cost' })))
        .graphMode(common.BigValueGraphMode.None)
        .height(4)
        .span(6)
    )
    .withPanel(
      new Stat()
        .title('Cost per 1K tokens this month')
        .datasource(DS)
        .timeFrom('now/M')
        .decimals(4)
        .withTarget(new Costlens('A', inCurrency({ queryType: 'breakdown', metric: 'cost_per_1k_tokens' })))
        .graphMode(common.BigValueGraphMode.None)
        .height(4)
        .span(6)
    )
    .withPanel(
      new Stat()
        .title('Requests this month')
        .datasource(DS)
        .timeFrom('now/M')
        .withTarget(new Costlens('A', { queryType: 'breakdown', metric: 'requests' }))
        .graphMode(common.BigValueGraphMode.None)
        .height(4)
        .span(6)
    )
    .withPanel(
      new Stat()
        .title('Unpriced requests this month')
        .description('Requests with no matching price: add one to the price book, then reprice')
        .datasource(DS)
        .timeFrom('now/M')
        .withTarget(new Costlens('A', { queryType: 'breakdown', metric: 'unpriced_requests' }))
        .graphMode(common.BigValueGraphMode.None)
        .height(4)
        .span(6)
    )
    .withPanel(
      new TimeSeries()
        .title('Daily cost by feature')
        .datasource(DS)
        .withTarget(
          new Costlens('A', inCurrency({ queryType: 'cost', metric: 'cost', groupBy: ['feature'], interval: '1d' }))
        )
        .fillOpacity(20)
        .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
        .height(9)
        .span(24)
    )
    .withPanel(
      new Table()
        .title('Top model versions by cost')
        .datasource(DS)
        .withTarget(
          new Costlens(
            'A',
            inCurrency({ queryType: 'breakdown', metric: 'cost', groupBy: ['model', 'model_version'], topN: 10 })
          )
        )
        .height(9)
        .span(12)
    )
    .withPanel(
      new TimeSeries()
        .title('Cost per 1K tokens by model')
        .datasource(DS)
        .withTarget(
          new Costlens(
            'A',
            inCurrency({ queryType: 'cost', metric: 'cost_per_1k_tokens', groupBy: ['model'], interval: '1d', topN: 8 })
          )
        )
        .height(9)
        .span(12)
    )
    .withPanel(
      new Table()
        .title('Cost by tenant and user')
        .datasource(DS)
        .withTarget(
          new Costlens(
            'A',
            inCurrency({ queryType: 'breakdown', metric: 'cost', groupBy: ['tenant', 'user'], topN: 20 })
          )
        )
        .height(9)
        .span(24)
    )
    .build();
}

export function modelVersions(): Dashboard {
  return base(
    'costlens-model-versions',
    'Costlens: model versions',
    'Unit economics and efficiency per model version',
    'now-7d'
  )
    .withPanel(
      new Table()
        .title('KPIs per model version')
        .description(
          'Cost per 1K tokens and per request, GPU utilisation of the billed capacity, cache hit ratio, P99 latency, batch efficiency'
        )
        .datasource(DS)
        .withTarget(new Costlens('A', inCurrency({ queryType: 'kpi', output: 'table' })))
        .height(10)
        .span(24)
    )
    .withPanel(
      new BarGauge()
        .title('GPU utilisation')
        .description('Under 40 % is a right-sizing candidate (see Recommendations)')
        .datasource(DS)
        .withTarget(new Costlens('A', { queryType: 'kpi', metric: 'gpu_utilisation', output: 'alert' }))
        .unit('percentunit')
        .min(0)
        .max(1)
        .height(8)
        .span(12)
    )
    .withPanel(
      new BarGauge()
        .title('P99 latency')
        .datasource(DS)
        .withTarget(new Costlens('A', { queryType: 'kpi', metric: 'p99_latency_ms', output: 'alert' }))
        .unit('ms')
        .height(8)
        .span(12)
    )
    .withPanel(
      new TimeSeries()
        .title('Daily cost by model version')
        .datasource(DS)
        .withTarget(
          new Costlens(
            'A',
            inCurrency({ queryType: 'cost', metric: 'cost', groupBy: ['model_version'], interval: '1d', topN: 10 })
          )
        )
        .height(9)
        .span(24)
    )
    .withPanel(
      new Table()
        .title('Cost by model family, size and quantization')
        .datasource(DS)
        .withTarget(
          new Costlens(
            'A',
            inCurrency({
              queryType: 'breakdown',
              metric: 'cost',
              groupBy: ['model_family', 'model_size', 'quantization'],
            })
          )
        )
        .height(9)
        .span(24)
    )
    .build();
}

export function finops(): Dashboard {
  return base(
    'costlens-finops',
    'Costlens: FinOps',
    'Budgets, the month-end forecast, billed GPU capacity with its idle cost, and CNY beside USD'
  )
    .withRow(new RowBuilder('Budget and forecast'))
    .withPanel(
      new Table()
        .title('Budgets and quotas')
        .datasource(DS)
        .withTarget(new Costlens('A', inCurrency({ queryType: 'budget', output: 'table' })))
        .height(8)
        .span(12)
    )
    .withPanel(
      new TimeSeries()
        .title('This month: actual and projected')
        .datasource(DS)
        .timeFrom('now/M')
        .withTarget(new Costlens('A', inCurrency({ queryType: 'forecast', output: 'series', period: 'month' })))
        .height(8)
        .span(12)
    )
    .withRow(new RowBuilder('Billed capacity'))
    .withPanel(
      new Table()
        .title('Billing allocated to model versions, idle as its own row')
        .datasource(DS)
        .withTarget(
          new Costlens('A', inCurrency({ queryType: 'allocation', metric: 'cost', showOriginalCurrency: true }))
        )
        .height(9)
        .span(12)
    )
    .withPanel(
      new Stat()
        .title('Idle GPU cost')
        .description('Billed capacity no request used')
        .datasource(DS)
        .withTarget(
          new Costlens(
            'A',
            inCurrency({
              queryType: 'allocation',
              metric: 'cost',
              groupBy: ['model_version'],
              filters: [{ dimension: 'model_version', operator: '=', values: ['idle'] }],
            })
          )
        )
        .graphMode(common.BigValueGraphMode.None)
        .height(9)
        .span(6)
    )
    .withPanel(
      new Table()
        .title('Cost per A100-hour by provider')
        .datasource(DS)
        .withTarget(
          new Costlens(
            'A',
            inCurrency({ queryType: 'allocation', metric: 'cost_per_a100_hour', groupBy: ['provider'] })
          )
        )
        .height(9)
        .span(6)
    )
    .withRow(new RowBuilder('Currencies'))
    .withPanel(
      new TimeSeries()
        .title('Daily cost in CNY')
        .datasource(DS)
        .withTarget(
          new Costlens('A', {
            queryType: 'cost',
            metric: 'cost',
            currency: 'CNY',
            costSource: 'blended',
            interval: '1d',
          })
        )
        .unit('suffix: CNY')
        .height(8)
        .span(12)
    )
    .withPanel(
      new TimeSeries()
        .title('Daily cost in USD')
        .datasource(DS)
        .withTarget(
          new Costlens('A', {
            queryType: 'cost',
            metric: 'cost',
            currency: 'USD',
            costSource: 'blended',
            interval: '1d',
          })
        )
        .unit('currencyUSD')
        .height(8)
        .span(12)
    )
    .withPanel(
      new Table()
        .title('Cost by provider: normalised and in the billed currency')
        .datasource(DS)
        .withTarget(
          new Costlens(
            'A',
            inCurrency({ queryType: 'breakdown', metric: 'cost', groupBy: ['provider'], showOriginalCurrency: true })
          )
        )
        .height(8)
        .span(24)
    )
    .build();
}

export const DASHBOARDS: Record<string, () => Dashboard> = {
  'costlens-overview': overview,
  'costlens-model-versions': modelVersions,
  'costlens-finops': finops,
};

/** The JSON written to provisioning/dashboards/<uid>.json. */
export function dashboardJSON(build: () => Dashboard): string {
  return JSON.stringify(build(), null, 2) + '\n';
}
