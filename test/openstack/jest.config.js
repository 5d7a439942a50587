/** test/openstack runs alone (npm run test:openstack): it needs root and Debian's OpenStack, not the registry services. */
import base from '../../jest.config.js';

const { globalSetup: _setup, globalTeardown: _teardown, testPathIgnorePatterns: _ignored, ...shared } = base;

export default {
  ...shared,
  rootDir: '../..',
  testMatch: ['<rootDir>/test/openstack/**/*.test.ts'],
  maxWorkers: 1,
  testTimeout: 900000,
};
