/**
 * Turns progress events into ora spinners on a TTY; elsewhere only warnings reach stderr, so piped
 * and JSON output stay clean. ora is imported lazily: most invocations never need it.
 */
import type { ProgressEvent, ProgressSink } from '../actions/progress.js';
import type { Writer } from './output.js';

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

export function createProgress(writer: Writer, options: { quiet: boolean }): CliProgress {
  // A pseudo-terminal with no columns (some CI runners, `script`) makes ora redraw forever.
  const interactive = writer.isTTY && !options.quiet && !process.env.CI && (process.stderr.columns ?? 0) > 0;
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
  options: { quiet: boolean },
  work: (sink: ProgressSink) => Promise<T>,
): Promise<T> {
  const progress = createProgress(writer, options);
  try {
    return await work(progress.sink);
  } finally {
    await progress.flush();
  }
}
