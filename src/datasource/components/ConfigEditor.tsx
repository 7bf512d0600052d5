import React, { ChangeEvent } from 'react';
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

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields, secureJsonData } = options;

  const setJson = <K extends keyof CostDataSourceOptions>(key: K, value: CostDataSourceOptions[K]) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, [key]: value } });
  const text = (key: 'host' | 'database' | 'user' | 'tenant' | 'timeZone') => (e: ChangeEvent<HTMLInputElement>) =>
    setJson(key, e.currentTarget.value);
  const int = (key: 'port' | 'incompleteHours') => (e: ChangeEvent<HTMLInputElement>) => {
    const v = e.currentTarget.value;
    setJson(key, v === '' ? undefined : Number(v));
  };

  return (
    <>
      <FieldSet label="PostgreSQL connection">
        <InlineField label="Host" labelWidth={LABEL_WIDTH} htmlFor="costlens-host">
          <Input
            id="costlens-host"
            width={40}
            placeholder="localhost"
            value={jsonData.host ?? ''}
            onChange={text('host')}
          />
        </InlineField>
        <InlineField label="Port" labelWidth={LABEL_WIDTH} htmlFor="costlens-port">
          <Input
            id="costlens-port"
            type="number"
            width={12}
            placeholder="5432"
            value={jsonData.port ?? ''}
            onChange={int('port')}
          />
        </InlineField>
        <InlineField label="Database" labelWidth={LABEL_WIDTH} htmlFor="costlens-database">
          <Input
            id="costlens-database"
            width={40}
            placeholder="costlens"
            value={jsonData.database ?? ''}
            onChange={text('database')}
          />
        </InlineField>
        <InlineField label="User" labelWidth={LABEL_WIDTH} htmlFor="costlens-user">
          <Input
            id="costlens-user"
            width={40}
            placeholder="costlens"
            value={jsonData.user ?? ''}
            onChange={text('user')}
          />
        </InlineField>
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
        <InlineField
          label="Tenant"
          labelWidth={LABEL_WIDTH}
          htmlFor="costlens-tenant"
          tooltip="Bind this data source to one tenant: row-level security hides every other tenant's rows"
        >
          <Input
            id="costlens-tenant"
            width={40}
            placeholder="all tenants"
            value={jsonData.tenant ?? ''}
            onChange={text('tenant')}
          />
        </InlineField>
        <InlineField
          label="Default currency"
          labelWidth={LABEL_WIDTH}
          htmlFor="costlens-currency"
          tooltip="ISO-4217 code queries normalise to unless they name one"
        >
          <Input
            id="costlens-currency"
            width={12}
            placeholder="USD"
            value={jsonData.defaultCurrency ?? ''}
            onChange={(e) => setJson('defaultCurrency', e.currentTarget.value.toUpperCase())}
          />
        </InlineField>
        <InlineField
          label="Time zone"
          labelWidth={LABEL_WIDTH}
          htmlFor="costlens-timezone"
          tooltip="IANA zone for day and month boundaries and FX days"
        >
          <Input
            id="costlens-timezone"
            width={30}
            placeholder="UTC"
            value={jsonData.timeZone ?? ''}
            onChange={text('timeZone')}
          />
        </InlineField>
        <InlineField
          label="Incomplete hours"
          labelWidth={LABEL_WIDTH}
          htmlFor="costlens-incomplete"
          tooltip="The newest hours may still receive late events; they are marked incomplete"
        >
          <Input
            id="costlens-incomplete"
            type="number"
            width={12}
            placeholder="0"
            value={jsonData.incompleteHours ?? ''}
            onChange={int('incompleteHours')}
          />
        </InlineField>
        <InlineField
          label="Manage schema"
          labelWidth={LABEL_WIDTH}
          htmlFor="costlens-manage-schema"
          tooltip="Create and upgrade the costlens schema on connect"
        >
          <InlineSwitch
            id="costlens-manage-schema"
            value={Boolean(jsonData.manageSchema)}
            onChange={(e) => setJson('manageSchema', e.currentTarget.checked)}
          />
        </InlineField>
      </FieldSet>
    </>
  );
}
