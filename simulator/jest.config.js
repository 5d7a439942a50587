/** The simulator's own suite (`npm test` in simulator/); the root config runs the same files among the rest. */
import base from '../jest.config.js';

const { globalSetup: _setup, globalTeardown: _teardown, ...shared } = base;

export default {
  ...shared,
  rootDir: '.',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  testPathIgnorePatterns: ['/node_modules/'],
};
