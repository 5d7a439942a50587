/**
 * The merged OpenStack stack as an operator meets it: parameters.yaml and env_openstack.sh name
 * every credential and public host the packages render, and the rendered configuration (with
 * parameters.yaml, and with 3 replicas + Ceph) holds what Kolla 2025.1 and OpenStack 2025.1 need.
 * Rendered in-process exactly as the golden test renders.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { KubeObject } from '../../src/model/types.js';
import { objectsOf as allObjects, PACKAGES, render, ROOT } from './render.js';

const PARAMETERS = join(ROOT, 'parameters.yaml');
const WITH_SEARCHLIGHT = [
  'searchlight.enabled=true',
  'searchlight.images.api=registry.example.com/searchlight-api:2025.1',
  'searchlight.images.listener=registry.example.com/searchlight-listener:2025.1',
];

/** The objects of the meta-package rendered with these inputs. */
const objectsOf = async (variableFiles: string[], sets: string[] = []): Promise<KubeObject[]> =>
  allObjects(await render('stackanetes', variableFiles, sets));

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);
const leaves = (tree: unknown, prefix: string[] = []): string[][] =>
  isTree(tree) ? Object.entries(tree).flatMap(([k, v]) => leaves(v, [...prefix, k])) : [prefix];
const lookup = (tree: unknown, path: string[]): unknown =>
  path.reduce<unknown>((node, key) => (isTree(node) ? node[key] : undefined), tree);
const manifest = (dir: string): { variables?: Tree; dependencies?: { name: string }[] } =>
  parse(readFileSync(join(PACKAGES, dir, 'manifest.yaml'), 'utf8')) as {
    variables?: Tree;
    dependencies?: { name: string }[];
  };

/** Variables holding something an operator must replace. */
const CREDENTIAL = /password|secret|cookie|keyring/;

describe('parameters.yaml as an operator reads it', () => {
  const parameters = parse(readFileSync(PARAMETERS, 'utf8')) as Tree;
  const meta = manifest('stackanetes');
  const stack = (meta.dependencies ?? []).map((d) => d.name.split('/')[1] ?? '');

  it('names every credential of every package the meta-package deploys, so no placeholder stays unseen', () => {
    const missing = stack.flatMap((dir) =>
      leaves(manifest(dir).variables ?? {})
        .filter((path) => CREDENTIAL.test(path.join('.')))
        // A root key (identity.admin.password) reaches every package from the top of the file.
        .filter((path) => lookup(meta.variables, path) === undefined)
        .filter((path) => lookup(parameters, [dir, ...path]) === undefined)
        .map((path) => `${dir}.${path.join('.')}`),
    );
    expect(missing).toEqual([]);
  });

  it('marks every placeholder credential it sets as one to change', () => {
    const lines = readFileSync(PARAMETERS, 'utf8').split('\n');
    // Below this header every line is covered by its "CHANGE ME"; above it each line says so.
    const header = lines.findIndex((l) => l.includes('Every `password` here is a placeholder: CHANGE ME.'));
    expect(header).toBeGreaterThan(0);
    const unmarked = lines
      .slice(0, header)
      .filter((l) => /^[^#]*(: password\b|change-me)/.test(l) && !l.includes('# CHANGE ME'));
    expect(unmarked).toEqual([]);
  });

  it('lists every public host the stack can publish (Ceph and Searchlight on) in the ingress comment and env_openstack.sh', async () => {
    const objects = await objectsOf([PARAMETERS], ['ceph.enabled=true', ...WITH_SEARCHLIGHT]);
    const hosts = objects
      .filter((o) => o.kind === 'Ingress')
      .flatMap((o) => (o.spec as { rules: { host: string }[] }).rules.map((r) => r.host.replace(/\.openstack\.cluster$/, '')));
    expect(hosts.length).toBeGreaterThan(8);
    const text = readFileSync(PARAMETERS, 'utf8');
    const comment = text.slice(text.indexOf('ingress:'), text.indexOf('enabled: true'));
    const env = readFileSync(join(ROOT, 'env_openstack.sh'), 'utf8');
    expect(hosts.filter((h) => !new RegExp(`\\b${h.replaceAll('.', '\\.')}\\b`).test(comment))).toEqual([]);
    expect(hosts.filter((h) => !env.includes(`${h}.openstack.cluster`))).toEqual([]);
  });
});

/** The `[name]` section of an ini file, without its header. */
function section(ini: string, name: string): string | undefined {
  const text = `\n${ini}`;
  const start = text.indexOf(`\n[${name}]\n`);
  if (start < 0) return undefined;
  const body = text.slice(start + name.length + 4);
  const end = body.search(/^\[/m);
  return end < 0 ? body : body.slice(0, end);
}
const secretData = (list: KubeObject[], name: string): Record<string, string> =>
  (list.find((o) => o.kind === 'Secret' && o.metadata.name === name)?.stringData ?? {}) as Record<string, string>;

describe('service-to-service calls of the optional packages', () => {
  it('Searchlight reads resources back through the internal endpoints, with options its [service_credentials] knows', async () => {
    const conf = secretData(await objectsOf([PARAMETERS], WITH_SEARCHLIGHT), 'searchlight-config')['searchlight.conf'] ?? '';
    const credentials = section(conf, 'service_credentials') ?? '';
    expect(credentials).toMatch(/^os_endpoint_type = internalURL$/m);
    expect(credentials).toMatch(/^os_region_name = RegionOne$/m);
    expect(credentials).not.toMatch(/^region_name/m);
    expect(credentials).toMatch(/^username = searchlight$/m);
  });
});

describe('Cinder volume service with 3 replicas and Ceph', () => {
  const CEPH_HA = join(ROOT, 'test', 'packages', 'fixtures', 'ceph-ha.yaml');

  it('each replica of the active-active cluster registers under its own stable host, never one shared by all', async () => {
    const list = await objectsOf([PARAMETERS, CEPH_HA]);
    const volume = list.find((o) => o.metadata.name === 'cinder-volume' && o.kind !== 'PodDisruptionBudget');
    // Stable pod names (cinder-volume-N) are the hosts; a Deployment's would change on every restart.
    expect(volume?.kind).toBe('StatefulSet');
    expect((volume?.spec as { replicas: number }).replicas).toBe(3);
    const data = secretData(list, 'cinder-config');
    const config = JSON.parse(data['cinder-volume.json'] ?? '{}') as { command: string };
    const script = config.command.match(/^bash \/var\/lib\/kolla\/config_files\/(\S+)$/)?.[1] ?? '';
    expect(data[script]).toContain(`printf '[DEFAULT]\\nhost = %s\\n' "$(hostname)" > /tmp/cinder-volume-host.conf`);
    expect(data[script]).toMatch(/^exec cinder-volume --config-file \/etc\/cinder\/cinder.conf --config-file \/tmp\/cinder-volume-host.conf$/m);
    // The shared cinder.conf keeps the cluster, so the members stay active-active.
    expect(section(data['cinder.conf'] ?? '', 'DEFAULT')).toMatch(/^cluster = stackanetes$/m);
  });
});

describe('registration Jobs rerun', () => {
  /**
   * Runs a rendered register.sh against a stand-in `openstack` client that logs its arguments and
   * answers `endpoint list` with an ID for the interfaces given as already registered.
   */
  function runRegister(script: string, registered: string[]): string[] {
    const dir = mkdtempSync(join(tmpdir(), 'register-'));
    try {
      const log = join(dir, 'calls');
      const client = join(dir, 'openstack');
      writeFileSync(
        client,
        [
          '#!/bin/bash',
          `echo "$*" >> ${log}`,
          'if [ "$1 $2" = "endpoint list" ]; then',
          '  for a in "$@"; do case " $REGISTERED " in *" $a "*) echo "id-$a" ;; esac; done',
          'fi',
        ].join('\n'),
      );
      chmodSync(client, 0o755);
      const result = spawnSync('bash', ['-c', script], {
        env: { PATH: `${dir}:${process.env.PATH ?? ''}`, REGISTERED: registered.join(' ') },
        encoding: 'utf8',
        // No socket on stdin: bash would take itself for a remote shell and read ~/.bashrc.
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect([result.status, result.stderr]).toEqual([0, '']);
      return readFileSync(log, 'utf8').trim().split('\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it.each([
    ['glance-register', 'image', 'http://image.openstack.cluster:30080'],
    ['nova-register', 'placement', 'http://placement.openstack.cluster:30080'],
  ])('%s points an existing endpoint at the URL it renders now (a changed ingress domain or port), and creates missing ones', async (secret, type, publicUrl) => {
    const script = secretData(await objectsOf([PARAMETERS]), secret)['register.sh'] ?? '';
    const calls = runRegister(script, ['public']);
    expect(calls).toContain(`endpoint set --url ${publicUrl} id-public`);
    expect(calls.filter((c) => c.startsWith(`endpoint create --region RegionOne ${type} `))).toEqual([
      expect.stringMatching(new RegExp(`^endpoint create --region RegionOne ${type} internal http://`)),
      expect.stringMatching(new RegExp(`^endpoint create --region RegionOne ${type} admin http://`)),
    ]);
  });
});
