import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SsmSpecStore } from '../shared/providers/aws/spec-store.ts';
import { pushSpecCommand } from './commands/push-spec.ts';
import { main } from './main.ts';

async function run(argv: string[], stores?: Parameters<typeof pushSpecCommand>[2]) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (text: string) => out.push(text), err: (text: string) => err.push(text) };
  if (stores === undefined) {
    const code = await main(['push-spec', ...argv], io);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  }
  await pushSpecCommand(argv, io, stores);
  return { code: 0, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('brokerlink push-spec', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bl-push-spec-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const localSpec = (cluster: string) => `cluster: ${cluster}
provider: { local: { stateFile: ${dir}/lb-state.json } }
brokers:
  static: [{ id: 1, host: 127.0.0.11 }]
  propertiesPath: /etc/kafka/server.properties
  restart: { script: /usr/local/bin/restart-kafka }
kafka: { bootstrap: ["127.0.0.11:9092"] }
exposures:
  - { brokerPort: 39092, bootstrapPort: 19092, brokerPorts: { from: 19093, to: 19099 }, advertisedListenerPattern: "<broker_id>.example.test:<port>" }
`;

  it('stores a valid spec where the local provider reads it', async () => {
    const file = join(dir, 'spec.yaml');
    await writeFile(file, localSpec('orders'));
    const result = await run([file]);
    expect(result.code).toBe(0);
    expect(await readFile(join(dir, 'specs', 'orders.yaml'), 'utf8')).toBe(localSpec('orders'));
  });

  it('writes nothing and lists the problems when the spec is invalid', async () => {
    const file = join(dir, 'spec.yaml');
    await writeFile(file, localSpec('orders').replace('brokerPort: 39092', 'brokerPort: 39092, bootstapPort: 1'));
    const result = await run([file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('has unknown key "bootstapPort"');
    expect(await readdir(dir)).toEqual(['spec.yaml']);
  });

  it('puts an AWS spec into Parameter Store as /brokerlink/<cluster>/spec', async () => {
    const ssm = mockClient(SSMClient);
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const file = join(dir, 'spec.yaml');
    const text = await readFile(new URL('../docs/examples/aws-orders.yaml', import.meta.url), 'utf8');
    await writeFile(file, text);
    const store = new SsmSpecStore({ ssm: new SSMClient({ region: 'us-west-2' }) });
    const result = await run([file], () => ({ store, where: 'Parameter Store' }));
    expect(result.stdout).toContain('stored the spec of cluster "orders"');
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input).toMatchObject({
      Name: '/brokerlink/orders/spec',
      Value: text,
      Overwrite: true,
    });
    ssm.restore();
  });
});
