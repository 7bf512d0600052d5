// The query editor as a panel holds it: the query lives in state, every change is
// reported to onChange and applied, so a test can click through several fields.
import React, { useState } from 'react';

import { QueryEditor } from '../components/QueryEditor';
import { CostQuery } from '../types';
import { costDataSource } from './grafanaServices';

export function QueryEditorHarness({
  initial,
  onChange,
  onRunQuery = () => undefined,
}: {
  initial: CostQuery;
  onChange: (q: CostQuery) => void;
  onRunQuery?: () => void;
}) {
  const [query, setQuery] = useState(initial);
  return (
    <QueryEditor
      datasource={costDataSource({ defaultCurrency: 'USD' })}
      query={query}
      onRunQuery={onRunQuery}
      onChange={(q) => {
        setQuery(q);
        onChange(q);
      }}
    />
  );
}
