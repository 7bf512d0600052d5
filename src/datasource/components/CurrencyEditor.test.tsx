import React from 'react';
import { render, screen } from '@testing-library/react';

import { CurrencyEditor } from './CurrencyEditor';
import { user } from '../testing/user';

describe('CurrencyEditor', () => {
  const setup = () => {
    const onChange = jest.fn();
    const loadCurrencies = jest.fn().mockResolvedValue(['CNY', 'EUR', 'USD']);
    render(
      <CurrencyEditor
        id="c"
        defaultCurrency="USD"
        costSource="priced"
        showOriginal={false}
        loadCurrencies={loadCurrencies}
        onChange={onChange}
      />
    );
    return { onChange, loadCurrencies };
  };

  it('offers the currencies that have FX rates and reports the pick', async () => {
    const { onChange, loadCurrencies } = setup();
    expect(screen.getByText('USD')).toBeInTheDocument();
    expect(loadCurrencies).toHaveBeenCalledTimes(1);

    await user.click(screen.getByLabelText('Currency'));
    await user.click(await screen.findByText('CNY'));
    expect(onChange).toHaveBeenCalledWith({ currency: 'CNY' });
  });

  it('accepts a typed ISO code in upper case', async () => {
    const { onChange } = setup();
    await user.type(screen.getByLabelText('Currency'), 'gbp{enter}');
    expect(onChange).toHaveBeenCalledWith({ currency: 'GBP' });
  });

  it('switches the cost source and asks for original-currency amounts', async () => {
    const { onChange } = setup();
    await user.click(screen.getByText('Reported'));
    expect(onChange).toHaveBeenCalledWith({ costSource: 'reported' });
    await user.click(screen.getByLabelText('Original currency'));
    expect(onChange).toHaveBeenCalledWith({ showOriginalCurrency: true });
  });
});
