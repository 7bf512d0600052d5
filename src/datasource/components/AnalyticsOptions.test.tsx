import React from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { installBackend, installTemplateSrv } from '../testing/grafanaServices';
import { QueryEditorHarness } from '../testing/QueryEditorHarness';

describe('analytic query types in the editor', () => {
  beforeEach(() => {
    installTemplateSrv({});
    installBackend({ currencies: ['CNY', 'USD'] });
  });

  it('builds the anomaly alert "a model version at 120 % of its 7-day average"', async () => {
    const onChange = jest.fn();
    render(
      <QueryEditorHarness
        initial={{ refId: 'A', queryType: 'cost', metric: 'requests', groupBy: ['model_version'], interval: '1h' }}
        onChange={onChange}
      />
    );
    await userEvent.click(screen.getByText('Anomalies'));
    // the type's own metrics, grouping kept
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({
        queryType: 'anomalies',
        metric: 'flag',
        groupBy: ['model_version'],
        interval: undefined,
      })
    );
    await userEvent.click(screen.getByText('Alert'));
    await userEvent.type(screen.getByLabelText('Above %'), '90');
    await userEvent.tab();
    expect(screen.getByText('Above % must be more than 100')).toBeInTheDocument();
    await userEvent.clear(screen.getByLabelText('Above %'));
    await userEvent.type(screen.getByLabelText('Above %'), '120');
    await userEvent.tab();
    expect(screen.queryByText('Above % must be more than 100')).not.toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Weekly pattern'));
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({
        queryType: 'anomalies',
        metric: 'flag',
        output: 'alert',
        thresholdPercent: 120,
        seasonal: false,
        groupBy: ['model_version'],
      })
    );
    // no Top N for anomalies
    expect(screen.queryByLabelText('Top N')).not.toBeInTheDocument();
  });

  it('builds the forecast alert "over budget by more than 10 %" with a monthly budget', async () => {
    const onChange = jest.fn();
    render(<QueryEditorHarness initial={{ refId: 'B' }} onChange={onChange} />);
    await userEvent.click(screen.getByText('Forecast'));
    await userEvent.click(screen.getByLabelText('Metric'));
    await userEvent.click(await screen.findByText('Projected, of budget'));
    await userEvent.click(screen.getByText('Alert'));
    await userEvent.type(screen.getByLabelText('Budget amount'), '25000');
    await userEvent.tab();
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({
        queryType: 'forecast',
        metric: 'percent_of_budget',
        output: 'alert',
        budget: '25000',
      })
    );
  });

  it('budget and recommendation queries have no grouping or filters', async () => {
    const onChange = jest.fn();
    render(
      <QueryEditorHarness
        initial={{
          refId: 'C',
          queryType: 'cost',
          groupBy: ['feature'],
          filters: [{ dimension: 'feature', operator: '=', values: ['chat'] }],
        }}
        onChange={onChange}
      />
    );
    await userEvent.click(screen.getByText('Recommendations'));
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ queryType: 'recommendations', metric: 'monthly_saving', groupBy: [], filters: [] })
    );
    expect(screen.queryByLabelText('Group by')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Add filter' })).not.toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Idle days'), '14');
    await userEvent.tab();
    await userEvent.click(screen.getByLabelText('Show dismissed'));
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ queryType: 'recommendations', idleDays: 14, includeDismissed: true })
    );
  });
});
