import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from './broker.ts';
import { TestCluster } from './cluster.ts';
import { RESTART_SCRIPT_URL, type RestartControl, startRestartControl } from './control.ts';
import { kraftProperties } from './fixtures.ts';

const SCRIPT = fileURLToPath(RESTART_SCRIPT_URL);

function restartScript(path: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT, path], { timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe('restart-testbroker.sh and the restart control port', () => {
  let dir = '';
  let broker: TestBroker | undefined;
  let control: RestartControl | undefined;
  afterEach(async () => {
    await control?.close();
    await broker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('restarts exactly the broker of that file, which comes back with the re-read server.properties', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bl-control-'));
    const file = join(dir, 'server.properties');
    await writeFile(file, kraftProperties(7));
    const cluster = new TestCluster();
    broker = await startTestBroker({ propertiesPath: file, cluster });
    control = await startRestartControl({ broker, propertiesPath: file, restartDelayMs: 50 });
    expect(Number(await readFile(`${file}.control`, 'utf8'))).toBe(control.port);
    await writeFile(file, `${kraftProperties(7)}\nbroker.rack=rack-b\n`);

    const result = await restartScript(file);
    expect(result).toMatchObject({ code: 0, stdout: '{"result":"restarting","nodeId":7}\n' });
    expect(control.restarts).toBe(1);
    await expect.poll(() => broker!.running, { timeout: 5_000 }).toBe(true);
    expect(broker.properties.rack).toBe('rack-b');
  });

  it('refuses bad paths, missing or garbage control files and unreachable ports with distinct exit codes', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bl-control-'));
    const file = join(dir, 'server.properties');
    expect((await restartScript('relative/server.properties')).code).toBe(2);
    expect((await restartScript(`${dir}/../x/server.properties`)).code).toBe(2);
    expect((await restartScript(file)).code).toBe(3);
    await writeFile(`${file}.control`, '$(touch pwned)\n');
    expect((await restartScript(file)).code).toBe(3);
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await writeFile(`${file}.control`, `${port}\n`);
    expect((await restartScript(file)).code).toBe(4);
    await expect(readFile(join(dir, 'pwned'))).rejects.toThrow(/ENOENT/);
  });
});
