import React from 'react';
import { render, screen, waitFor } from '@testing-library/react';

import { installBackend, installTemplateSrv } from '../datasource/testing/grafanaServices';
import { RecommendationList } from './Recommendations';
import { user } from '../datasource/testing/user';

// A recommendations frame as the data source returns it through /api/ds/query.
function answer(recs: Array<[string, string, string, number]>) {
  const col = (i: number) => recs.map((r) => r[i]);
  return {
    results: {
      A: {
        frames: [
          {
            schema: {
              fields: [
                { name: 'id', type: 'string' },
                { name: 'action', type: 'string' },
                { name: 'evidence', type: 'string' },
                { name: 'state', type: 'string' },
                { name: 'monthly_saving', type: 'number' },
              ],
            },
            data: { values: [col(0), col(1), recs.map(() => 'evidence of ' + 'it'), col(2), col(3)] },
          },
        ],
      },
    },
  };
}

beforeEach(() => installTemplateSrv({}));

describe('Recommendations page', () => {
  it('lists open recommendations with their saving, and dismisses one', async () => {
    const requests = installBackend({
      '/api/ds/query': answer([
        ['delete/gpu-old/old-v1', 'Delete old-v1 and release gpu-old', '', 82.5],
        ['right_size/gpu-live', 'Right-size gpu-live', '', 100],
        ['batching/gpu-live/live-v1', 'Enable or enlarge batching for live-v1', 'dismissed', 11.25],
      ]),
      'recommendations/state': { id: 'delete/gpu-old/old-v1', action: 'dismiss' },
    });
    render(<RecommendationList dsUid="costlens" currency="USD" />);
    expect(screen.getByText(/Looking for idle/)).toBeInTheDocument();
    expect(await screen.findByText('2 open, about 182.50 USD a month')).toBeInTheDocument();
    expect(screen.getByText('Delete old-v1 and release gpu-old — saves about 82.50 USD a month')).toBeInTheDocument();
    expect(screen.getByText('Enable or enlarge batching for live-v1 (dismissed)')).toBeInTheDocument();
    // through Grafana's data source service, as a panel's query goes
    expect(requests[0].url).toMatch(/^\/api\/ds\/query\?ds_type=costlens-cost-datasource/);
    expect(requests[0]).toMatchObject({
      method: 'POST',
      data: {
        queries: [
          {
            refId: 'A',
            datasource: { uid: 'costlens', type: 'costlens-cost-datasource' },
            queryType: 'recommendations',
            output: 'table',
            currency: 'USD',
            includeDismissed: true,
          },
        ],
      },
    });

    await user.click(screen.getByRole('button', { name: 'Dismiss delete/gpu-old/old-v1' }));
    await waitFor(() => expect(requests.some((r) => r.url.endsWith('/resources/recommendations/state'))).toBe(true));
    const post = requests.find((r) => r.url.endsWith('/resources/recommendations/state'))!;
    expect(post).toMatchObject({
      url: '/api/datasources/uid/costlens/resources/recommendations/state',
      method: 'POST',
      data: { id: 'delete/gpu-old/old-v1', action: 'dismiss' },
    });
    // the list is read again after the change
    await waitFor(() => expect(requests.filter((r) => r.url.startsWith('/api/ds/query'))).toHaveLength(2));
  });

  it('snoozes for seven days', async () => {
    const requests = installBackend({
      '/api/ds/query': answer([['right_size/gpu-live', 'Right-size gpu-live', '', 100]]),
      'recommendations/state': {},
    });
    render(<RecommendationList dsUid="costlens" currency="CNY" />);
    await user.click(await screen.findByRole('button', { name: 'Snooze right_size/gpu-live' }));
    await waitFor(() => expect(requests.some((r) => r.url.endsWith('recommendations/state'))).toBe(true));
    const data = requests.find((r) => r.url.endsWith('recommendations/state'))!.data as { until: string };
    const days = (Date.parse(data.until) - Date.now()) / 86400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
  });

  it('says there is nothing to switch off, and why there might be nothing', async () => {
    installBackend({ '/api/ds/query': answer([]) });
    render(<RecommendationList dsUid="costlens" currency="USD" />);
    expect(await screen.findByText('Nothing to switch off')).toBeInTheDocument();
    expect(screen.getByText(/need billing line items and model versions/)).toBeInTheDocument();
  });

  it('shows the data source error and where to look', async () => {
    installBackend({ '/api/ds/query': new Error('cannot reach PostgreSQL at db:5432') });
    render(<RecommendationList dsUid="costlens" currency="USD" />);
    expect(await screen.findByText('Recommendations could not be computed')).toBeInTheDocument();
    expect(
      screen.getByText(/cannot reach PostgreSQL at db:5432. Check the data source on the Settings page./)
    ).toBeInTheDocument();
  });
});
