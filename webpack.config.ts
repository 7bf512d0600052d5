// Extends create-plugin's managed config (.config/webpack) rather than copying it.
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';

import grafanaConfig from './.config/webpack/webpack.config';

const config = async (env: Record<string, unknown>): Promise<Configuration> => {
  const base = await grafanaConfig(env as Parameters<typeof grafanaConfig>[0]);
  return merge(base, {
    plugins: [
      // The nested data source's plugin.json names its own logo, relative to dist/datasource.
      new CopyWebpackPlugin({ patterns: [{ from: 'datasource/img', to: 'datasource/img' }] }),
    ],
  });
};

export default config;
