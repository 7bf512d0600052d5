import { useCallback, useEffect, useState } from 'react';

import { errorMessage } from './api';

/** What a page part has loaded: nothing yet, the reason it could not, or the value. */
export type Loaded<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'done'; value: T };

/**
 * useLoad runs load once the part is mounted, and again on reload() (after a change the
 * part made); an answer that arrives after the part is gone is dropped. A part whose
 * data source or currency changes is mounted anew (PickerBoundPart keys it by both), so load
 * is the one of the part's first render.
 */
export function useLoad<T>(load: () => Promise<T>): [Loaded<T>, () => Promise<void>] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [run] = useState(() => load);
  const settle = useCallback(
    (value: Promise<T>, isLive: () => boolean) =>
      value.then(
        (v) => {
          if (isLive()) {
            setLoaded({ state: 'done', value: v });
          }
        },
        (e) => {
          if (isLive()) {
            setLoaded({ state: 'error', message: errorMessage(e) });
          }
        }
      ),
    []
  );
  useEffect(() => {
    let live = true;
    void settle(run(), () => live);
    return () => {
      live = false;
    };
  }, [run, settle]);
  const reload = useCallback(() => settle(run(), () => true), [run, settle]);
  return [loaded, reload];
}
