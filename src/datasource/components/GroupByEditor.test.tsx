import React, { useState } from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { DimensionKey } from '../types';
import { GroupByEditor } from './GroupByEditor';

function Harness({ onChange }: { onChange: (v: DimensionKey[]) => void }) {
  const [value, setValue] = useState<DimensionKey[]>([]);
  return (
    <GroupByEditor
      id="g"
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

    await userEvent.click(screen.getByLabelText('Group by'));
    await userEvent.click(await screen.findByText('Feature'));
    await userEvent.click(screen.getByLabelText('Group by'));
    await userEvent.click(await screen.findByText('Model version'));

    expect(onChange).toHaveBeenLastCalledWith(['feature', 'model_version']);

    // each chosen dimension has its own remove button, in order
    await userEvent.click(screen.getAllByRole('button', { name: 'Remove' })[0]);
    expect(onChange).toHaveBeenLastCalledWith(['model_version']);
  });
});
