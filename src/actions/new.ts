/**
 * `stackanetes new NAMESPACE/NAME`: scaffolds a package that lints clean — a Deployment and a
 * Service sharing a labels partial, an image derived from repository and tag, and a README listing
 * the variables — so authors start from the conventions instead of a blank file.
 */
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { ConflictError, describeCause, InputError } from '../errors.js';
import { assertPackageName, shortName } from '../package/manifest.js';
import type { ActionContext } from './context.js';

export interface NewPackageOptions {
  name: string;
  /** Target directory; default `./NAME`. */
  dir?: string;
}

export interface NewPackageResult {
  name: string;
  dir: string;
  files: string[];
}

function scaffold(name: string): Record<string, string> {
  const short = shortName(name);
  return {
    'manifest.yaml': `# ${name}: scaffolded by \`stackanetes new\`. Render it with \`stackanetes generate .\`.
package:
  name: ${name}
  version: 0.1.0
  description: ${short} packaged for stackanetes
  license: Apache-2.0

variables:
  replicas: 1
  image:
    repository: docker.io/nginxinc/nginx-unprivileged
    tag: "1.27"
    # Derived default: evaluated after all overrides, so changing repository or tag changes it.
    ref: "{{image.repository}}:{{image.tag}}"
  port: 8080
  service:
    type: ClusterIP
    port: 80
  resources:
    requests: {cpu: 50m, memory: 64Mi}
    limits: {memory: 128Mi}

resources:
  - file: templates/deployment.yaml.hbs
  - file: templates/service.yaml.hbs
`,
    'README.md': `# ${name}

${short} packaged for stackanetes.

    stackanetes lint .
    stackanetes generate . --set replicas=2

## Variables

| variable | default | meaning |
| --- | --- | --- |
| \`replicas\` | \`1\` | pods of the Deployment |
| \`image.repository\` | \`docker.io/nginxinc/nginx-unprivileged\` | container image repository |
| \`image.tag\` | \`1.27\` | container image tag |
| \`image.ref\` | \`{{image.repository}}:{{image.tag}}\` | full image reference (derived) |
| \`port\` | \`8080\` | port the container listens on |
| \`service.type\` | \`ClusterIP\` | Service type |
| \`service.port\` | \`80\` | Service port |
| \`resources\` | requests 50m/64Mi, limit 128Mi | container resources |
`,
    'templates/_labels.yaml.hbs': `app.kubernetes.io/name: ${short}
app.kubernetes.io/instance: {{@release.name}}
`,
    'templates/deployment.yaml.hbs': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${short}
  labels:
    {{> labels}}
spec:
  replicas: {{replicas}}
  selector:
    matchLabels:
      {{> labels}}
  template:
    metadata:
      labels:
        {{> labels}}
    spec:
      containers:
        - name: ${short}
          image: {{quote image.ref}}
          ports:
            - name: http
              containerPort: {{port}}
          readinessProbe:
            httpGet:
              path: /
              port: http
          resources:{{nindent 12 (toYaml resources)}}
`,
    'templates/service.yaml.hbs': `apiVersion: v1
kind: Service
metadata:
  name: ${short}
  labels:
    {{> labels}}
spec:
  type: {{service.type}}
  selector:
    {{> labels}}
  ports:
    - name: http
      port: {{service.port}}
      targetPort: http
`,
  };
}

/** Writes the scaffold into a temporary sibling and renames it into place, so a failure leaves nothing half-made. */
export async function newPackage(
  context: ActionContext,
  options: NewPackageOptions,
): Promise<NewPackageResult> {
  assertPackageName(options.name, 'stackanetes new');
  const { cwd } = context;
  const target = options.dir
    ? isAbsolute(options.dir)
      ? options.dir
      : resolve(cwd, options.dir)
    : resolve(cwd, shortName(options.name));
  const existing = await readdir(target).catch((err: NodeJS.ErrnoException) =>
    err.code === 'ENOENT' ? undefined : Promise.reject(err),
  );
  if (existing && existing.length > 0) {
    throw new ConflictError(`${options.dir ?? shortName(options.name)} already exists and is not empty`, {
      hint: 'choose another --dir or remove the directory',
    });
  }
  const files = scaffold(options.name);
  const temp = join(dirname(target), `.${basename(target)}.new-${process.pid}`);
  try {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(temp, path)), { recursive: true });
      await writeFile(join(temp, path), text);
    }
    if (existing) await rm(target, { recursive: true });
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw new InputError(`cannot create ${target}: ${describeCause(err)}`);
  }
  return { name: options.name, dir: target, files: Object.keys(files).sort() };
}
