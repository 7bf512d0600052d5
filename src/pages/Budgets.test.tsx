import React from 'react';
import { render, screen, waitFor } from '@testing-library/react';

import { installBackend, installTemplateSrv } from '../datasource/testing/grafanaServices';
import { BudgetEditor } from './Budgets';
import { PriceBook } from './PriceBook';
import { UnpricedModels } from './Unpriced';
import { user } from '../datasource/testing/user';

const budgets = [
  { id: 1, tenant: '', scopeDimension: '', scopeValue: '', period: 'month', amount: '400', currency: 'USD' },
  {
    id: 2,
    tenant: 'acme',
    scopeDimension: 'user',
    scopeValue: 'u-acme-03',
    period: 'month',
    amount: '25',
    currency: 'USD',
  },
];

beforeEach(() => installTemplateSrv({}));

describe('Settings: budgets', () => {
  it('lists budgets and saves a new user quota through the data source', async () => {
    const requests = installBackend({ budgets: budgets });
    render(<BudgetEditor dsUid="costlens" currency="USD" />);
    expect(screen.getByText('Loading budgets')).toBeInTheDocument();
    expect(await screen.findByText('user u-acme-03')).toBeInTheDocument();
    expect(screen.getByText('400 USD')).toBeInTheDocument();

    await user.click(screen.getByLabelText('user'));
    await user.type(screen.getByLabelText('Scope value'), 'u-globex-01');
    await user.type(screen.getByLabelText('Amount'), '30');
    await user.click(screen.getByRole('button', { name: 'Save budget' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'PUT')).toBe(true));
    expect(requests.find((r) => r.method === 'PUT')).toMatchObject({
      url: '/api/datasources/uid/costlens/resources/budgets',
      data: { scopeDimension: 'user', scopeValue: 'u-globex-01', period: 'month', amount: '30', currency: 'USD' },
    });
  });

  it('shows the data source’s reason when a budget is refused, keeping what was typed', async () => {
    installBackend({ budgets: [] });
    render(<BudgetEditor dsUid="costlens" currency="USD" />);
    expect(await screen.findByText('No budgets yet')).toBeInTheDocument();
    installBackend({ budgets: new Error('amount: must be positive, got 0') });
    await user.type(screen.getByLabelText('Amount'), '0');
    await user.click(screen.getByRole('button', { name: 'Save budget' }));
    expect(await screen.findByText('amount: must be positive, got 0')).toBeInTheDocument();
    expect(screen.getByLabelText('Amount')).toHaveValue('0');
  });

  it('deletes a budget', async () => {
    const requests = installBackend({ budgets: budgets, 'budgets/2': { deleted: 2 } });
    render(<BudgetEditor dsUid="costlens" currency="USD" />);
    await user.click(await screen.findByRole('button', { name: 'Delete budget user u-acme-03 month' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'DELETE')).toBe(true));
    expect(requests.find((r) => r.method === 'DELETE')!.url).toBe('/api/datasources/uid/costlens/resources/budgets/2');
  });

  it('says why budgets could not be loaded', async () => {
    installBackend({ budgets: new Error('cannot reach PostgreSQL at db:5432') });
    render(<BudgetEditor dsUid="costlens" currency="USD" />);
    expect(await screen.findByText('Budgets could not be loaded')).toBeInTheDocument();
    expect(screen.getByText('cannot reach PostgreSQL at db:5432')).toBeInTheDocument();
  });
});

describe('Settings: price book', () => {
  it('shows each price in force with when it was checked', async () => {
    installBackend({
      prices: [
        {
          provider: 'anthropic',
          model: 'claude-haiku-5-5',
          pattern: false,
          usageType: 'input',
          serviceTier: '',
          unitPrice: '0.5',
          unit: '1m_tokens',
          currency: 'USD',
          minContextTokens: 100001,
          effectiveFrom: '2026-10-07T00:00:00Z',
          checkedOn: '2026-10-24',
          source: '',
        },
        {
          provider: 'openai',
          model: 'gpt-4o',
          pattern: false,
          usageType: 'output',
          serviceTier: 'batch',
          unitPrice: '5.00',
          unit: '1m_tokens',
          currency: 'USD',
          minContextTokens: 0,
          effectiveFrom: '2024-10-01T00:00:00Z',
          checkedOn: null,
          source: '',
        },
      ],
    });
    render(<PriceBook dsUid="costlens" currency="USD" />);
    expect(await screen.findByText('Price book (2 prices in force)')).toBeInTheDocument();
    expect(screen.getByText('input above 100000 tokens')).toBeInTheDocument();
    expect(screen.getByText('output (batch)')).toBeInTheDocument();
    expect(screen.getByText('0.5 USD / 1m tokens')).toBeInTheDocument();
    expect(screen.getByText('2026-10-24')).toBeInTheDocument();
  });

  it('explains an empty price book', async () => {
    installBackend({ prices: [] });
    render(<PriceBook dsUid="costlens" currency="USD" />);
    expect(await screen.findByText('The price book is empty')).toBeInTheDocument();
  });
});

describe('Settings: unpriced requests', () => {
  it('lists each unpriced model with what would price it', async () => {
    const requests = installBackend({
      unpriced: [
        {
          provider: 'openai',
          model: 'gpt-4o-2024-08-06',
          serviceTier: '',
          requests: 2,
          hint: 'if the snapshot costs what gpt-4o does, add a model alias: model_aliases: [{provider: "openai", model: "gpt-4o-2024-08-06", price_as: "gpt-4o"}]',
        },
        { provider: 'mystery', model: 'm-1', serviceTier: '', requests: 1, hint: '' },
        {
          provider: 'openai',
          model: 'gpt-4o',
          serviceTier: 'batch',
          requests: 4,
          hint: 'add batch rates (an entry for openai gpt-4o with service_tier: batch)',
        },
      ],
    });
    render(<UnpricedModels dsUid="costlens" currency="USD" />);
    expect(await screen.findByText('gpt-4o-2024-08-06')).toBeInTheDocument();
    expect(screen.getByText(/add a model alias/)).toBeInTheDocument();
    expect(screen.getByText('a price for this model')).toBeInTheDocument();
    expect(screen.getByText('gpt-4o (batch)')).toBeInTheDocument();
    expect(screen.getByText(/add batch rates/)).toBeInTheDocument();
    expect(requests[0].url).toBe('/api/datasources/uid/costlens/resources/unpriced');
  });

  it('says when every request has a price', async () => {
    installBackend({ unpriced: [] });
    render(<UnpricedModels dsUid="costlens" currency="USD" />);
    expect(await screen.findByText('Every request in the last 7 days has a price')).toBeInTheDocument();
  });
});
