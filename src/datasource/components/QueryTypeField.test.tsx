import React from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { QueryTypeField } from './QueryTypeField';

describe('QueryTypeField', () => {
  it('switches between a time series and a top-N table', async () => {
    const onChange = jest.fn();
    render(<QueryTypeField value="cost" onChange={onChange} />);
    expect(screen.getByLabelText('Time series')).toBeChecked();

    await userEvent.click(screen.getByText('Top-N table'));

    expect(onChange).toHaveBeenCalledWith('breakdown');
  });
});
