import React from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { MetricField } from './MetricField';

describe('MetricField', () => {
  it('shows the chosen metric and reports the one the user picks', async () => {
    const onChange = jest.fn();
    render(<MetricField id="m" value="cost" onChange={onChange} />);
    expect(screen.getByText('Cost')).toBeInTheDocument();

    await userEvent.click(screen.getByLabelText('Metric'));
    await userEvent.click(await screen.findByText('Cost per 1K tokens'));

    expect(onChange).toHaveBeenCalledWith('cost_per_1k_tokens');
  });
});
