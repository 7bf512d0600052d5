// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');
const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');

module.exports = {
  ...base,
  // d3 and a few other Grafana dependencies ship ESM-only .mjs builds.
  transform: {
    ...base.transform,
    '^.+\\.mjs$': base.transform['^.+\\.(t|j)sx?$'],
  },
  // Grafana 13's packages also pull in these ESM-only modules.
  transformIgnorePatterns: [nodeModulesToTransform([...grafanaESModules, '@react-hookz', '@ver0', '@grafana/scenes'])],
  // A hang guard only: every test passes within Jest's default 5 s on a 2-core machine
  // with both cores busy (slowest 3.0 s; idle 1.9 s). See jest-setup.js for what made
  // the editor tests slow (EmptyState's illustration) and src/datasource/testing/user.ts.
  testTimeout: 15000,
  // Playwright specs under tests/ are not Jest tests.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/'],
};
