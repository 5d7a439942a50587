/**
 * HTML built from tagged templates that escape every interpolated value, so text from packages
 * (names, descriptions, READMEs, rendered manifests) can only ever become text. Markup enters only
 * as an `Html` value, which the templates here and the Markdown renderer produce.
 */

/** A fragment of markup that is already safe to send. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

function piece(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(piece).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

/** `html\`<p>${text}</p>\``: strings are escaped, Html and arrays of Html are inserted as they are. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] as string;
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + (strings[i + 1] as string);
  return new Html(out);
}

/** Path segments for links: each part percent-encoded, so a name can never leave its segment. */
export function path(...parts: string[]): string {
  return parts.map((p) => encodeURIComponent(p)).join('/');
}
