/**
 * A built-in kind whose validator module fails to load must stop the render as an internal
 * error (exit 70), never pass the object with a "no schema" warning. The module is replaced by
 * one that throws on import, as a damaged installation would.
 */
import { jest } from '@jest/globals';
import { ExitCode, StackanetesError } from '../../src/errors.js';

jest.unstable_mockModule('kubernetes-models/apps/v1/DaemonSet', () => {
  throw new Error('damaged module');
});

const { validateObjects } = await import('../../src/render/validate.js');

describe('a validator that fails to load', () => {
  it('stops validation with an internal error (exit 70) naming the kind and the module', async () => {
    const err = await validateObjects([
      {
        object: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' } },
        package: 'test/pkg',
        template: 'templates/ds.yaml.hbs',
      },
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StackanetesError);
    expect((err as StackanetesError).exitCode).toBe(ExitCode.internal);
    expect((err as Error).message).toMatch(
      /^the schema validator for DaemonSet \(apps\/v1\) failed to load from kubernetes-models\/apps\/v1\/DaemonSet: .*damaged module/,
    );
  });
});
