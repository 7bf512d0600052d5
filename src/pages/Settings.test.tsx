import React from 'react';
import { render, screen } from '@testing-library/react';
import { DataSourceInstanceSettings } from '@grafana/data';
import { DataSourceSrv, setDataSourceSrv } from '@grafana/runtime';

import { installBackend, installTemplateSrv } from '../datasource/testing/grafanaServices';
import { DataSourceStatus } from './Settings';

function installDataSources(list: Array<{ uid: string; name: string }>) {
  const getList = jest.fn().mockReturnValue(list as DataSourceInstanceSettings[]);
  setDataSourceSrv({ getList } as unknown as DataSourceSrv);
  return getList;
}

beforeEach(() => installTemplateSrv({}));

describe('Settings: data source status', () => {
  it('tells the user to add a data source when there is none', async () => {
    installDataSources([]);
    render(<DataSourceStatus />);
    expect(await screen.findByText('No Costlens data source yet')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Add data source/ })).toHaveAttribute(
      'href',
      '/connections/datasources/new'
    );
  });

  it('shows each data source health, good and bad, with a link to configure it', async () => {
    installBackend({
      '/api/datasources/uid/prod/health': {
        status: 'OK',
        message: 'Connected to db:5432/costlens, schema version 1: 10 events',
      },
      '/api/datasources/uid/cn/health': new Error(
        'authentication failed for user "costlens": check the user and password'
      ),
    });
    // after installBackend, which installs a data source service of its own
    const getList = installDataSources([
      { uid: 'prod', name: 'Costlens prod' },
      { uid: 'cn', name: 'Costlens CN' },
    ]);
    render(<DataSourceStatus />);

    expect(getList).toHaveBeenCalledWith({ type: 'costlens-cost-datasource' });
    expect(await screen.findByText('Connected to db:5432/costlens, schema version 1: 10 events')).toBeInTheDocument();
    expect(
      await screen.findByText('authentication failed for user "costlens": check the user and password')
    ).toBeInTheDocument();
    const links = screen.getAllByRole('link', { name: 'Configure' });
    expect(links.map((l) => l.getAttribute('href'))).toEqual([
      '/connections/datasources/edit/prod',
      '/connections/datasources/edit/cn',
    ]);
  });
});
