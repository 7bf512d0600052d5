import React, { useState } from 'react';
import { Alert, Button, EmptyState, Field, Input, RadioButtonGroup, Stack, Text } from '@grafana/ui';

import { PERIODS, Period } from '../datasource/types';
import { errorMessage, resource } from './api';
import { PickerProps } from './PickerBoundPart';
import { NotLoaded } from './NotLoaded';
import { useLoad } from './useLoad';

export interface Budget {
  id: number;
  tenant: string;
  scopeDimension: string;
  scopeValue: string;
  period: Period;
  amount: string;
  currency: string;
}

const SCOPES = ['total', 'tenant', 'user', 'feature', 'model', 'model_version', 'provider'];

/** Lists, adds and removes budgets and quotas; the data source checks every field. */
export function BudgetEditor({ dsUid, currency }: PickerProps) {
  const [load, reload] = useLoad(() => resource<Budget[]>(dsUid, 'budgets'));
  const [scope, setScope] = useState('total');
  const [value, setValue] = useState('');
  const [period, setPeriod] = useState<Period>('month');
  const [amount, setAmount] = useState('');
  const [saveError, setSaveError] = useState<string>();

  const save = async () => {
    setSaveError(undefined);
    const total = scope === 'total';
    try {
      await resource(dsUid, 'budgets', 'PUT', {
        scopeDimension: total ? '' : scope,
        scopeValue: total ? '' : value,
        period,
        amount,
        currency,
      });
      setAmount('');
      setValue('');
      await reload();
    } catch (e) {
      setSaveError(errorMessage(e));
    }
  };

  const remove = async (id: number) => {
    setSaveError(undefined);
    try {
      await resource(dsUid, `budgets/${id}`, 'DELETE');
      await reload();
    } catch (e) {
      setSaveError(errorMessage(e));
    }
  };

  if (load.state !== 'done') {
    return <NotLoaded load={load} loading="Loading budgets" failed="Budgets could not be loaded" />;
  }
  return (
    <Stack direction="column" gap={2}>
      <Text element="h3">Budgets and quotas</Text>
      {load.value.length === 0 ? (
        <EmptyState variant="call-to-action" message="No budgets yet">
          <Text element="p">
            Add a monthly budget for the total and quotas for tenants or users: the forecast compares with them and the
            alert rules watch them.
          </Text>
        </EmptyState>
      ) : (
        <table className="filter-table">
          <thead>
            <tr>
              <th>Scope</th>
              <th>Period</th>
              <th>Amount</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {load.value.map((b) => {
              const name = b.scopeDimension ? `${b.scopeDimension} ${b.scopeValue}` : 'total';
              return (
                <tr key={b.id}>
                  <td>{name}</td>
                  <td>{b.period}</td>
                  <td>
                    {b.amount} {b.currency}
                  </td>
                  <td>
                    <Button
                      size="sm"
                      variant="destructive"
                      fill="text"
                      onClick={() => remove(b.id)}
                      aria-label={`Delete budget ${name} ${b.period}`}
                    >
                      Delete
                    </Button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <Stack direction="row" gap={2} alignItems="flex-end" wrap="wrap">
        <Field label="Scope">
          <RadioButtonGroup options={SCOPES.map((s) => ({ label: s, value: s }))} value={scope} onChange={setScope} />
        </Field>
        {scope !== 'total' && (
          <Field label="Value">
            <Input
              id="budget-value"
              aria-label="Scope value"
              width={20}
              value={value}
              onChange={(e) => setValue(e.currentTarget.value)}
            />
          </Field>
        )}
        <Field label="Period">
          <RadioButtonGroup
            options={PERIODS.map((p) => ({ label: p, value: p }))}
            value={period}
            onChange={setPeriod}
          />
        </Field>
        <Field label={`Amount (${currency})`}>
          <Input
            id="budget-amount"
            aria-label="Amount"
            width={14}
            value={amount}
            onChange={(e) => setAmount(e.currentTarget.value)}
          />
        </Field>
        <Button onClick={save} disabled={amount.trim() === ''}>
          Save budget
        </Button>
      </Stack>
      {saveError && (
        <Alert severity="error" title="The budget was not saved">
          {saveError}
        </Alert>
      )}
    </Stack>
  );
}
