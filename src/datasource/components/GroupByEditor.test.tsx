import React, { useState } from 'react';
import { render, screen } from '@testing-library/react';

import { AllocationDimensionKey, DimensionKey } from '../types';

type Key = DimensionKey | AllocationDimensionKey;
import { GroupByEditor } from './GroupByEditor';
import { user } from '../testing/user';

function Harness({ onChange, allocation }: { onChange: (v: Key[]) => void; allocation?: boolean }) {
  const [value, setValue] = useState<Key[]>([]);
  return (
    <GroupByEditor
      id="g"
      allocation={allocation}
      value={value}
      onChange={(v) => {
        setValue(v);
        onChange(v);
      }}
    />
  );
}

describe('GroupByEditor', () => {
  it('groups by several dimensions in the order picked, and back to a total', async () => {
    const onChange = jest.fn();
    render(<Harness onChange={onChange} />);
    expect(screen.getByText('Total (no grouping)')).toBeInTheDocument();

    await user.click(screen.getByLabelText('Group by'));
    await user.click(await screen.findByText('Feature'));
    await user.click(screen.getByLabelText('Group by'));
    await user.click(await screen.findByText('Model version'));

    expect(onChange).toHaveBeenLastCalledWith(['feature', 'model_version']);

    // each chosen dimension has its own remove button, in order
    await user.click(screen.getAllByRole('button', { name: 'Remove' })[0]);
    expect(onChange).toHaveBeenLastCalledWith(['model_version']);
  });

  it('offers the billing dimensions for allocation queries', async () => {
    const onChange = jest.fn();
    render(<Harness onChange={onChange} allocation />);
    expect(screen.getByText('Resource and model version')).toBeInTheDocument();
    await user.click(screen.getByLabelText('Group by'));
    expect(screen.queryByText('User')).not.toBeInTheDocument();
    await user.click(await screen.findByText('Resource'));
    expect(onChange).toHaveBeenLastCalledWith(['resource']);
  });
});
