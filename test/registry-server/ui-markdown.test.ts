/**
 * The UI's escaping templates and README renderer: text from a package can only become text,
 * while the Markdown that READMEs use still becomes markup.
 */
import { html, escapeHtml, path } from '../../registry-server/ui/html.js';
import { renderMarkdown, safeHref } from '../../registry-server/ui/markdown.js';

describe('html templates', () => {
  it('escapes every interpolated string, including quotes that would end an attribute', () => {
    const name = `"><script>alert(1)</script>`;
    expect(html`<a title="${name}">${name}</a>`.text).toBe(
      '<a title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</a>',
    );
    expect(escapeHtml(`'&`)).toBe('&#39;&amp;');
  });

  it('inserts nested templates and lists as markup but never plain strings', () => {
    const items = ['<b>', 'x'].map((t) => html`<li>${t}</li>`);
    expect(
      html`<ul>
        ${items}
      </ul>`.text.replace(/\s+/g, ''),
    ).toBe('<ul><li>&lt;b&gt;</li><li>x</li></ul>');
    expect(html`${undefined}${null}${false}${0}`.text).toBe('0');
  });

  it('percent-encodes path segments so a value cannot add a segment or a query', () => {
    expect(path('ns', 'a/b?c')).toBe('ns/a%2Fb%3Fc');
  });
});

describe('README Markdown', () => {
  it('shows raw HTML, including <script> and event handlers, as text', () => {
    const out = renderMarkdown('<script>alert(1)</script>\n\nHi <img src=x onerror="alert(1)">').text;
    expect(out).not.toMatch(/<script|<img/);
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
  });

  it('keeps http(s), mailto, anchors and relative links and drops script-capable schemes', () => {
    const out = renderMarkdown(
      '[a](https://example.org/x?y=1&z=2) [b](#top) [c](docs/x.md) [d](javascript:alert(1)) [e](JaVaScRiPt:alert(1)) [f](data:text/html,x) [g](//evil.example)',
    ).text;
    expect(out).toContain('<a href="https://example.org/x?y=1&amp;z=2" rel="nofollow noopener">a</a>');
    expect(out).toContain('<a href="#top"');
    expect(out).toContain('<a href="docs/x.md"');
    expect(out.match(/<a /g)).toHaveLength(3);
    expect(out).not.toMatch(/href="(javascript|data|\/\/)/i);
    for (const bad of ['javascript:x', ' javascript:x', 'vbscript:x', 'data:x', '//host/x'])
      expect(safeHref(bad.trim())).toBe(false);
  });

  it('renders headings, lists, tables, code blocks and code spans without touching their text', () => {
    const out = renderMarkdown(
      [
        '# Title',
        '',
        'Some **bold** and *em* and `a <b> & c`.',
        '',
        '- one',
        '- two `x_y_z`',
        '',
        '1. first',
        '2. second',
        '',
        '| Variable | Default |',
        '| --- | --- |',
        '| `db.host` | <i>mariadb</i> |',
        '',
        '```yaml',
        'key: <value>',
        '```',
        '',
        '    indented <code>',
      ].join('\n'),
    ).text;
    expect(out).toContain('<h1 id="readme-title">Title</h1>');
    expect(out).toContain(
      '<p>Some <strong>bold</strong> and <em>em</em> and <code>a &lt;b&gt; &amp; c</code>.</p>',
    );
    expect(out).toContain('<ul><li>one</li><li>two <code>x_y_z</code></li></ul>');
    expect(out).toContain('<ol><li>first</li><li>second</li></ol>');
    expect(out).toContain('<th scope="col">Variable</th>');
    expect(out).toContain('<td><code>db.host</code></td><td>&lt;i&gt;mariadb&lt;/i&gt;</td>');
    expect(out).toContain('<pre><code>key: &lt;value&gt;</code></pre>');
    expect(out).toContain('<pre><code>indented &lt;code&gt;</code></pre>');
  });

  it('moves headings down by an offset, never past h6', () => {
    expect(renderMarkdown('# A\n\n##### B', 2).text).toBe(
      '<h3 id="readme-a">A</h3>\n<h6 id="readme-b">B</h6>',
    );
  });

  it('keeps snake_case words and file paths free of stray emphasis', () => {
    expect(renderMarkdown('root_password and fernet_keys').text).toBe('<p>root_password and fernet_keys</p>');
  });
});
