/**
 * `npm run simulator -- --port PORT --kubeconfig FILE`: runs the Kubernetes API simulator in the
 * foreground (for the demo and for poking at it with kubectl) until interrupted.
 */
import { Command, InvalidArgumentError } from 'commander';
import { kollaContract, startSimulator, type ImageContract } from './index.js';

const contracts: Record<string, ImageContract> = { kolla: kollaContract };

function integer(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${value}"`);
    return n;
  };
}

const program = new Command('simulator')
  .description('Run a local Kubernetes API simulator (simulated nodes and kubelets) on 127.0.0.1')
  .option('--port <port>', 'TCP port (0 picks a free one)', integer('--port'), 0)
  .option('--kubeconfig <file>', 'write a kubeconfig pointing at the simulator to this file')
  .option('--namespace <ns>', 'default namespace of the written kubeconfig context')
  .option('--token <token>', 'require this bearer token')
  .option('--tls', 'serve HTTPS with a throwaway self-signed certificate (needs openssl)')
  .option('--readiness-delay <ms>', 'delay before workloads become ready', integer('--readiness-delay'), 2000)
  .option('--latency <ms>', 'latency added to every resource request', integer('--latency'), 0)
  .option(
    '--cluster <file|count>',
    'Nodes and StorageClasses from a fixture file, or that many unlabelled nodes (default: 3 control-plane and 2 compute nodes)',
  )
  .option(
    '--image-contract <name>',
    `enforce an image start contract (${Object.keys(contracts).join(', ')})`,
    (v: string, all: string[]) => {
      if (!contracts[v])
        throw new InvalidArgumentError(
          `unknown image contract "${v}"; known: ${Object.keys(contracts).join(', ')}`,
        );
      return [...all, v];
    },
    [] as string[],
  )
  .action(
    async (opts: {
      port: number;
      kubeconfig?: string;
      namespace?: string;
      token?: string;
      tls?: boolean;
      readinessDelay: number;
      latency: number;
      cluster?: string;
      imageContract: string[];
    }) => {
      try {
        const sim = await startSimulator({
          port: opts.port,
          tls: opts.tls === true,
          readinessDelayMs: opts.readinessDelay,
          latencyMs: opts.latency,
          ...(opts.cluster !== undefined
            ? { cluster: /^\d+$/.test(opts.cluster) ? Number(opts.cluster) : opts.cluster }
            : {}),
          imageContracts: opts.imageContract.map((n) => contracts[n]!),
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
