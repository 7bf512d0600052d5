import saved from '../../pkg/query/testdata/saved-queries.json';
import { migrateQuery } from './migrate';
import { CostQuery } from './types';

// pkg/query/saved_test.go reads the same file: the backend parses the current queries
// and answers each old shape as its migration.
describe('migrateQuery', () => {
  it.each(saved.current.map((c) => [c.name, c.query]))('leaves %s as this version saved it', (_, query) => {
    expect(migrateQuery(query as CostQuery)).toEqual(query);
  });

  it.each(saved.old.map((o) => [o.name, o.saved, o.migrated]))('migrates %s', (_, old, migrated) => {
    expect(migrateQuery(old as CostQuery)).toEqual(migrated);
  });

  it('does not change the query it is given', () => {
    const old = saved.old[0].saved as CostQuery;
    const copy = JSON.parse(JSON.stringify(old));
    migrateQuery(old);
    expect(old).toEqual(copy);
  });
});
