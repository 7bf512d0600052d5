import React, { useState } from 'react';
import { DataSourceSettings } from '@grafana/data';
import { render, screen } from '@testing-library/react';

import { CostDataSourceOptions, CostSecureJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor';
import { user } from '../testing/user';

type Options = DataSourceSettings<CostDataSourceOptions, CostSecureJsonData>;

const saved: Options = {
  id: 1,
  uid: 'costlens',
  orgId: 1,
  name: 'Costlens',
  type: 'costlens-cost-datasource',
  typeName: 'Costlens cost',
  typeLogoUrl: '',
  access: 'proxy',
  url: '',
  user: '',
  database: '',
  basicAuth: false,
  basicAuthUser: '',
  isDefault: false,
  withCredentials: false,
  readOnly: false,
  jsonData: { host: 'db', port: 5432 },
  secureJsonFields: { password: true },
};

function Harness({ onOptionsChange }: { onOptionsChange: jest.Mock }) {
  const [options, setOptions] = useState(saved);
  return (
    <ConfigEditor
      options={options}
      onOptionsChange={(o) => {
        setOptions(o as Options);
        onOptionsChange(o);
      }}
    />
  );
}

describe('ConfigEditor', () => {
  it('edits connection and Costlens settings into jsonData', async () => {
    const onOptionsChange = jest.fn();
    render(<Harness onOptionsChange={onOptionsChange} />);

    await user.clear(screen.getByLabelText('Host'));
    await user.type(screen.getByLabelText('Host'), 'pg.internal');
    await user.clear(screen.getByLabelText('Port'));
    await user.type(screen.getByLabelText('Port'), '6432');
    await user.type(screen.getByLabelText('Tenant'), 'acme');
    await user.type(screen.getByLabelText('Default currency'), 'cny');
    await user.type(screen.getByLabelText('Time zone'), 'Asia/Shanghai');
    await user.type(screen.getByLabelText('Incomplete hours'), '3');
    await user.type(screen.getByLabelText('FX rate max age (days)'), '10');
    await user.type(screen.getByLabelText('Retention (days)'), '400');
    await user.type(screen.getByLabelText('Query timeout (s)'), '12');
    await user.click(screen.getByLabelText('Manage schema'));
    await user.type(screen.getByLabelText('User attributes'), 'app.user,enduser.id');
    await user.click(screen.getByLabelText('Input excludes cache'));
    await user.click(screen.getByLabelText('SSL mode'));
    await user.click(await screen.findByText('require'));

    expect(onOptionsChange.mock.lastCall[0].jsonData).toEqual({
      host: 'pg.internal',
      port: 6432,
      tenant: 'acme',
      defaultCurrency: 'CNY',
      timeZone: 'Asia/Shanghai',
      incompleteHours: 3,
      fxMaxAgeDays: 10,
      retentionDays: 400,
      queryTimeoutSeconds: 12,
      manageSchema: true,
      otlpUserAttributes: 'app.user,enduser.id',
      otlpInputExcludesCache: true,
      sslMode: 'require',
    });
  });

  it('keeps the password write-only: shows it as configured and resets it on request', async () => {
    const onOptionsChange = jest.fn();
    render(<Harness onOptionsChange={onOptionsChange} />);
    expect(screen.getByDisplayValue('configured')).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Reset' }));
    expect(onOptionsChange.mock.lastCall[0].secureJsonFields).toEqual({ password: false });

    await user.type(screen.getByLabelText('Password'), 's3cret');
    const last = onOptionsChange.mock.lastCall[0];
    expect(last.secureJsonData).toEqual({ password: 's3cret' });
    expect(JSON.stringify(last.jsonData)).not.toContain('s3cret');
  });
});
