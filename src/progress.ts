/**
 * Progress events. Actions never print; they report what they are doing through this sink and the
 * CLI turns events into spinners (on a TTY) or nothing (pipes, --output json).
 */
export type ProgressEvent =
  | { type: 'start'; id: string; text: string }
  | { type: 'update'; id: string; text: string }
  | { type: 'succeed'; id: string; text?: string }
  | { type: 'fail'; id: string; text?: string }
  | { type: 'warn'; text: string }
  | { type: 'info'; text: string };

export type ProgressSink = (event: ProgressEvent) => void;

export const silentProgress: ProgressSink = () => {};
