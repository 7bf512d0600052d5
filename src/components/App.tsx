import React from 'react';
import { AppRootProps } from '@grafana/data';
import { SceneApp, SceneAppPage, useSceneApp } from '@grafana/scenes';

import { prefixRoute, ROUTES } from '../constants';
import { anomaliesScene } from '../pages/Anomalies';
import { forecastScene } from '../pages/Forecast';
import { overviewScene } from '../pages/Overview';
import { recommendationsScene } from '../pages/Recommendations';
import { settingsScene } from '../pages/Settings';

function costlensApp() {
  return new SceneApp({
    pages: [
      new SceneAppPage({
        title: 'Overview',
        subTitle: 'What LLM and inference workloads cost, and who and what drove it',
        url: prefixRoute(ROUTES.Overview),
        routePath: `${ROUTES.Overview}/*`,
        getScene: overviewScene,
      }),
      new SceneAppPage({
        title: 'Forecast',
        subTitle: 'Where this month is heading against its budget',
        url: prefixRoute(ROUTES.Forecast),
        routePath: `${ROUTES.Forecast}/*`,
        getScene: forecastScene,
      }),
      new SceneAppPage({
        title: 'Anomalies',
        subTitle: 'What is running away right now, and what drove it',
        url: prefixRoute(ROUTES.Anomalies),
        routePath: `${ROUTES.Anomalies}/*`,
        getScene: anomaliesScene,
      }),
      new SceneAppPage({
        title: 'Recommendations',
        subTitle: 'What to switch off, right-size or batch, and what it saves',
        url: prefixRoute(ROUTES.Recommendations),
        routePath: `${ROUTES.Recommendations}/*`,
        getScene: recommendationsScene,
      }),
      new SceneAppPage({
        title: 'Settings',
        subTitle: 'Data sources and their health, unpriced requests, budgets and the price book',
        url: prefixRoute(ROUTES.Settings),
        routePath: `${ROUTES.Settings}/*`,
        getScene: settingsScene,
      }),
    ],
  });
}

export default function App(_: AppRootProps) {
  const scene = useSceneApp(costlensApp);
  return <scene.Component model={scene} />;
}
