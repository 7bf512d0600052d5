import React from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { FieldSet, InlineField, InlineSwitch, Input, SecretInput, Select } from '@grafana/ui';

import { CostDataSourceOptions, CostSecureJsonData } from '../types';

type Props = DataSourcePluginOptionsEditorProps<CostDataSourceOptions, CostSecureJsonData>;

const SSL_MODES: Array<NonNullable<CostDataSourceOptions['sslMode']>> = [
  'disable',
  'allow',
  'prefer',
  'require',
  'verify-ca',
  'verify-full',
];

const LABEL_WIDTH = 22;

type TextKey =
  | 'host'
  | 'database'
  | 'user'
  | 'tenant'
  | 'timeZone'
  | 'defaultCurrency'
  | 'otlpTenantAttributes'
  | 'otlpFeatureAttributes'
  | 'otlpUserAttributes';
type NumberKey = 'port' | 'incompleteHours' | 'fxMaxAgeDays' | 'retentionDays' | 'queryTimeoutSeconds';
type SwitchKey = 'manageSchema' | 'otlpInputExcludesCache';

interface SettingProps {
  label: string;
  id: string;
  placeholder: string;
  width: number;
  tooltip?: string;
  number?: boolean;
  value: string | number | undefined;
  onChange: (value: string) => void;
}

/** One labelled text or number setting. */
function Setting({ label, id, placeholder, width, tooltip, number, value, onChange }: SettingProps) {
  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH} htmlFor={id} tooltip={tooltip}>
      <Input
        id={id}
        type={number ? 'number' : 'text'}
        width={width}
        placeholder={placeholder}
        value={value ?? ''}
        onChange={(e) => onChange(e.currentTarget.value)}
      />
    </InlineField>
  );
}

/** One labelled on/off setting. */
function SwitchSetting(props: {
  label: string;
  id: string;
  tooltip: string;
  value: boolean;
  onChange: (on: boolean) => void;
}) {
  return (
    <InlineField label={props.label} labelWidth={LABEL_WIDTH} htmlFor={props.id} tooltip={props.tooltip}>
      <InlineSwitch id={props.id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.checked)} />
    </InlineField>
  );
}

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields, secureJsonData } = options;

  const setJson = <K extends keyof CostDataSourceOptions>(key: K, value: CostDataSourceOptions[K]) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, [key]: value } });
  const text = (key: TextKey, transform: (v: string) => string = (v) => v) => ({
    value: jsonData[key],
    onChange: (v: string) => setJson(key, transform(v)),
  });
  const toggle = (key: SwitchKey) => ({
    value: Boolean(jsonData[key]),
    onChange: (on: boolean) => setJson(key, on),
  });
  const num = (key: NumberKey) => ({
    number: true,
    value: jsonData[key],
    onChange: (v: string) => setJson(key, v === '' ? undefined : Number(v)),
  });

  return (
    <>
      <FieldSet label="PostgreSQL connection">
        <Setting label="Host" id="costlens-host" placeholder="localhost" width={40} {...text('host')} />
        <Setting label="Port" id="costlens-port" placeholder="5432" width={12} {...num('port')} />
        <Setting label="Database" id="costlens-database" placeholder="costlens" width={40} {...text('database')} />
        <Setting label="User" id="costlens-user" placeholder="costlens" width={40} {...text('user')} />
        <InlineField
          label="Password"
          labelWidth={LABEL_WIDTH}
          htmlFor="costlens-password"
          tooltip="Stored encrypted; never sent back to the browser"
        >
          <SecretInput
            id="costlens-password"
            width={40}
            isConfigured={Boolean(secureJsonFields?.password)}
            value={secureJsonData?.password ?? ''}
            onChange={(e) =>
              onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, password: e.currentTarget.value } })
            }
            onReset={() =>
              onOptionsChange({
                ...options,
                secureJsonFields: { ...secureJsonFields, password: false },
                secureJsonData: { ...secureJsonData, password: '' },
              })
            }
          />
        </InlineField>
        <InlineField label="SSL mode" labelWidth={LABEL_WIDTH} htmlFor="costlens-sslmode">
          <Select
            inputId="costlens-sslmode"
            width={20}
            options={SSL_MODES.map((m) => ({ label: m, value: m }))}
            value={jsonData.sslMode ?? 'prefer'}
            onChange={(v) => setJson('sslMode', v.value)}
          />
        </InlineField>
      </FieldSet>
      <FieldSet label="Costlens">
        <Setting
          label="Tenant"
          id="costlens-tenant"
          placeholder="all tenants"
          width={40}
          tooltip="Bind this data source to one tenant: row-level security hides every other tenant's rows"
          {...text('tenant')}
        />
        <Setting
          label="Default currency"
          id="costlens-currency"
          placeholder="USD"
          width={12}
          tooltip="ISO-4217 code queries normalise to unless they name one"
          {...text('defaultCurrency', (v) => v.toUpperCase())}
        />
        <Setting
          label="Time zone"
          id="costlens-timezone"
          placeholder="UTC"
          width={30}
          tooltip="IANA zone for day and month boundaries and FX days"
          {...text('timeZone')}
        />
        <Setting
          label="Incomplete hours"
          id="costlens-incomplete"
          placeholder="0"
          width={12}
          tooltip="The newest hours may still receive late events; they are marked incomplete"
          {...num('incompleteHours')}
        />
        <Setting
          label="FX rate max age (days)"
          id="costlens-fx-max-age"
          placeholder="7"
          width={12}
          tooltip="An amount converted at a rate more days older than itself is flagged on the panel"
          {...num('fxMaxAgeDays')}
        />
        <Setting
          label="Retention (days)"
          id="costlens-retention"
          placeholder="1096"
          width={12}
          tooltip="Uploads refuse events and billing lines older than this (and more than a day in the future)"
          {...num('retentionDays')}
        />
        <Setting
          label="Query timeout (s)"
          id="costlens-query-timeout"
          placeholder="30"
          width={12}
          tooltip="A query still running (or waiting for a connection) after this long is stopped with an error"
          {...num('queryTimeoutSeconds')}
        />
        <SwitchSetting
          label="Manage schema"
          id="costlens-manage-schema"
          tooltip="Create and upgrade the costlens schema on connect"
          {...toggle('manageSchema')}
        />
      </FieldSet>
      <FieldSet label="OpenTelemetry GenAI spans (resource otlp/v1/traces)">
        <Setting
          label="Tenant attributes"
          id="costlens-otlp-tenant"
          placeholder="tenant.id"
          width={40}
          tooltip="Span or resource attributes naming a span's tenant, comma-separated, tried in order (a bound data source uses its own tenant)"
          {...text('otlpTenantAttributes')}
        />
        <Setting
          label="Feature attributes"
          id="costlens-otlp-feature"
          placeholder="service.name"
          width={40}
          tooltip="Attributes naming the feature a span's cost is charged to"
          {...text('otlpFeatureAttributes')}
        />
        <Setting
          label="User attributes"
          id="costlens-otlp-user"
          placeholder="enduser.id, user.id"
          width={40}
          tooltip="Attributes naming the user"
          {...text('otlpUserAttributes')}
        />
        <SwitchSetting
          label="Input excludes cache"
          id="costlens-otlp-excludes-cache"
          tooltip="On only if your instrumentation reports gen_ai.usage.input_tokens without the cached tokens (the conventions include them)"
          {...toggle('otlpInputExcludesCache')}
        />
      </FieldSet>
    </>
  );
}
