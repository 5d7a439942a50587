/**
 * `npm run simulator -- --port PORT --kubeconfig FILE`: runs the Kubernetes API simulator in the
 * foreground (for the demo and for poking at it with kubectl) until interrupted.
 */
import { Command, InvalidArgumentError } from 'commander';
import { startSimulator } from './index.js';

function integer(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${value}"`);
    return n;
  };
}

const program = new Command('simulator')
  .description('Run a local Kubernetes API simulator (no kubelets) on 127.0.0.1')
  .option('--port <port>', 'TCP port (0 picks a free one)', integer('--port'), 0)
  .option('--kubeconfig <file>', 'write a kubeconfig pointing at the simulator to this file')
  .option('--namespace <ns>', 'default namespace of the written kubeconfig context')
  .option('--token <token>', 'require this bearer token')
  .option('--tls', 'serve HTTPS with a throwaway self-signed certificate (needs openssl)')
  .option('--readiness-delay <ms>', 'delay before workloads become ready', integer('--readiness-delay'), 2000)
  .option('--latency <ms>', 'latency added to every resource request', integer('--latency'), 0)
  .action(
    async (opts: {
      port: number;
      kubeconfig?: string;
      namespace?: string;
      token?: string;
      tls?: boolean;
      readinessDelay: number;
      latency: number;
    }) => {
      try {
        const sim = await startSimulator({
          port: opts.port,
          tls: opts.tls === true,
          readinessDelayMs: opts.readinessDelay,
          latencyMs: opts.latency,
          ...(opts.token ? { token: opts.token } : {}),
        });
        if (opts.kubeconfig)
          await sim.writeKubeconfig(opts.kubeconfig, opts.namespace ? { namespace: opts.namespace } : {});
        process.stdout.write(`Kubernetes API simulator listening on ${sim.url}\n`);
        if (opts.kubeconfig)
          process.stdout.write(
            `kubeconfig written to ${opts.kubeconfig} (try: kubectl --kubeconfig ${opts.kubeconfig} get ns)\n`,
          );
        const shutdown = (): void => {
          void sim.stop().then(() => process.exit(0));
        };
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        process.stderr.write(
          `error: ${e.code === 'EADDRINUSE' ? `port ${opts.port} is already in use; pick another with --port` : e.message}\n`,
        );
        process.exit(1);
      }
    },
  );

await program.parseAsync(process.argv);
