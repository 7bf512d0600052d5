import React from 'react';
import { render, screen } from '@testing-library/react';

import { LimitEditor } from './LimitEditor';
import { user } from '../testing/user';

describe('LimitEditor', () => {
  it('commits a top N when the field loses focus', async () => {
    const onChange = jest.fn();
    render(<LimitEditor id="l" showInterval onChange={onChange} />);
    await user.type(screen.getByLabelText('Top N'), '5');
    expect(onChange).not.toHaveBeenCalled();
    await user.tab();
    expect(onChange).toHaveBeenCalledWith({ topN: 5 });
  });

  it('refuses a top N that is not a whole number from 1 to 1000', async () => {
    const onChange = jest.fn();
    render(<LimitEditor id="l" showInterval onChange={onChange} />);
    await user.type(screen.getByLabelText('Top N'), '2.5');
    await user.tab();
    expect(screen.getByText('Top N must be a whole number from 1 to 1000')).toBeInTheDocument();
    expect(onChange).not.toHaveBeenCalled();
  });

  it('clears top N back to all rows', async () => {
    const onChange = jest.fn();
    render(<LimitEditor id="l" topN={10} showInterval onChange={onChange} />);
    await user.clear(screen.getByLabelText('Top N'));
    await user.tab();
    expect(onChange).toHaveBeenCalledWith({ topN: undefined });
  });

  it('picks a bucket interval, and auto removes it', async () => {
    const onChange = jest.fn();
    render(<LimitEditor id="l" interval="1h" showInterval onChange={onChange} />);
    await user.click(screen.getByLabelText('Interval'));
    await user.click(await screen.findByText('1d'));
    expect(onChange).toHaveBeenCalledWith({ interval: '1d' });
    await user.click(screen.getByLabelText('Interval'));
    await user.click(await screen.findByText('auto'));
    expect(onChange).toHaveBeenCalledWith({ interval: undefined });
  });

  it('hides the interval for tables', () => {
    render(<LimitEditor id="l" showInterval={false} onChange={jest.fn()} />);
    expect(screen.queryByLabelText('Interval')).not.toBeInTheDocument();
  });
});
