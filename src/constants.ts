import pluginJson from './plugin.json';

export const PLUGIN_BASE_URL = `/a/${pluginJson.id}`;
export const DATASOURCE_TYPE = 'costlens-cost-datasource';

export enum ROUTES {
  Overview = 'overview',
  Forecast = 'forecast',
  Anomalies = 'anomalies',
  Recommendations = 'recommendations',
  Settings = 'settings',
}

export const prefixRoute = (route: string) => `${PLUGIN_BASE_URL}/${route}`;
