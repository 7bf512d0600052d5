import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { CostDataSource } from './datasource';
import { CostDataSourceOptions, CostQuery, CostSecureJsonData } from './types';

export const plugin = new DataSourcePlugin<CostDataSource, CostQuery, CostDataSourceOptions, CostSecureJsonData>(
  CostDataSource
)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
