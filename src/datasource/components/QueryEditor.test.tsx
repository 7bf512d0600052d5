import React from 'react';
import { render, screen, waitFor } from '@testing-library/react';

import { installBackend, installTemplateSrv } from '../testing/grafanaServices';
import { QueryEditorHarness } from '../testing/QueryEditorHarness';
import { user } from '../testing/user';

describe('QueryEditor', () => {
  beforeEach(() => {
    installTemplateSrv({});
    installBackend({ currencies: ['CNY', 'USD'], values: ['gpt-4o-2024-08-06', 'qwen2.5-32b-v1.2-fp16'] });
  });

  it('builds a top-N query of cost per 1K tokens by model version in CNY, running it after each change', async () => {
    const onChange = jest.fn();
    const onRunQuery = jest.fn();
    render(<QueryEditorHarness initial={{ refId: 'A' }} onChange={onChange} onRunQuery={onRunQuery} />);

    await user.click(screen.getByText('Top-N table'));
    await user.click(screen.getByLabelText('Metric'));
    await user.click(await screen.findByText('Cost per 1K tokens'));
    await user.click(screen.getByLabelText('Group by'));
    await user.click(await screen.findByText('Model version'));
    await user.click(screen.getByRole('button', { name: 'Add filter' }));
    await user.click(screen.getByLabelText('Filter dimension'));
    await user.click(await screen.findByText('Model'));
    await user.click(screen.getByLabelText('Filter values'));
    await user.type(screen.getByLabelText('Filter values'), '$model{enter}');
    await waitFor(() => expect(screen.getByLabelText('Currency')).toBeInTheDocument());
    await user.click(screen.getByLabelText('Currency'));
    await user.click(await screen.findByText('CNY'));
    await user.type(screen.getByLabelText('Top N'), '5');
    await user.tab();

    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'A',
      queryType: 'breakdown',
      metric: 'cost_per_1k_tokens',
      groupBy: ['model_version'],
      filters: [{ dimension: 'model', operator: '=', values: ['$model'] }],
      currency: 'CNY',
      topN: 5,
    });
    expect(onRunQuery).toHaveBeenCalledTimes(onChange.mock.calls.length);
    // the interval only applies to time series
    expect(screen.queryByLabelText('Interval')).not.toBeInTheDocument();
  });

  it('shows a saved query as it was saved', async () => {
    const requests = installBackend({ currencies: ['CNY', 'USD'] });
    render(
      <QueryEditorHarness
        initial={{
          refId: 'B',
          queryType: 'cost',
          metric: 'requests',
          groupBy: ['feature', 'tenant'],
          interval: '1h',
          currency: 'EUR',
        }}
        onChange={jest.fn()}
        onRunQuery={jest.fn()}
      />
    );
    expect(screen.getByLabelText('Time series')).toBeChecked();
    expect(screen.getByText('Requests')).toBeInTheDocument();
    expect(screen.getByText('Feature')).toBeInTheDocument();
    expect(screen.getByText('Tenant')).toBeInTheDocument();
    expect(screen.getByText('1h')).toBeInTheDocument();
    expect(screen.getByText('EUR')).toBeInTheDocument();
    // once the currency list has loaded, EUR (no FX rates listed) is still the one shown
    await waitFor(() => expect(requests).toHaveLength(1));
    await waitFor(() => expect(screen.getByText('EUR')).toBeInTheDocument());
  });
});

describe('QueryEditor with billed cost', () => {
  beforeEach(() => {
    installTemplateSrv({});
    installBackend({ currencies: ['CNY', 'USD'] });
  });

  it('switching to blended keeps what bills know and offers only their dimensions', async () => {
    const onChange = jest.fn();
    render(
      <QueryEditorHarness
        initial={{
          refId: 'A',
          queryType: 'cost',
          metric: 'requests',
          groupBy: ['feature', 'provider'],
          filters: [
            { dimension: 'user', operator: '=', values: ['u1'] },
            { dimension: 'quantization', operator: '=', values: ['int8'] },
          ],
          costSource: 'priced',
        }}
        onChange={onChange}
        onRunQuery={jest.fn()}
      />
    );
    // a query saved with the old name of the token source shows as Tokens
    expect(screen.getByLabelText('Tokens')).toBeChecked();
    await user.click(screen.getByText('Blended'));
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'A',
      queryType: 'cost',
      metric: 'cost',
      groupBy: ['provider'],
      filters: [{ dimension: 'quantization', operator: '=', values: ['int8'] }],
      costSource: 'blended',
    });
    await user.click(screen.getByLabelText('Group by'));
    expect(await screen.findByText('Model family')).toBeInTheDocument();
    expect(screen.queryByText('Feature')).not.toBeInTheDocument();
    expect(screen.queryByText('User')).not.toBeInTheDocument();
  });
});

describe('QueryEditor for allocation', () => {
  beforeEach(() => {
    installTemplateSrv({});
    installBackend({ currencies: ['CNY', 'USD'] });
  });

  it('switches to allocation: its own metrics and resource dimensions, no event filters', async () => {
    const onChange = jest.fn();
    render(
      <QueryEditorHarness
        initial={{
          refId: 'A',
          queryType: 'cost',
          metric: 'requests',
          groupBy: ['user'],
          filters: [{ dimension: 'feature', operator: '=', values: ['chat'] }],
        }}
        onChange={onChange}
        onRunQuery={jest.fn()}
      />
    );
    await user.click(screen.getByText('Allocation'));
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'A',
      queryType: 'allocation',
      metric: 'cost',
      groupBy: [],
      filters: [],
    });
    await user.click(screen.getByLabelText('Metric'));
    expect(screen.queryByText('Requests')).not.toBeInTheDocument();
    await user.click(await screen.findByText('Cost per A100-hour'));
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'A',
      queryType: 'allocation',
      metric: 'cost_per_a100_hour',
      groupBy: [],
      filters: [],
    });
    expect(screen.queryByRole('button', { name: 'Add filter' })).not.toBeInTheDocument();

    await user.click(screen.getByLabelText('Group by'));
    await user.click(await screen.findByText('Resource'));
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'A',
      queryType: 'allocation',
      metric: 'cost_per_a100_hour',
      groupBy: ['resource'],
      filters: [],
    });
    await waitFor(() => expect(screen.getByText('USD')).toBeInTheDocument());
  });

  it("switching type keeps what the new type has, from the types' specs", async () => {
    const onChange = jest.fn();
    render(
      <QueryEditorHarness
        initial={{
          refId: 'A',
          queryType: 'cost',
          metric: 'requests',
          groupBy: ['user'],
          filters: [{ dimension: 'feature', operator: '=', values: ['chat'] }],
          interval: '5m',
        }}
        onChange={onChange}
        onRunQuery={jest.fn()}
      />
    );
    // anomalies group and filter by the same dimensions; 5m is not an anomaly interval
    await user.click(screen.getByText('Anomalies'));
    expect(onChange.mock.lastCall[0]).toEqual({
      refId: 'A',
      queryType: 'anomalies',
      metric: 'flag',
      groupBy: ['user'],
      filters: [{ dimension: 'feature', operator: '=', values: ['chat'] }],
    });
    // KPIs are per model version: no group by, the filters stay
    await user.click(screen.getByText('KPIs'));
    expect(onChange.mock.lastCall[0]).toEqual({
      refId: 'A',
      queryType: 'kpi',
      metric: 'cost_per_1k_tokens',
      groupBy: [],
      filters: [{ dimension: 'feature', operator: '=', values: ['chat'] }],
    });
    expect(screen.queryByLabelText('Group by')).not.toBeInTheDocument();
  });
});
