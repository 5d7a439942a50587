/**
 * Output formatting shared by every command: tables in kpm's shape for people, JSON and YAML for
 * machines. Commands hand over plain data; only this module decides how it looks.
 */
import { createRequire } from 'node:module';
import { UsageError } from '../errors.js';

export type OutputFormat = 'table' | 'json' | 'yaml';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'yaml'];

export function parseOutputFormat(value: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new UsageError(`--output ${JSON.stringify(value)} is not a known format`, {
    hint: `use one of ${OUTPUT_FORMATS.join(', ')}`,
  });
}

/** Where commands write. Injected so command tests can capture output without a terminal. */
export interface Writer {
  out(text: string): void;
  err(text: string): void;
  readonly isTTY: boolean;
  readonly color: boolean;
}

export function processWriter(): Writer {
  const isTTY = Boolean(process.stdout.isTTY);
  const color = isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    isTTY,
    color,
  };
}

/** Renders rows as a left-aligned table with upper-case headers, as kpm printed its results. */
export function formatTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [headers.map((h) => h.toUpperCase()), ...rows.map((r) => r.map(cellText))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function cellText(value: unknown): string {
  if (value === undefined || value === null) return '-';
  if (Array.isArray(value)) return value.map(cellText).join(',');
  return String(value);
}

/** Serialises data for --output json|yaml. */
export function formatData(data: unknown, format: Exclude<OutputFormat, 'table'>): string {
  if (format === 'json') return JSON.stringify(data, null, 2);
  // Loaded only for YAML output: it costs more start-up than a whole no-change deploy's requests.
  // `yaml` as the emitter keeps --output yaml as scripts already read it; parsing is src/util/yaml.ts.
  const { stringify } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return stringify(data, { lineWidth: 0 });
}

const ANSI = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1, dim: 2 } as const;
export type Colour = keyof typeof ANSI;

export function paint(writer: Pick<Writer, 'color'>, colour: Colour, text: string): string {
  return writer.color ? `\u001b[${ANSI[colour]}m${text}\u001b[0m` : text;
}
