import React from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { costDataSource, installTemplateSrv } from '../testing/grafanaServices';
import { VariableQueryEditor } from './VariableQueryEditor';

describe('VariableQueryEditor', () => {
  it('lists the values of the dimension the user picks', async () => {
    installTemplateSrv({});
    const onChange = jest.fn();
    render(
      <VariableQueryEditor
        datasource={costDataSource()}
        query={{ refId: 'v', dimension: 'feature' }}
        onChange={onChange}
        onRunQuery={jest.fn()}
      />
    );
    expect(screen.getByText('Feature')).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Values of'));
    await userEvent.click(await screen.findByText('Model version'));
    expect(onChange).toHaveBeenCalledWith({ refId: 'v', dimension: 'model_version' });

    await userEvent.click(screen.getByRole('button', { name: 'Add filter' }));
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'v',
      dimension: 'feature',
      filters: [{ dimension: 'feature', operator: '=', values: [] }],
    });
  });
});
