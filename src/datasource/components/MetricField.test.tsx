import React from 'react';
import { render, screen } from '@testing-library/react';

import { MetricField } from './MetricField';
import { user } from '../testing/user';

describe('MetricField', () => {
  it('shows the chosen metric and reports the one the user picks', async () => {
    const onChange = jest.fn();
    render(<MetricField id="m" value="cost" onChange={onChange} />);
    expect(screen.getByText('Cost')).toBeInTheDocument();

    await user.click(screen.getByLabelText('Metric'));
    await user.click(await screen.findByText('Cost per 1K tokens'));

    expect(onChange).toHaveBeenCalledWith('cost_per_1k_tokens');
  });
});
