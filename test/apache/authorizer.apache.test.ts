/**
 * The rolling-restart gate against REAL Apache Kafka with StandardAuthorizer and a least-privileged brokerlink
 * principal (the ACLs docs/kafka-acls.md lists), which may not Describe one topic. An all-topics Metadata request
 * silently leaves that topic out; a gate built from Metadata alone would roll a broker whose restart takes that
 * topic below min ISR. The gate must fail closed instead and say which ACL to grant.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labHost, labSpec } from '../../demo/lab.ts';
import { createKafkaAdmin } from '../../shared/kafka/admin.ts';
import { systemClock } from '../../shared/ports.ts';
import { createLocalSecrets } from '../../shared/providers/local/secrets.ts';
import { parseSpec } from '../../shared/spec/validate.ts';
import { checkCanRoll } from '../../shared/steps/roll.ts';
import { ApacheKafkaCluster } from '../../testkit/apache-kafka/cluster.ts';

const ADMIN = { username: 'admin', password: 'admin-secret' };
const BROKERLINK = { username: 'brokerlink', password: 'brokerlink-secret' };
const JAAS =
  'org.apache.kafka.common.security.plain.PlainLoginModule required ' +
  `username="${ADMIN.username}" password="${ADMIN.password}" ` +
  `user_${ADMIN.username}="${ADMIN.password}" user_${BROKERLINK.username}="${BROKERLINK.password}";`;

let kafka: ApacheKafkaCluster;

beforeAll(async () => {
  kafka = new ApacheKafkaCluster({
    dir: await mkdtemp(join(tmpdir(), 'brokerlink-authz-')),
    // Three combined nodes (the quorum) and a broker-only node 4: rolling 4 involves no quorum rule, so the topic
    // rules alone decide.
    nodes: [
      ...[1, 2, 3].map((id) => ({ id, roles: 'broker,controller' as const })),
      { id: 4, roles: 'broker' as const },
    ],
    hostOf: labHost,
    adminSasl: ADMIN,
    extraProperties: {
      'listener.security.protocol.map':
        'INTERNAL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
      'sasl.enabled.mechanisms': 'PLAIN',
      'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'listener.name.internal.plain.sasl.jaas.config': JAAS,
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      // The brokers among themselves (INTERNAL as admin, CONTROLLER in plaintext as ANONYMOUS).
      'super.users': 'User:admin;User:ANONYMOUS',
      'allow.everyone.if.no.acl.found': 'false',
    },
  });
  await kafka.start();
  await kafka.createTopic('orders', { partitions: 3, replicationFactor: 3, configs: { 'min.insync.replicas': '1' } });
  // payroll lives on brokers 4, 3 and 1 (RF 3, min ISR 2).
  await kafka.createTopic('payroll', {
    partitions: 3,
    replicationFactor: 3,
    assignment: [
      [4, 3, 1],
      [3, 1, 4],
      [1, 4, 3],
    ],
    configs: { 'min.insync.replicas': '2' },
  });
  // The ACLs docs/kafka-acls.md lists, except on payroll (someone forgot it, or it is deliberately private).
  const acl = async (...args: string[]) =>
    kafka.kafkaTool('org.apache.kafka.tools.AclCommand', [
      ...(await kafka.commandConfig()),
      '--bootstrap-server',
      kafka.bootstrap(),
      '--add',
      '--allow-principal',
      `User:${BROKERLINK.username}`,
      ...args,
    ]);
  await acl('--operation', 'Describe', '--operation', 'DescribeConfigs', '--cluster');
  await acl('--operation', 'Describe', '--operation', 'DescribeConfigs', '--topic', 'orders');
}, 240_000);
afterAll(async () => {
  await kafka?.close();
});

function gateSpec() {
  const ports = { ...kafka.ports, external: 1, bootstrap: 2, from: 3, to: 10 };
  const input = labSpec({
    clusterName: 'authz',
    stateFile: join(kafka.dir, 'lb-state.json'),
    restartScript: '/bin/true',
    ids: [1, 2, 3, 4],
    ports,
    drift: 'report',
    requestTimeoutMs: 5_000,
  });
  input.kafka.security = {
    protocol: 'SASL_PLAINTEXT',
    sasl: { mechanism: 'PLAIN', usernameRef: 'env:BL_KAFKA_USER', passwordRef: 'env:BL_KAFKA_PASSWORD' },
  };
  return parseSpec(input);
}

describe('gate with StandardAuthorizer and a least-privileged principal', () => {
  it('fails closed on a topic it may not Describe, naming the ACL to grant, instead of rolling on a partial view', async () => {
    // Broker 3 is down: every payroll partition is at ISR [4,1] = min.insync.replicas 2, so restarting broker 4
    // would stall acks=all producers of payroll. Metadata, as brokerlink sees it, does not show payroll.
    await kafka.stopNode(3, 'SIGTERM');
    await kafka.waitFor(async () => !(await kafka.snapshot()).brokers.some((b) => b.id === 3), {
      timeoutMs: 30_000,
      what: 'broker 3 gone from metadata',
    });
    const secrets = createLocalSecrets({
      env: { BL_KAFKA_USER: BROKERLINK.username, BL_KAFKA_PASSWORD: BROKERLINK.password },
    });
    const spec = gateSpec();
    const deps = { kafka: (s: typeof spec) => createKafkaAdmin(s, secrets), clock: systemClock };

    const gate = await checkCanRoll(spec, [4], undefined, deps);

    expect(gate.ok).toBe(false);
    expect(gate.reasons.join('\n')).toMatch(/Metadata did not show \(payroll\)/);
    expect(gate.reasons.join('\n')).toContain('--topic payroll');
    // What it could see was fine: orders (min ISR 1) would not block.
    expect(gate.reasons.join('\n')).not.toMatch(/orders-\d/);
  });
});
