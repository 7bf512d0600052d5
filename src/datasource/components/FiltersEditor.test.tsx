import React, { useState } from 'react';
import { render, screen } from '@testing-library/react';

import { Filter } from '../types';
import { FiltersEditor } from './FiltersEditor';
import { user } from '../testing/user';

function Harness({
  initial,
  onChange,
  loadValues,
}: {
  initial: Filter[];
  onChange: (f: Filter[]) => void;
  loadValues: jest.Mock;
}) {
  const [filters, setFilters] = useState(initial);
  return (
    <FiltersEditor
      id="f"
      filters={filters}
      loadValues={loadValues}
      onChange={(f) => {
        setFilters(f);
        onChange(f);
      }}
    />
  );
}

describe('FiltersEditor', () => {
  it('adds a filter, picks values offered by the backend and a template variable', async () => {
    const onChange = jest.fn();
    const loadValues = jest.fn().mockResolvedValue(['chat', 'search', 'summarize']);
    render(<Harness initial={[]} onChange={onChange} loadValues={loadValues} />);

    await user.click(screen.getByRole('button', { name: 'Add filter' }));
    expect(onChange).toHaveBeenLastCalledWith([{ dimension: 'feature', operator: '=', values: [] }]);

    await user.click(screen.getByLabelText('Filter values'));
    expect(loadValues).toHaveBeenCalledWith('feature', []);
    await user.click(await screen.findByText('search'));
    expect(onChange).toHaveBeenLastCalledWith([{ dimension: 'feature', operator: '=', values: ['search'] }]);

    await user.type(screen.getByLabelText('Filter values'), '$feature{enter}');
    expect(onChange).toHaveBeenLastCalledWith([
      { dimension: 'feature', operator: '=', values: ['search', '$feature'] },
    ]);
  });

  it('changes dimension (clearing values) and operator, and removes a row', async () => {
    const onChange = jest.fn();
    const loadValues = jest.fn().mockResolvedValue([]);
    render(
      <Harness
        initial={[
          { dimension: 'feature', operator: '=', values: ['chat'] },
          { dimension: 'tenant', operator: '=', values: ['acme'] },
        ]}
        onChange={onChange}
        loadValues={loadValues}
      />
    );

    const [firstDimension] = screen.getAllByLabelText('Filter dimension');
    await user.click(firstDimension);
    await user.click(await screen.findByText('Model version'));
    expect(onChange).toHaveBeenLastCalledWith([
      { dimension: 'model_version', operator: '=', values: [] },
      { dimension: 'tenant', operator: '=', values: ['acme'] },
    ]);

    const operators = screen.getAllByLabelText('Filter operator');
    await user.click(operators[1]);
    await user.click(await screen.findByText('not in'));
    expect(onChange).toHaveBeenLastCalledWith([
      { dimension: 'model_version', operator: '=', values: [] },
      { dimension: 'tenant', operator: 'not in', values: ['acme'] },
    ]);

    // values of one filter are looked up under the other filters
    await user.click(screen.getAllByLabelText('Filter values')[0]);
    expect(loadValues).toHaveBeenLastCalledWith('model_version', [
      { dimension: 'tenant', operator: 'not in', values: ['acme'] },
    ]);

    await user.click(screen.getAllByRole('button', { name: 'Remove filter' })[0]);
    expect(onChange).toHaveBeenLastCalledWith([{ dimension: 'tenant', operator: 'not in', values: ['acme'] }]);
  });

  it('says why values could not be loaded', async () => {
    const loadValues = jest.fn().mockRejectedValue(new Error('cannot reach PostgreSQL at db:5432'));
    render(
      <Harness
        initial={[{ dimension: 'region', operator: '=', values: [] }]}
        onChange={jest.fn()}
        loadValues={loadValues}
      />
    );
    await user.click(screen.getByLabelText('Filter values'));
    expect(await screen.findByText('cannot reach PostgreSQL at db:5432')).toBeInTheDocument();
  });
});
