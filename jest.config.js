/** Jest runs the TypeScript sources as native ESM; swc strips types only (tsc checks them in `npm run typecheck`). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // the simulator is a workspace package with its own suite; the root run includes it
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/simulator/test/**/*.test.ts'],
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/simulator/dist/'],
  // test/openstack needs root and Debian's OpenStack: it runs alone as npm run test:openstack
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/openstack/'],
  globalSetup: '<rootDir>/test/services/global-setup.mjs',
  globalTeardown: '<rootDir>/test/services/global-teardown.mjs',
  maxWorkers: process.env.CI ? 2 : '50%',
  testTimeout: 180000,
};
