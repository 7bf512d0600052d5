import React from 'react';
import { render, screen } from '@testing-library/react';

import { installBackend, installTemplateSrv } from '../testing/grafanaServices';
import { QueryEditorHarness } from '../testing/QueryEditorHarness';
import { user } from '../testing/user';

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
    await user.click(screen.getByText('Anomalies'));
    // the type's own metrics, grouping kept
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({
        queryType: 'anomalies',
        metric: 'flag',
        groupBy: ['model_version'],
        interval: undefined,
      })
    );
    await user.click(screen.getByText('Alert'));
    await user.click(screen.getByText('7-day average'));
    await user.type(screen.getByLabelText('Above %'), '90');
    await user.tab();
    expect(screen.getByText('Above % must be more than 100')).toBeInTheDocument();
    await user.clear(screen.getByLabelText('Above %'));
    await user.type(screen.getByLabelText('Above %'), '120');
    await user.tab();
    expect(screen.queryByText('Above % must be more than 100')).not.toBeInTheDocument();
    await user.click(screen.getByLabelText('Weekly pattern'));
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({
        queryType: 'anomalies',
        metric: 'flag',
        output: 'alert',
        baseline: 'ma7',
        thresholdPercent: 120,
        seasonal: false,
        groupBy: ['model_version'],
      })
    );
    // drops too, on the series' own robust level
    await user.click(screen.getByText('Robust'));
    await user.click(screen.getByText('both'));
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ queryType: 'anomalies', baseline: 'robust', direction: 'both', thresholdPercent: 120 })
    );
    // no Top N for anomalies
    expect(screen.queryByLabelText('Top N')).not.toBeInTheDocument();
  });

  it('builds the forecast alert "over budget by more than 10 %" with a monthly budget', async () => {
    const onChange = jest.fn();
    render(<QueryEditorHarness initial={{ refId: 'B' }} onChange={onChange} />);
    await user.click(screen.getByText('Forecast'));
    await user.click(screen.getByLabelText('Metric'));
    await user.click(await screen.findByText('Projected, of budget'));
    await user.click(screen.getByText('Alert'));
    await user.type(screen.getByLabelText('Budget amount'), '25000');
    await user.tab();
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
    await user.click(screen.getByText('Recommendations'));
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ queryType: 'recommendations', metric: 'monthly_saving', groupBy: [], filters: [] })
    );
    expect(screen.queryByLabelText('Group by')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Add filter' })).not.toBeInTheDocument();
    await user.type(screen.getByLabelText('Idle days'), '14');
    await user.tab();
    await user.click(screen.getByLabelText('Show dismissed'));
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ queryType: 'recommendations', idleDays: 14, includeDismissed: true })
    );
  });
});
