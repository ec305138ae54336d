import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificateAuthority, type TestCa } from '../../../testkit/tls/certificate-authority.ts';
import { VerificationInputInvalid } from './errors.ts';
import type { BootstrapCheck, BrokerPortCheck, SmokeCheck, VerificationReport } from './report.ts';
import { type LbCluster, startLbCluster } from './testing/lb-cluster.ts';
import { verifyThroughLoadBalancer } from './verify.ts';

const open: LbCluster[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});
async function lbCluster(options: Parameters<typeof startLbCluster>[0]): Promise<LbCluster> {
  const lb = await startLbCluster(options);
  open.push(lb);
  return lb;
}

const bootstrapOf = (r: VerificationReport) => r.checks.find((c): c is BootstrapCheck => c.kind === 'bootstrap')!;
const brokerCheck = (r: VerificationReport, id: number) =>
  r.checks.find((c): c is BrokerPortCheck => c.kind === 'broker-port' && c.expectedBrokerId === id)!;
const failing = (r: VerificationReport) => r.checks.filter((c) => c.status === 'fail');

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('verifyThroughLoadBalancer over 3 test brokers behind the port forwarder', () => {
  it('passes when every LB port reaches its broker and bootstrap returns the planned addresses', async () => {
    const lb = await lbCluster({ brokerIds: [1, 2, 3] });
    const report = await verifyThroughLoadBalancer(lb.plan());
    expect(failing(report)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.summary).toEqual({ total: 4, passed: 4, failed: 0 });
    expect(
      bootstrapOf(report)
        .returned?.map((b) => b.address)
        .sort(),
    ).toEqual([1, 2, 3].map((id) => `b${id}.example.com:${lb.lbPorts.get(id)}`).sort());
    expect(brokerCheck(report, 2).configuredAdvertised).toBe(`b2.example.com:${lb.lbPorts.get(2)}`);
  });

  it('names the broker actually reached when two LB ports are swapped', async () => {
    const lb = await lbCluster({ brokerIds: [1, 2, 3] });
    await lb.rewire((id) => (id === 2 ? 3 : id === 3 ? 2 : id));
    const report = await verifyThroughLoadBalancer(lb.plan());
    expect(report.ok).toBe(false);
    expect(bootstrapOf(report).status).toBe('pass');
    expect(brokerCheck(report, 2)).toMatchObject({ status: 'fail', reachedBrokerId: 3 });
    expect(brokerCheck(report, 2).reasons).toEqual([
      `LB port ${lb.lbPorts.get(2)} reached broker 3, expected broker 2`,
    ]);
    expect(brokerCheck(report, 3)).toMatchObject({ status: 'fail', reachedBrokerId: 2 });
    expect(brokerCheck(report, 1).status).toBe('pass');
  });

  it('reports a planned broker that is not in the cluster as missing, and its LB port as refusing', async () => {
    const lb = await lbCluster({ brokerIds: [1, 2, 3] });
    const plan = lb.plan();
    const port = await closedPort();
    plan.exposures[0]!.brokers.push({ id: 4, port, advertised: `b4.example.com:${port}` });
    const report = await verifyThroughLoadBalancer(plan);
    const bootstrap = bootstrapOf(report);
    expect(bootstrap.missing).toEqual([{ id: 4, address: `b4.example.com:${port}` }]);
    expect(bootstrap.extra).toEqual([]);
    expect(bootstrap.wrong).toEqual([]);
    expect(brokerCheck(report, 4).error?.kind).toBe('connection-refused');
    expect(failing(report)).toHaveLength(2);
  });

  it('reports a live broker the plan does not have as extra', async () => {
    const lb = await lbCluster({ brokerIds: [1, 2, 3] });
    const plan = lb.plan();
    plan.exposures[0]!.brokers = plan.exposures[0]!.brokers.filter((b) => b.id !== 3);
    const report = await verifyThroughLoadBalancer(plan);
    expect(bootstrapOf(report)).toMatchObject({
      status: 'fail',
      missing: [],
      extra: [{ id: 3, address: `b3.example.com:${lb.lbPorts.get(3)}` }],
    });
  });

  it('reports a broker advertising the wrong port as wrong, from bootstrap and from its own config', async () => {
    const lb = await lbCluster({ brokerIds: [1, 2, 3] });
    await lb.readvertise(2, 'b2.example.com:9999');
    const report = await verifyThroughLoadBalancer(lb.plan());
    expect(bootstrapOf(report).wrong).toEqual([
      { id: 2, expected: `b2.example.com:${lb.lbPorts.get(2)}`, returned: 'b2.example.com:9999' },
    ]);
    expect(bootstrapOf(report).missing).toEqual([]);
    expect(brokerCheck(report, 2)).toMatchObject({
      status: 'fail',
      reachedBrokerId: 2,
      configuredAdvertised: 'b2.example.com:9999',
    });
    expect(failing(report)).toHaveLength(2);
  });

  it('reports a stopped broker as missing from metadata and its LB port as not holding a connection', async () => {
    const lb = await lbCluster({ brokerIds: [1, 2, 3] });
    await lb.brokers.get(2)!.stop();
    await lb.rewire();
    const report = await verifyThroughLoadBalancer(lb.plan());
    expect(bootstrapOf(report).missing.map((b) => b.id)).toEqual([2]);
    expect(brokerCheck(report, 2).error?.kind).toBe('connection-failed');
    expect(brokerCheck(report, 1).status).toBe('pass');
    expect(brokerCheck(report, 3).status).toBe('pass');
  });

  it('produces and fetches a record through the LB with advertised names mapped to the LB address', async () => {
    const lb = await lbCluster({ brokerIds: [1, 2, 3] });
    lb.cluster.createTopic('verify-smoke', [[2, 1, 3]]);
    const report = await verifyThroughLoadBalancer(lb.plan({ smoke: { topic: 'verify-smoke' } }));
    const smoke = report.checks.find((c): c is SmokeCheck => c.kind === 'smoke')!;
    expect(smoke).toMatchObject({ status: 'pass', leaderId: 2, leaderAddress: `b2.example.com:${lb.lbPorts.get(2)}` });
    expect(lb.cluster.topic('verify-smoke')!.partitions[0]!.logEndOffset).toBe(1n);
  });

  it('fails the smoke check when the leader port reaches another broker', async () => {
    const lb = await lbCluster({ brokerIds: [1, 2, 3] });
    lb.cluster.createTopic('verify-smoke', [[2, 1, 3]]);
    await lb.rewire((id) => (id === 2 ? 1 : id));
    const report = await verifyThroughLoadBalancer(lb.plan({ smoke: { topic: 'verify-smoke' } }));
    const smoke = report.checks.find((c): c is SmokeCheck => c.kind === 'smoke')!;
    expect(smoke.status).toBe('fail');
    expect(smoke.reasons.join('\n')).toMatch(/NOT_LEADER_OR_FOLLOWER/);
  });
});

describe('verification with TLS and SASL listeners', () => {
  let ca: TestCa;
  let otherCa: TestCa;
  let leaf: { cert: string; key: string };
  beforeAll(() => {
    ca = makeCertificateAuthority('brokerlink verify CA');
    otherCa = makeCertificateAuthority('unrelated CA');
    leaf = ca.issue('kafka', ['bootstrap.example.com', 'b1.example.com', 'b2.example.com', 'b3.example.com']);
  });
  afterAll(() => {
    ca?.dispose();
    otherCa?.dispose();
  });

  it('passes over TLS using the advertised names for SNI and certificate checks', async () => {
    const lb = await lbCluster({ brokerIds: [1, 2, 3], externalProtocol: 'SSL', tls: leaf });
    const report = await verifyThroughLoadBalancer(
      lb.plan({ tls: { ca: ca.caCert, serverName: 'bootstrap.example.com' } }),
    );
    expect(failing(report)).toEqual([]);
  });

  it('diagnoses an unknown CA on every check', async () => {
    const lb = await lbCluster({ brokerIds: [1, 2, 3], externalProtocol: 'SSL', tls: leaf });
    const report = await verifyThroughLoadBalancer(
      lb.plan({ tls: { ca: otherCa.caCert, serverName: 'bootstrap.example.com' } }),
    );
    expect(report.checks.map((c) => c.error?.kind)).toEqual(['tls', 'tls', 'tls', 'tls']);
    expect(report.checks.every((c) => /unknown-ca/.test(c.reasons[0] ?? ''))).toBe(true);
  });

  it('diagnoses a certificate that does not cover the bootstrap name', async () => {
    const lb = await lbCluster({ brokerIds: [1, 2, 3], externalProtocol: 'SSL', tls: leaf });
    const report = await verifyThroughLoadBalancer(lb.plan({ tls: { ca: ca.caCert, serverName: 'lb.other.example' } }));
    expect(bootstrapOf(report).reasons[0]).toMatch(/hostname-mismatch/);
    expect(brokerCheck(report, 1).status).toBe('pass');
  });

  it('diagnoses a plaintext verification against a TLS listener', async () => {
    const lb = await lbCluster({ brokerIds: [1, 2, 3], externalProtocol: 'SSL', tls: leaf });
    const report = await verifyThroughLoadBalancer(lb.plan());
    expect(report.ok).toBe(false);
    expect(new Set(report.checks.map((c) => c.error?.kind))).toEqual(new Set(['tls']));
  });

  for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    it(`passes over SASL_SSL with ${mechanism}`, async () => {
      const lb = await lbCluster({
        brokerIds: [1, 2, 3],
        externalProtocol: 'SASL_SSL',
        tls: leaf,
        sasl: { users: { consumer: 'right-password' } },
      });
      const report = await verifyThroughLoadBalancer(
        lb.plan({
          tls: { ca: ca.caCert, serverName: 'bootstrap.example.com' },
          sasl: { mechanism, username: 'consumer', password: 'right-password' },
        }),
      );
      expect(failing(report)).toEqual([]);
    });
  }

  it('diagnoses wrong SASL credentials as an authentication failure', async () => {
    const lb = await lbCluster({
      brokerIds: [1, 2, 3],
      externalProtocol: 'SASL_PLAINTEXT',
      sasl: { users: { consumer: 'right-password' } },
    });
    const report = await verifyThroughLoadBalancer(
      lb.plan({ sasl: { mechanism: 'SCRAM-SHA-512', username: 'consumer', password: 'wrong-password' } }),
    );
    expect(report.checks.map((c) => c.error?.kind)).toEqual([
      'authentication',
      'authentication',
      'authentication',
      'authentication',
    ]);
  });
});

describe('verification input', () => {
  it('rejects bad input naming the field, before contacting anything', async () => {
    let probes = 0;
    const error = await verifyThroughLoadBalancer(
      {
        lbHost: '127.0.0.1',
        timeoutMs: 1000,
        exposures: [
          {
            listener: 'EXTERNAL',
            bootstrapPorts: [9092],
            brokers: [
              { id: 1, port: 9093, advertised: 'b1.example.com:9093' },
              { id: 2, port: 9093, advertised: 'b2.example.com' },
            ],
          },
        ],
      },
      {
        createProbe: () => {
          probes += 1;
          throw new Error('must not connect');
        },
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerificationInputInvalid);
    const paths = (error as VerificationInputInvalid).issues.map((i) => i.path);
    expect(paths).toContain('exposures[0].brokers[1].advertised');
    expect(paths).toContain('exposures[0].brokers[1].port');
    expect(probes).toBe(0);
  });

  it('rejects unknown keys', async () => {
    await expect(verifyThroughLoadBalancer({ lbHost: 'x', exposures: [], smokeTest: true } as never)).rejects.toThrow(
      /smokeTest|Unrecognized/,
    );
  });
});
