/**
 * README rendering: the Markdown most READMEs use (headings, paragraphs, lists, fenced and
 * indented code, block quotes, tables, rules, code spans, emphasis, links) turned into a fixed
 * set of elements. Every character of the source is escaped before any markup is added, raw
 * HTML is shown as text, and links keep only http(s), mailto, anchors and relative targets, so
 * the output is safe by construction rather than cleaned afterwards.
 */
import { escapeHtml, Html } from './html.js';

/** Whether a link target is one a README may point to (no javascript:, data:, vbscript: …). */
export function safeHref(url: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  if (!scheme) return !url.startsWith('//');
  return ['http', 'https', 'mailto'].includes((scheme[1] as string).toLowerCase());
}

/** Emphasis and links over already-escaped text. */
function emphasis(escaped: string): string {
  return escaped
    .replace(/\[([^\]]+)\]\(([^()\s]+)\)/g, (whole, text: string, href: string) => {
      const target = href.replace(/&amp;/g, '&');
      if (!safeHref(target)) return text;
      return `<a href="${href}" rel="nofollow noopener">${text}</a>`;
    })
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/__([^_]+)__/g, '<strong>$1</strong>')
    .replace(/(^|[^*\w])\*([^*\s][^*]*)\*(?!\w)/g, '$1<em>$2</em>')
    .replace(/(^|[^_\w])_([^_\s][^_]*)_(?!\w)/g, '$1<em>$2</em>');
}

/** Inline Markdown: code spans keep their text verbatim; the rest gets emphasis and links. */
export function inline(text: string): string {
  let out = '';
  const code = /(`+)([\s\S]*?[^`])\1(?!`)/g;
  let last = 0;
  for (let m = code.exec(text); m; m = code.exec(text)) {
    out += emphasis(escapeHtml(text.slice(last, m.index)));
    out += `<code>${escapeHtml((m[2] as string).trim())}</code>`;
    last = m.index + m[0].length;
  }
  return out + emphasis(escapeHtml(text.slice(last)));
}

const FENCE = /^ {0,3}(```+|~~~+)\s*([\w+-]*)\s*$/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const ORDERED = /^\s*\d{1,9}[.)]\s+(.*)$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, '|'));
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/<[^>]*>/g, '')
    .replace(/&[a-z0-9#]+;/g, '')
    .replace(/[^a-z0-9 -]/g, '')
    .trim()
    .replace(/\s+/g, '-');
}

/**
 * Renders a README. Heading ids get a prefix so they cannot clash with the page's own ids;
 * `headingOffset` moves headings down so a README's `#` sits below the page's own headings.
 */
export function renderMarkdown(source: string, headingOffset = 0): Html {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let i = 0;
  const para: string[] = [];
  const flush = () => {
    if (para.length > 0) out.push(`<p>${inline(para.join(' '))}</p>`);
    para.length = 0;
  };
  while (i < lines.length) {
    const line = lines[i] as string;
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const close = fence[1] as string;
      const body: string[] = [];
      i++;
      while (i < lines.length && !(lines[i] as string).trim().startsWith(close))
        body.push(lines[i++] as string);
      i++;
      out.push(`<pre><code>${escapeHtml(body.join('\n'))}</code></pre>`);
      continue;
    }
    if (line.trim() === '') {
      flush();
      i++;
      continue;
    }
    if (para.length === 0 && /^( {4}|\t)/.test(line)) {
      const body: string[] = [];
      while (
        i < lines.length &&
        (/^( {4}|\t)/.test(lines[i] as string) || (lines[i] as string).trim() === '')
      )
        body.push((lines[i++] as string).replace(/^( {4}|\t)/, ''));
      out.push(`<pre><code>${escapeHtml(body.join('\n').replace(/\n+$/, ''))}</code></pre>`);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flush();
      const level = Math.min(6, (heading[1] as string).length + headingOffset);
      const content = inline(heading[2] as string);
      out.push(`<h${level} id="readme-${slug(content)}">${content}</h${level}>`);
      i++;
      continue;
    }
    if (RULE.test(line)) {
      flush();
      out.push('<hr>');
      i++;
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1] as string)) {
      flush();
      const head = cells(line);
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && (lines[i] as string).includes('|') && (lines[i] as string).trim() !== '')
        rows.push(cells(lines[i++] as string));
      out.push(
        `<div class="table"><table><thead><tr>${head.map((c) => `<th scope="col">${inline(c)}</th>`).join('')}</tr></thead><tbody>${rows
          .map((r) => `<tr>${head.map((_, k) => `<td>${inline(r[k] ?? '')}</td>`).join('')}</tr>`)
          .join('')}</tbody></table></div>`,
      );
      continue;
    }
    if (/^\s*>/.test(line)) {
      flush();
      const body: string[] = [];
      while (i < lines.length && /^\s*>/.test(lines[i] as string))
        body.push((lines[i++] as string).replace(/^\s*>\s?/, ''));
      out.push(`<blockquote>${renderMarkdown(body.join('\n'), headingOffset).text}</blockquote>`);
      continue;
    }
    const bullet = BULLET.exec(line) ?? ORDERED.exec(line);
    if (bullet && (para.length === 0 || BULLET.test(line))) {
      flush();
      const ordered = !BULLET.test(line);
      const pattern = ordered ? ORDERED : BULLET;
      const items: string[] = [];
      while (i < lines.length) {
        const l = lines[i] as string;
        const m = pattern.exec(l);
        if (m) items.push(m[1] as string);
        else if (l.trim() !== '' && /^\s+/.test(l) && items.length > 0)
          items[items.length - 1] += ` ${l.trim()}`;
        else break;
        i++;
      }
      const tag = ordered ? 'ol' : 'ul';
      out.push(`<${tag}>${items.map((it) => `<li>${inline(it)}</li>`).join('')}</${tag}>`);
      continue;
    }
    para.push(line.trim());
    i++;
  }
  flush();
  return new Html(out.join('\n'));
}
