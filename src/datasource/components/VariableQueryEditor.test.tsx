import React from 'react';
import { render, screen } from '@testing-library/react';

import { costDataSource, installTemplateSrv } from '../testing/grafanaServices';
import { VariableQueryEditor } from './VariableQueryEditor';
import { user } from '../testing/user';

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
    await user.click(screen.getByLabelText('Values of'));
    await user.click(await screen.findByText('Model version'));
    expect(onChange).toHaveBeenCalledWith({ refId: 'v', dimension: 'model_version' });

    await user.click(screen.getByRole('button', { name: 'Add filter' }));
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'v',
      dimension: 'feature',
      filters: [{ dimension: 'feature', operator: '=', values: [] }],
    });
  });
});
