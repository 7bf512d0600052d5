import React from 'react';
import { Alert, LoadingPlaceholder } from '@grafana/ui';

import { Loaded } from './useLoad';

/** What a page part shows until its data is there: a placeholder, or why it failed. */
export function NotLoaded({ load, loading, failed }: { load: Loaded<unknown>; loading: string; failed: string }) {
  if (load.state === 'loading') {
    return <LoadingPlaceholder text={loading} />;
  }
  if (load.state === 'error') {
    return (
      <Alert severity="error" title={failed}>
        {load.message}
      </Alert>
    );
  }
  return null;
}
