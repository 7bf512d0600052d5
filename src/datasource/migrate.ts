import { CostQuery, Filter } from './types';

/**
 * migrateQuery brings a saved query up to the current model, so dashboards and alert
 * rules saved by earlier versions keep working: a query with no queryType is a time
 * series (cost), costSource "priced" is now "tokens", and an equality filter holding
 * several values (a multi-value variable picked in an old editor) is "in" / "not in".
 * A current query comes back unchanged. The backend accepts the old shapes too
 * (pkg/query/testdata/saved-queries.json is tested on both sides).
 */
export function migrateQuery(saved: CostQuery): CostQuery {
  let q = saved;
  const patch = (p: Partial<CostQuery>) => {
    q = { ...q, ...p };
  };
  if (q.queryType === undefined) {
    patch({ queryType: 'cost' });
  }
  if (q.costSource === 'priced') {
    patch({ costSource: 'tokens' });
  }
  if (q.filters?.some(equalityOfSeveral)) {
    patch({
      filters: q.filters.map((f) =>
        equalityOfSeveral(f) ? { ...f, operator: f.operator === '=' ? 'in' : 'not in' } : f
      ),
    });
  }
  return q;
}

function equalityOfSeveral(f: Filter): boolean {
  return (f.operator === '=' || f.operator === '!=') && f.values.length > 1;
}
