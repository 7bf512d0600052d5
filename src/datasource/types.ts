// The Costlens query model. pkg/query/model.go describes the same JSON; the shared
// examples in pkg/query/testdata/queries.json are parsed by tests on both sides.
import { DataQuery, DataSourceJsonData } from '@grafana/schema';

export type QueryType =
  'cost' | 'breakdown' | 'allocation' | 'budget' | 'forecast' | 'anomalies' | 'recommendations' | 'kpi';
/** tokens: the price book; priced is its earlier name, still accepted by the backend. */
export type CostSource = 'tokens' | 'priced' | 'reported' | 'billing' | 'blended';
export type Operator = '=' | '!=' | 'in' | 'not in';

export type DimensionKey =
  | 'feature'
  | 'user'
  | 'tenant'
  | 'model'
  | 'model_version'
  | 'provider'
  | 'region'
  | 'model_family'
  | 'model_size'
  | 'model_variant'
  | 'version'
  | 'quantization'
  | 'pricing';

/** What an allocation query groups and filters by: billing lines have resources, not users. */
export type AllocationDimensionKey = 'model_version' | 'resource' | 'provider' | 'region';

export type MetricKey =
  | 'cost'
  | 'requests'
  | 'input_tokens'
  | 'output_tokens'
  | 'cached_input_tokens'
  | 'cache_write_tokens'
  | 'tokens'
  | 'cost_per_request'
  | 'cost_per_1k_tokens'
  | 'unpriced_requests';

export type AllocationMetricKey = 'cost' | 'a100_hours' | 'cost_per_a100_hour';

export type BudgetMetricKey =
  'percent_used' | 'spend' | 'budget' | 'remaining' | 'daily_allowance' | 'today_spend' | 'today_percent_of_allowance';
export type ForecastMetricKey =
  'projected' | 'percent_of_budget' | 'actual' | 'lower80' | 'upper80' | 'lower95' | 'upper95' | 'budget';
export type AnomalyMetricKey = 'flag' | 'score' | 'percent_of_baseline' | 'z' | 'actual' | 'expected';
export type RecommendationMetricKey = 'monthly_saving';
export type KPIMetricKey =
  | 'cost_per_1k_tokens'
  | 'cost_per_request'
  | 'gpu_utilisation'
  | 'cache_hit_ratio'
  | 'p99_latency_ms'
  | 'batch_efficiency';

export type AnyMetricKey =
  | MetricKey
  | AllocationMetricKey
  | BudgetMetricKey
  | ForecastMetricKey
  | AnomalyMetricKey
  | RecommendationMetricKey
  | KPIMetricKey;

/** table: every column; alert: one numeric column (or series) per row, the metric; series: over time. */
export type Output = 'table' | 'alert' | 'series';
export type Period = 'day' | 'week' | 'month' | 'quarter' | 'year';
export type Baseline = 'robust' | 'ma7' | 'average';
export type Direction = 'up' | 'down' | 'both';

export interface Filter {
  dimension: DimensionKey;
  operator: Operator;
  values: string[];
}

export interface CostQuery extends DataQuery {
  queryType?: QueryType;
  metric?: AnyMetricKey;
  groupBy?: Array<DimensionKey | AllocationDimensionKey>;
  filters?: Filter[];
  /** The dashboard's ad-hoc filters, set by applyTemplateVariables; the backend applies those the type knows. */
  adhocFilters?: Filter[];
  currency?: string;
  costSource?: CostSource;
  topN?: number;
  interval?: string;
  showOriginalCurrency?: boolean;
  output?: Output;
  period?: Period;
  /** A forecast's budget when no stored budget matches its scope, a decimal string. */
  budget?: string;
  baseline?: Baseline;
  thresholdPercent?: number;
  zScore?: number;
  direction?: Direction;
  seasonal?: boolean;
  windowDays?: number;
  contributorsBy?: DimensionKey;
  idleDays?: number;
  includeDismissed?: boolean;
}

export const DEFAULT_QUERY: Partial<CostQuery> = {
  queryType: 'cost',
  metric: 'cost',
  groupBy: [],
  filters: [],
  costSource: 'tokens',
};

export const DIMENSIONS: Array<{ value: DimensionKey; label: string }> = [
  { value: 'feature', label: 'Feature' },
  { value: 'user', label: 'User' },
  { value: 'tenant', label: 'Tenant' },
  { value: 'model', label: 'Model' },
  { value: 'model_version', label: 'Model version' },
  { value: 'provider', label: 'Provider' },
  { value: 'region', label: 'Region' },
  { value: 'model_family', label: 'Model family' },
  { value: 'model_size', label: 'Model size' },
  { value: 'model_variant', label: 'Model variant' },
  { value: 'version', label: 'Version' },
  { value: 'quantization', label: 'Quantization' },
  { value: 'pricing', label: 'Pricing (priced / unpriced)' },
];

/** What the billing and blended cost sources can group and filter by: bills know no feature or user. */
export const BILLING_DIMENSIONS: DimensionKey[] = [
  'tenant',
  'model',
  'model_version',
  'provider',
  'region',
  'model_family',
  'model_size',
  'model_variant',
  'version',
  'quantization',
];

export const ALLOCATION_DIMENSIONS: Array<{ value: AllocationDimensionKey; label: string }> = [
  { value: 'model_version', label: 'Model version' },
  { value: 'resource', label: 'Resource' },
  { value: 'provider', label: 'Provider' },
  { value: 'region', label: 'Region' },
];

export const METRICS: Array<{ value: MetricKey; label: string }> = [
  { value: 'cost', label: 'Cost' },
  { value: 'requests', label: 'Requests' },
  { value: 'input_tokens', label: 'Input tokens' },
  { value: 'output_tokens', label: 'Output tokens' },
  { value: 'cached_input_tokens', label: 'Cached input tokens' },
  { value: 'cache_write_tokens', label: 'Cache-write input tokens' },
  { value: 'tokens', label: 'Tokens (input + output + cached + cache writes)' },
  { value: 'cost_per_request', label: 'Cost per request' },
  { value: 'cost_per_1k_tokens', label: 'Cost per 1K tokens' },
  { value: 'unpriced_requests', label: 'Unpriced requests' },
];

export const ALLOCATION_METRICS: Array<{ value: AllocationMetricKey; label: string }> = [
  { value: 'cost', label: 'Allocated cost' },
  { value: 'a100_hours', label: 'A100-hour equivalents' },
  { value: 'cost_per_a100_hour', label: 'Cost per A100-hour' },
];

type Options<K> = Array<{ value: K; label: string }>;

export const BUDGET_METRICS: Options<BudgetMetricKey> = [
  { value: 'percent_used', label: 'Budget used' },
  { value: 'spend', label: 'Spend to date' },
  { value: 'budget', label: 'Budget' },
  { value: 'remaining', label: 'Remaining' },
  { value: 'daily_allowance', label: 'Daily allowance' },
  { value: 'today_spend', label: 'Spend today' },
  { value: 'today_percent_of_allowance', label: 'Today, of the daily allowance' },
];

export const FORECAST_METRICS: Options<ForecastMetricKey> = [
  { value: 'projected', label: 'Projected period total' },
  { value: 'percent_of_budget', label: 'Projected, of budget' },
  { value: 'actual', label: 'Spend to date' },
  { value: 'lower80', label: 'Projected, 80 % low' },
  { value: 'upper80', label: 'Projected, 80 % high' },
  { value: 'lower95', label: 'Projected, 95 % low' },
  { value: 'upper95', label: 'Projected, 95 % high' },
  { value: 'budget', label: 'Budget' },
];

export const ANOMALY_METRICS: Options<AnomalyMetricKey> = [
  { value: 'flag', label: 'Anomaly (1 = flagged)' },
  { value: 'score', label: 'Anomaly score' },
  { value: 'percent_of_baseline', label: 'Of baseline' },
  { value: 'z', label: 'Robust z-score' },
  { value: 'actual', label: 'Cost' },
  { value: 'expected', label: 'Expected cost' },
];

export const RECOMMENDATION_METRICS: Options<RecommendationMetricKey> = [
  { value: 'monthly_saving', label: 'Estimated monthly saving' },
];

export const KPI_METRICS: Options<KPIMetricKey> = [
  { value: 'cost_per_1k_tokens', label: 'Cost per 1K tokens' },
  { value: 'cost_per_request', label: 'Cost per request' },
  { value: 'gpu_utilisation', label: 'GPU utilisation' },
  { value: 'cache_hit_ratio', label: 'Cache hit ratio' },
  { value: 'p99_latency_ms', label: 'P99 latency' },
  { value: 'batch_efficiency', label: 'Batch efficiency' },
];

/** Whose dimensions a query type groups and filters by. */
export type DimensionSet = 'events' | 'allocation' | 'budget' | 'recommendations';

/**
 * Everything the editor needs to know about one query type, in one place. The Go
 * backend has the same facts in its handlers (pkg/query/analytic/handlers.go); both sides' tests
 * compare their registry with typeSpecs in pkg/query/testdata/queries.json.
 */
export interface QueryTypeSpec {
  label: string;
  description: string;
  dimensions: DimensionSet;
  /** The editor offers group by, filters, top N and an interval of its own. */
  groups: boolean;
  filters: boolean;
  topN: boolean;
  interval: boolean;
  /** The outputs it answers with, the first its default; empty when it has one shape. */
  outputs: Output[];
  /** The metrics it returns, the first its default. */
  metrics: Options<AnyMetricKey>;
}

const TABLE_OUTPUTS: Output[] = ['table', 'alert'];
const SERIES_OUTPUTS: Output[] = ['series', 'table', 'alert'];

/**
 * The wire names (cost, breakdown, …) are the saved-query API: dashboards and alert
 * rules hold them, so they stay as they are; the labels say what a panel gets (a time
 * series, a top-N table), which is what someone picking a type needs to know.
 */
export const QUERY_TYPE_SPECS: Record<QueryType, QueryTypeSpec> = {
  cost: {
    label: 'Time series',
    description: 'One series per group, for graphs and alert rules',
    dimensions: 'events',
    groups: true,
    filters: true,
    topN: true,
    interval: true,
    outputs: [],
    metrics: METRICS,
  },
  breakdown: {
    label: 'Top-N table',
    description: 'The largest groups over the whole time range',
    dimensions: 'events',
    groups: true,
    filters: true,
    topN: true,
    interval: false,
    outputs: [],
    metrics: METRICS,
  },
  allocation: {
    label: 'Allocation',
    description: 'Billing line items split across the model versions they served, with idle cost',
    dimensions: 'allocation',
    groups: true,
    filters: false,
    topN: true,
    interval: false,
    outputs: [],
    metrics: ALLOCATION_METRICS,
  },
  budget: {
    label: 'Budget',
    description: 'Spend to date against each stored budget',
    dimensions: 'budget',
    groups: false,
    filters: false,
    topN: false,
    interval: false,
    outputs: TABLE_OUTPUTS,
    metrics: BUDGET_METRICS,
  },
  forecast: {
    label: 'Forecast',
    description: 'Period-end spend with 80 % and 95 % intervals',
    dimensions: 'events',
    groups: true,
    filters: true,
    topN: false,
    interval: false,
    outputs: SERIES_OUTPUTS,
    metrics: FORECAST_METRICS,
  },
  anomalies: {
    label: 'Anomalies',
    description: 'Cost against a seasonal baseline, flagged jumps',
    dimensions: 'events',
    groups: true,
    filters: true,
    topN: false,
    interval: false,
    outputs: SERIES_OUTPUTS,
    metrics: ANOMALY_METRICS,
  },
  recommendations: {
    label: 'Recommendations',
    description: 'What to delete, right-size or batch',
    dimensions: 'recommendations',
    groups: false,
    filters: false,
    topN: false,
    interval: false,
    outputs: TABLE_OUTPUTS,
    metrics: RECOMMENDATION_METRICS,
  },
  kpi: {
    label: 'KPIs',
    description: 'Unit economics and efficiency per model version',
    dimensions: 'events',
    groups: false,
    filters: true,
    topN: true,
    interval: false,
    outputs: TABLE_OUTPUTS,
    metrics: KPI_METRICS,
  },
};

export const QUERY_TYPES = Object.keys(QUERY_TYPE_SPECS) as QueryType[];

/** The metrics each query type returns (from its spec); the first is its default. */
export const METRICS_BY_TYPE = Object.fromEntries(QUERY_TYPES.map((t) => [t, QUERY_TYPE_SPECS[t].metrics])) as Record<
  QueryType,
  Options<AnyMetricKey>
>;

export const PERIODS: Period[] = ['day', 'week', 'month', 'quarter', 'year'];

export const OPERATORS: Operator[] = ['=', '!=', 'in', 'not in'];

export const INTERVALS = ['auto', '1m', '5m', '15m', '30m', '1h', '6h', '12h', '1d', '1w', '1M'];

export interface CostDataSourceOptions extends DataSourceJsonData {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  sslMode?: 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
  tenant?: string;
  defaultCurrency?: string;
  timeZone?: string;
  incompleteHours?: number;
  /** Flag amounts converted at an FX rate more than this many days older (default 7). */
  fxMaxAgeDays?: number;
  /** Refuse uploaded events and billing lines older than this many days (default 1096). */
  retentionDays?: number;
  /** Stop a query (including its wait for a pooled connection) after this many seconds (default 30). */
  queryTimeoutSeconds?: number;
  /** OTLP receiver: span or resource attributes naming the tenant, feature and user (comma-separated). */
  otlpTenantAttributes?: string;
  otlpFeatureAttributes?: string;
  otlpUserAttributes?: string;
  /** The instrumentation reports gen_ai.usage.input_tokens without the cached tokens. */
  otlpInputExcludesCache?: boolean;
  manageSchema?: boolean;
  maxConns?: number;
}

export interface CostSecureJsonData {
  password?: string;
}

/** A template variable listing the values of one dimension. */
/** What a template variable lists: the values of a dimension, or the currencies the database can convert to. */
export type VariableSubject = DimensionKey | 'currencies';

export interface VariableQuery extends DataQuery {
  dimension: VariableSubject;
  filters?: Filter[];
}
