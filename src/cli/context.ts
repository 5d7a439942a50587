/**
 * The one place the CLI builds an ActionContext: the process's working directory and
 * environment, the cluster the verb's flags name, its progress sink and interrupt signal.
 */
import { createActionContext, type ActionContext, type ClusterAccess } from '../actions/context.js';
import type { ProgressSink } from '../progress.js';
import { EXIT_INTERRUPTED } from './print.js';

export function cliContext(
  parts: { progress?: ProgressSink; signal?: AbortSignal; cluster?: ClusterAccess } = {},
): ActionContext {
  return createActionContext({ cwd: process.cwd(), env: process.env, ...parts });
}

/**
 * Runs `work` with an AbortSignal that SIGINT or SIGTERM aborts: the deploy then starts no new
 * work, lets requests in flight finish and marks its revision. A second signal exits at once.
 */
export async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
