/** The UI's pages as pure functions of the data the router gathered. */
import type { LoadedPackage } from '../../src/package/types.js';
import type { ChannelRecord, PackageSummary, ReleaseRecord } from '../storage/types.js';
import { ASSET_VERSION } from './assets.js';
import { html, path, type Html } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { ReleasePreview } from './preview.js';

function layout(title: string, body: Html, query = ''): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · stackanetes registry</title>
        <link rel="stylesheet" href="/ui/assets/${ASSET_VERSION}/app.css" />
        <script src="/ui/assets/${ASSET_VERSION}/app.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/">stackanetes registry</a>
          <form role="search" action="/" method="get">
            <label class="visually-hidden" for="q">Search packages</label>
            <input
              id="q"
              name="q"
              type="search"
              value="${query}"
              placeholder="Search packages"
              maxlength="256"
            />
            <button type="submit">Search</button>
          </form>
          <div id="session"><a id="login-link" href="/ui/login">Log in</a></div>
        </header>
        <main id="main" tabindex="-1">${body}</main>
      </body>
    </html> `;
}

/** What the index lists of a package: the summary and the description of its default release. */
export interface PackageCard {
  summary: PackageSummary;
  description: string | undefined;
}

/** The package list; `total` counts every match when only the first ones are shown. */
export function indexPage(cards: PackageCard[], total: number, query: string): Html {
  const heading = query ? html`Packages matching “${query}”` : html`Packages`;
  const list =
    cards.length === 0
      ? html`<p id="no-results">
          ${query ? `No package name contains “${query}”.` : 'No package has been pushed yet.'}
        </p>`
      : html`<ul class="packages" id="results">
          ${cards.map(
            ({ summary: p, description }) =>
              html`<li>
                <a class="name" href="/ui/packages/${path(p.namespace, p.name)}">${p.namespace}/${p.name}</a>
                <span class="muted">${p.defaultRelease ?? ''}</span>
                ${description ? html`<p class="description">${description}</p>` : ''}
                <p class="muted">${p.releases.length} release${p.releases.length === 1 ? '' : 's'}</p>
              </li>`,
          )}
        </ul>`;
  return layout(
    query ? `Search: ${query}` : 'Packages',
    html`<h1>${heading}</h1>
      <p class="muted" id="count">
        ${total}
        package${total === 1 ? '' : 's'}${
          total > cards.length ? `; the first ${cards.length} are listed, search to narrow them down` : ''
        }
      </p>
      ${list}`,
    query,
  );
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function date(iso: string): Html {
  return html`<time datetime="${iso}"
    >${iso
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC')
      .replace(/Z$/, ' UTC')}</time
  >`;
}

function constraint(d: { version?: string; channel?: string; digest?: string }): string {
  if (d.digest) return d.digest;
  if (d.channel) return `channel ${d.channel}`;
  return d.version ?? 'default release';
}

function packageLink(name: string): Html {
  const m = /^([a-z0-9][a-z0-9_-]{1,62})\/([a-z0-9][a-z0-9_-]{1,62})$/.exec(name);
  if (!m) return html`<code>${name}</code>`;
  return html`<a href="/ui/packages/${path(m[1] as string, m[2] as string)}">${name}</a>`;
}

export interface PackagePageData {
  namespace: string;
  name: string;
  /** Every manifest, newest first. */
  manifests: ReleaseRecord[];
  channels: ChannelRecord[];
  /** The release this page shows. */
  selected: ReleaseRecord;
  /** The selected release, loaded (absent for media types other than stackanetes). */
  pkg: LoadedPackage | undefined;
  preview: ReleasePreview | undefined;
}

export function packagePage(d: PackagePageData): Html {
  const full = `${d.namespace}/${d.name}`;
  const base = `/ui/packages/${path(d.namespace, d.name)}`;
  const meta = d.pkg?.manifest.package;
  const metadata = d.selected.metadata as { description?: unknown } | null;
  const description =
    meta?.description ?? (typeof metadata?.description === 'string' ? metadata.description : undefined);
  const body = html` <h1 id="package-name">${full}</h1>
    ${description ? html`<p class="description" id="description">${description}</p>` : ''}
    <p>
      Release
      <strong id="release">${d.selected.release}</strong
      >${meta?.author ? html` · by ${meta.author}` : ''}${meta?.license ? html` · ${meta.license}` : ''}
    </p>
    <pre><code>stackanetes deploy ${full}@${d.selected.release}</code></pre>
    <nav class="sections" aria-label="Sections">
      <ul>
        <li><a href="#releases">Releases</a></li>
        <li><a href="#channels">Channels</a></li>
        <li><a href="#dependencies">Dependencies</a></li>
        <li><a href="#parameters">Parameters</a></li>
        <li><a href="#preview">Manifest preview</a></li>
        <li><a href="#readme">README</a></li>
        <li><a href="#manage">Manage</a></li>
      </ul>
    </nav>

    ${releasesSection(d, base)} ${channelsSection(d.channels, base)} ${dependenciesSection(d.pkg)}
    ${parametersSection(d.preview)} ${previewSection(d.preview, d.name)} ${readmeSection(d.pkg)}
    ${manageSection(d, base)}`;
  return layout(`${full} ${d.selected.release}`, body);
}

function releasesSection(d: PackagePageData, base: string): Html {
  const inChannels = (release: string) =>
    d.channels
      .filter((c) => c.releases.includes(release))
      .map((c) => (c.current === release ? `${c.name} (current)` : c.name));
  return html`<section aria-labelledby="releases">
    <h2 id="releases">Releases</h2>
    <div class="table">
      <table id="releases-table">
        <thead>
          <tr>
            <th scope="col">Release</th>
            <th scope="col">Media type</th>
            <th scope="col">Digest</th>
            <th scope="col">Size</th>
            <th scope="col">Pushed</th>
            <th scope="col">Channels</th>
          </tr>
        </thead>
        <tbody>
          ${d.manifests.map(
            (m) => html`<tr${m.release === d.selected.release ? html` aria-current="true"` : ''}>
<td><a href="${base}?release=${encodeURIComponent(m.release)}">${m.release}</a></td><td>${m.mediaType}</td>
<td class="digest"><code title="sha256:${m.digest}">sha256:${m.digest.slice(0, 12)}</code></td><td>${size(m.size)}</td><td>${date(m.createdAt)}</td>
<td>${inChannels(m.release).join(', ')}</td></tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}

function channelsSection(channels: ChannelRecord[], base: string): Html {
  return html`<section aria-labelledby="channels">
    <h2 id="channels">Channels</h2>
    ${
      channels.length === 0
        ? html`<p>No channels.</p>`
        : html`<div class="table">
            <table id="channels-table">
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col">Current release</th>
                  <th scope="col">Releases</th>
                </tr>
              </thead>
              <tbody>
                ${channels.map(
                  (c) =>
                    html`<tr data-channel="${c.name}">
                      <th scope="row">${c.name}</th>
                      <td class="current">
                        <a href="${base}?release=${encodeURIComponent(c.current)}">${c.current}</a>
                      </td>
                      <td>${c.releases.join(', ')}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
  </section>`;
}

function dependenciesSection(pkg: LoadedPackage | undefined): Html {
  const deps = pkg?.manifest.dependencies.filter((x) => x.name !== '$self') ?? [];
  const libs = pkg?.manifest.libraries ?? [];
  return html`<section aria-labelledby="dependencies">
    <h2 id="dependencies">Dependencies</h2>
    ${
      deps.length + libs.length === 0
        ? html`<p>None.</p>`
        : html`<div class="table">
            <table id="dependencies-table">
              <thead>
                <tr>
                  <th scope="col">Package</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Constraint</th>
                  <th scope="col">Condition</th>
                </tr>
              </thead>
              <tbody>
                ${deps.map(
                  (x) =>
                    html`<tr>
                      <td>${packageLink(x.name)}</td>
                      <td>dependency</td>
                      <td>${constraint(x)}</td>
                      <td>${x.when ? html`<code>${x.when}</code>` : ''}</td>
                    </tr>`,
                )}
                ${libs.map(
                  (x) =>
                    html`<tr>
                      <td>${packageLink(x.name)}</td>
                      <td>library</td>
                      <td>${constraint(x)}</td>
                      <td></td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
  </section>`;
}

function parametersSection(p: ReleasePreview | undefined): Html {
  return html`<section aria-labelledby="parameters">
    <h2 id="parameters">Parameters</h2>
    ${
      !p
        ? html`<p>Not a stackanetes package: nothing to read.</p>`
        : p.parameters.length === 0
          ? html`<p>This package reads no parameters.</p>`
          : html`<p class="muted">
                What the package reads, with its defaults; override them with <code>--set</code> or a
                <code>--variables</code> file.
              </p>
              <div class="table">
                <table id="parameters-table">
                  <thead>
                    <tr>
                      <th scope="col">Parameter</th>
                      <th scope="col">Default</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${p.parameters.map(
                      (x) =>
                        html`<tr>
                          <td><code>${x.path}</code></td>
                          <td><code>${x.value}</code></td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>
              ${p.unread.length > 0 ? html`<p class="muted">Declared but read by nothing: ${p.unread.map((u, i) => html`${i > 0 ? ', ' : ''}<code>${u}</code>`)}</p>` : ''}`
    }
  </section>`;
}

function previewSection(p: ReleasePreview | undefined, name: string): Html {
  return html`<section aria-labelledby="preview">
    <h2 id="preview">Manifest preview</h2>
    ${
      !p
        ? html`<p>Not a stackanetes package: nothing to render.</p>`
        : p.error
          ? html`<p class="status bad" id="preview-error">
              This release does not render with its defaults: ${p.error}
            </p>`
          : html`<p class="muted" id="preview-summary">
                ${p.objects.length} objects rendered with the defaults (namespace <code>preview</code>,
                release <code>${name}</code>).
              </p>
              ${
                p.warnings.length > 0
                  ? html`<ul class="muted">
                      ${p.warnings.map((w) => html`<li>${w}</li>`)}
                    </ul>`
                  : ''
              }
              <div id="preview-objects">
                ${p.objects.map(
                  (o) =>
                    html`<details>
                      <summary>
                        <strong>${o.kind}</strong> ${o.name}
                        <span class="muted">(${o.package}, ${o.template})</span>
                      </summary>
                      <pre><code>${o.yaml}</code></pre>
                    </details>`,
                )}
              </div>`
    }
  </section>`;
}

function readmeSection(pkg: LoadedPackage | undefined): Html {
  const readme = pkg ? [...pkg.files].find(([f]) => /^readme(\.md|\.markdown|\.txt)?$/i.test(f)) : undefined;
  return html`<section aria-labelledby="readme">
    <h2 id="readme">README</h2>
    ${readme ? html`<article class="readme" id="readme-body">${renderMarkdown(readme[1], 2)}</article>` : html`<p>No README in this release.</p>`}
  </section>`;
}

function manageSection(d: PackagePageData, base: string): Html {
  const full = `${d.namespace}/${d.name}`;
  const releases = [...new Set(d.manifests.map((m) => m.release))];
  return html`<section
    id="manage"
    aria-labelledby="manage-heading"
    data-namespace="${d.namespace}"
    data-package="${full}"
  >
    <h2 id="manage-heading">Manage</h2>
    <p id="manage-status" class="status" role="status" aria-live="polite">
      Members of <strong>${d.namespace}</strong> can move channels and its owners manage members:
      <a href="/ui/login?next=${encodeURIComponent(`${base}#manage`)}">log in</a>.
    </p>
    <form id="channel-form" class="inline" hidden>
      <div class="field">
        <label for="channel-input">Channel</label>
        <input
          id="channel-input"
          name="channel"
          list="channel-names"
          value="stable"
          required
          maxlength="63"
          autocomplete="off"
        />
      </div>
      <datalist id="channel-names">
        ${d.channels.map((c) => html`<option value="${c.name}"></option>`)}
      </datalist>
      <div class="field">
        <label for="release-select">Release</label>
        <select id="release-select" name="release">
          ${releases.map(
            (r) =>
              html`<option value="${r}" ${r === d.selected.release ? html` selected` : ''}>${r}</option>`,
          )}
        </select>
      </div>
      <button type="submit">Move channel</button>
    </form>
    <div id="members" hidden>
      <h3>Members of ${d.namespace}</h3>
      <div class="table">
        <table>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              <th scope="col"><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody id="members-body"></tbody>
        </table>
      </div>
      <form id="member-form" class="inline" hidden>
        <div class="field">
          <label for="member-input">User</label>
          <input id="member-input" name="member" required maxlength="64" autocomplete="off" />
        </div>
        <div class="field">
          <label for="role-select">Role</label>
          <select id="role-select" name="role">
            <option value="member">member</option>
            <option value="owner">owner</option>
          </select>
        </div>
        <button type="submit">Add or change member</button>
      </form>
    </div>
    <noscript
      ><p>
        Moving channels and managing members needs JavaScript; the CLI does both too (<code
          >stackanetes channel</code
        >).
      </p></noscript
    >
  </section>`;
}

export function loginPage(): Html {
  return layout(
    'Log in',
    html`<h1>Log in</h1>
      <p>
        Use the account you push with (<code>stackanetes login</code>). The token is kept in this tab only.
      </p>
      <form id="login-form" class="stack" hidden>
        <label>User name<input name="username" autocomplete="username" required /></label>
        <label
          >Password<input name="password" type="password" autocomplete="current-password" required
        /></label>
        <button type="submit">Log in</button>
      </form>
      <p id="login-status" class="status" role="status" aria-live="polite"></p>
      <noscript><p>Logging in needs JavaScript.</p></noscript>`,
  );
}

export function errorPage(status: number, message: string): Html {
  return layout(
    `Error ${status}`,
    html`<h1>${status === 404 ? 'Not found' : `Error ${status}`}</h1>
      <p id="error">${message}</p>
      <p><a href="/">All packages</a></p>`,
  );
}
