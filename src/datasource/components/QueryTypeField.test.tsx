import React from 'react';
import { render, screen } from '@testing-library/react';

import { QueryTypeField } from './QueryTypeField';
import { user } from '../testing/user';

describe('QueryTypeField', () => {
  it('switches between a time series and a top-N table', async () => {
    const onChange = jest.fn();
    render(<QueryTypeField value="cost" onChange={onChange} />);
    expect(screen.getByLabelText('Time series')).toBeChecked();

    await user.click(screen.getByText('Top-N table'));

    expect(onChange).toHaveBeenCalledWith('breakdown');
  });
});
