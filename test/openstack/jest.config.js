/** test/openstack runs alone (npm run test:openstack): it needs root and Debian's OpenStack, not the registry services. */
export default {
  rootDir: '../..',
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
  testMatch: ['<rootDir>/test/openstack/**/*.test.ts'],
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  maxWorkers: 1,
  testTimeout: 900000,
};
