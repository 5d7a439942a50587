/**
 * Turns progress events into ora spinners on a TTY; elsewhere only warnings reach stderr, so piped
 * and JSON output stay clean, except that verbs taking `lines` print one line per package wave
 * (started, then ready or failed with its time), so a deploy in CI or a log is not silent for
 * minutes. ora is imported lazily: most invocations never need it.
 */
import type { ProgressEvent, ProgressSink } from '../progress.js';
import type { Writer } from './output.js';

/** Progress events of one package's application during a deploy (`wave-<package>`). */
const isWave = (id: string): boolean => id.startsWith('wave-');

/** One stdout line per wave event, for output that is not a terminal. */
function waveLines(writer: Writer): ProgressSink {
  const started = new Map<string, number>();
  const texts = new Map<string, string>();
  const took = (id: string): string =>
    `${((Date.now() - (started.get(id) ?? Date.now())) / 1000).toFixed(1)} s`;
  return (event) => {
    if (event.type === 'warn') return writer.err(`warning: ${event.text}`);
    if (event.type === 'info' || !isWave(event.id)) return;
    if (event.type === 'start') {
      started.set(event.id, Date.now());
      texts.set(event.id, event.text);
      writer.out(`started ${event.text}`);
    } else if (event.type === 'succeed')
      writer.out(`ready   ${event.text ?? texts.get(event.id) ?? event.id} (${took(event.id)})`);
    else if (event.type === 'fail')
      writer.out(`failed  ${event.text ?? texts.get(event.id) ?? event.id} (${took(event.id)})`);
  };
}

interface Spinner {
  text: string;
  start(): Spinner;
  succeed(text?: string): Spinner;
  fail(text?: string): Spinner;
}

export interface CliProgress {
  sink: ProgressSink;
  /** Waits for spinner output to settle; call before printing results. */
  flush(): Promise<void>;
}

export function createProgress(writer: Writer, options: { quiet: boolean; lines?: boolean }): CliProgress {
  // A pseudo-terminal with no columns (some CI runners, `script`) makes ora redraw forever.
  const interactive = writer.isTTY && !options.quiet && !process.env.CI && (process.stderr.columns ?? 0) > 0;
  if (!interactive && options.lines && !options.quiet)
    return { sink: waveLines(writer), flush: async () => {} };
  if (!interactive) {
    return {
      sink: (event) => {
        if (event.type === 'warn') writer.err(`warning: ${event.text}`);
      },
      flush: async () => {},
    };
  }
  const spinners = new Map<string, Spinner>();
  let chain: Promise<void> = Promise.resolve();
  let oraFactory: ((text: string) => Spinner) | undefined;
  const handle = async (event: ProgressEvent): Promise<void> => {
    if (event.type === 'warn') return writer.err(`warning: ${event.text}`);
    if (event.type === 'info') return writer.err(event.text);
    // On a terminal one spinner shows the packages in flight; per-package events are for logs.
    if (isWave(event.id)) return;
    if (!oraFactory) {
      const { default: ora } = await import('ora');
      oraFactory = (text: string) => ora({ text, stream: process.stderr }) as unknown as Spinner;
    }
    const spinner = spinners.get(event.id);
    if (event.type === 'start') spinners.set(event.id, oraFactory(event.text).start());
    else if (spinner && event.type === 'update') spinner.text = event.text;
    else if (spinner && event.type === 'succeed') spinner.succeed(event.text);
    else if (spinner && event.type === 'fail') spinner.fail(event.text);
  };
  return {
    sink: (event) => {
      chain = chain.then(() => handle(event)).catch(() => {});
    },
    flush: () => chain,
  };
}

/**
 * Runs `work` with a progress sink (quiet when asked, e.g. for JSON output) and lets the spinners
 * settle before returning or throwing, so results and errors never interleave with spinner output.
 */
export async function withProgress<T>(
  writer: Writer,
  options: { quiet: boolean; lines?: boolean },
  work: (sink: ProgressSink) => Promise<T>,
): Promise<T> {
  const progress = createProgress(writer, options);
  try {
    return await work(progress.sink);
  } finally {
    await progress.flush();
  }
}

/** Progress for deploy-like verbs: spinners on a TTY, wave lines elsewhere; nothing with --quiet or -o json/yaml. */
export function progressOptions(
  format: string,
  flags: { quiet?: boolean },
): { quiet: boolean; lines: boolean } {
  return { quiet: format !== 'table' || flags.quiet === true, lines: true };
}
