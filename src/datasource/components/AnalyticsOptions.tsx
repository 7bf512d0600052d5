import React, { useState } from 'react';
import { InlineField, InlineFieldRow, InlineSwitch, Input, RadioButtonGroup } from '@grafana/ui';

import { Baseline, CostQuery, Direction, Output, PERIODS, Period, QUERY_TYPE_SPECS, QueryType } from '../types';

interface Props {
  id: string;
  query: CostQuery;
  onChange: (patch: Partial<CostQuery>) => void;
}

// What each output means, for the types with a series of their own and for the rest.
const SERIES_DESCRIPTIONS: Partial<Record<QueryType, Record<Output, string>>> = {
  forecast: {
    series: 'Actual and projected cumulative spend with bands and budget',
    table: 'One row per scope with every number',
    alert: 'One number per scope (the metric), for alert rules',
  },
  anomalies: {
    series: 'Cost, expected band, score and flag over time',
    table: 'The flagged points with their top contributors',
    alert: 'One series per value with only the metric, for alert rules',
  },
};
const TABLE_DESCRIPTIONS: Record<Output, string> = {
  series: '',
  table: 'Every column',
  alert: 'One number per row (the metric), for alert rules',
};
const OUTPUT_LABELS: Record<Output, string> = { series: 'Series', table: 'Table', alert: 'Alert' };

/** A number typed into an input, committed on blur; an error names the field. */
function NumberField(props: {
  id: string;
  label: string;
  tooltip: string;
  value?: number;
  placeholder: string;
  check: (n: number) => string | undefined;
  onCommit: (n?: number) => void;
}) {
  const [draft, setDraft] = useState(props.value !== undefined ? String(props.value) : '');
  const [error, setError] = useState<string>();
  const commit = () => {
    if (draft.trim() === '') {
      setError(undefined);
      props.onCommit(undefined);
      return;
    }
    const n = Number(draft);
    const problem = Number.isFinite(n) ? props.check(n) : `${props.label} must be a number`;
    setError(problem);
    if (!problem) {
      props.onCommit(n);
    }
  };
  return (
    <InlineField
      label={props.label}
      labelWidth={14}
      htmlFor={props.id}
      tooltip={props.tooltip}
      invalid={Boolean(error)}
      error={error}
    >
      <Input
        id={props.id}
        width={10}
        placeholder={props.placeholder}
        value={draft}
        onChange={(e) => setDraft(e.currentTarget.value)}
        onBlur={commit}
      />
    </InlineField>
  );
}

/** The fields of the budget, forecast, anomalies, recommendations and kpi queries. */
export function AnalyticsOptions({ id, query, onChange }: Props) {
  const type = query.queryType ?? 'cost';
  const descriptions = SERIES_DESCRIPTIONS[type] ?? TABLE_DESCRIPTIONS;
  const outputs = QUERY_TYPE_SPECS[type].outputs.map((value) => ({
    label: OUTPUT_LABELS[value],
    value,
    description: descriptions[value],
  }));
  const defaultOutput = QUERY_TYPE_SPECS[type].outputs[0];
  return (
    <>
      <InlineFieldRow>
        <InlineField label="Output" labelWidth={14}>
          <RadioButtonGroup<Output>
            options={outputs}
            value={query.output ?? defaultOutput}
            onChange={(output) => onChange({ output })}
          />
        </InlineField>
        {type === 'forecast' && (
          <InlineField label="Period">
            <RadioButtonGroup<Period>
              options={PERIODS.map((p) => ({ label: p, value: p }))}
              value={query.period ?? 'month'}
              onChange={(period) => onChange({ period })}
            />
          </InlineField>
        )}
      </InlineFieldRow>
      {type === 'forecast' && (
        <InlineFieldRow>
          <NumberField
            id={`${id}-budget`}
            label="Budget amount"
            tooltip="Compared with the projection when no stored budget matches the scope, in the query's currency"
            value={query.budget !== undefined ? Number(query.budget) : undefined}
            placeholder="stored"
            check={(n) => (n > 0 ? undefined : 'Budget amount must be more than 0')}
            onCommit={(n) => onChange({ budget: n === undefined ? undefined : String(n) })}
          />
        </InlineFieldRow>
      )}
      {type === 'anomalies' && (
        <InlineFieldRow>
          <InlineField
            label="Baseline"
            labelWidth={14}
            tooltip="What a point is compared with: its own seasonal level (robust), or the 7-day or window average of the documented rules"
          >
            <RadioButtonGroup<Baseline>
              options={[
                { label: 'Robust', value: 'robust' },
                { label: '7-day average', value: 'ma7' },
                { label: 'Window average', value: 'average' },
              ]}
              value={query.baseline ?? 'robust'}
              onChange={(baseline) => onChange({ baseline })}
            />
          </InlineField>
          <InlineField label="Direction" tooltip="Jumps, drops (spend falling to zero is an incident too), or both">
            <RadioButtonGroup<Direction>
              options={[
                { label: 'up', value: 'up' },
                { label: 'down', value: 'down' },
                { label: 'both', value: 'both' },
              ]}
              value={query.direction ?? 'up'}
              onChange={(direction) => onChange({ direction })}
            />
          </InlineField>
          <InlineField label="Per">
            <RadioButtonGroup<string>
              options={[
                { label: 'day', value: '1d' },
                { label: 'hour', value: '1h' },
              ]}
              value={query.interval ?? '1d'}
              onChange={(interval) => onChange({ interval })}
            />
          </InlineField>
          <InlineField label="Weekly pattern" htmlFor={`${id}-seasonal`} tooltip="Compare Mondays with Mondays">
            <InlineSwitch
              id={`${id}-seasonal`}
              value={query.seasonal ?? true}
              onChange={(e) => onChange({ seasonal: e.currentTarget.checked })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {type === 'anomalies' && (
        <InlineFieldRow>
          <NumberField
            id={`${id}-percent`}
            label="Above %"
            tooltip="Flag at this percent of the baseline (a drop: at 100 × 100 / this), e.g. 150; empty with an empty z means 120 % and z 5"
            value={query.thresholdPercent}
            placeholder="120"
            check={(n) => (n > 100 ? undefined : 'Above % must be more than 100')}
            onCommit={(thresholdPercent) => onChange({ thresholdPercent })}
          />
          <NumberField
            id={`${id}-z`}
            label="z-score"
            tooltip="Also require a score as unusual as this robust z-score (z 5: score 0.989, reached by about 1 % of normal points)"
            value={query.zScore}
            placeholder="5"
            check={(n) => (n > 0 ? undefined : 'z-score must be more than 0')}
            onCommit={(zScore) => onChange({ zScore })}
          />
        </InlineFieldRow>
      )}
      {type === 'recommendations' && (
        <InlineFieldRow>
          <NumberField
            id={`${id}-idle`}
            label="Idle days"
            tooltip="Days without requests before a billed model version is a delete candidate"
            value={query.idleDays}
            placeholder="7"
            check={(n) => (Number.isInteger(n) && n >= 1 && n <= 90 ? undefined : 'Idle days must be 1 to 90')}
            onCommit={(idleDays) => onChange({ idleDays })}
          />
          <InlineField label="Show dismissed" htmlFor={`${id}-dismissed`}>
            <InlineSwitch
              id={`${id}-dismissed`}
              value={Boolean(query.includeDismissed)}
              onChange={(e) => onChange({ includeDismissed: e.currentTarget.checked })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
    </>
  );
}
