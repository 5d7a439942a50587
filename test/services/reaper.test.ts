/**
 * The shared servers must not outlive a jest run that is killed before its teardown: the reaper
 * stops them when the process that started them disappears.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const services = fileURLToPath(new URL('./services.mjs', import.meta.url));

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`still waiting for ${what}`);
}

test('servers started for a jest run stop when that run is killed without its teardown', async () => {
  const script = `
    import { startServices } from ${JSON.stringify(services)};
    const s = await startServices();
    console.log(JSON.stringify({ pg: Number(new URL(s.postgresUrl).port), oci: Number(new URL(s.ociUrl).port) }));
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`service starter exited with ${code}`)));
  });
  const { pg, oci } = JSON.parse(line) as { pg: number; oci: number };
  expect(await portOpen(pg)).toBe(true);
  expect(await portOpen(oci)).toBe(true);

  child.kill('SIGKILL');
  await until(
    async () => !(await portOpen(pg)) && !(await portOpen(oci)),
    'PostgreSQL and docker-registry to stop',
  );
}, 120000);
