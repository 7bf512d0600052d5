import React from 'react';
import { AppRootProps } from '@grafana/data';
import { SceneApp, SceneAppPage, useSceneApp } from '@grafana/scenes';

import { prefixRoute, ROUTES } from '../constants';
import { overviewScene } from '../pages/Overview';
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
        title: 'Settings',
        subTitle: 'Costlens data sources and their health',
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
