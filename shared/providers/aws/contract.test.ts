/*
 * The AWS adapters against the port contract suites (shared/providers/testing/contract/), over the stateful fake of
 * EC2, ELBv2 and SSM (testing/fake-aws.ts) through real SDK v3 clients. The command channel runs brokerlink's real
 * SSM document with the shell, one directory standing in for each instance's file system.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';
import type { PlanTarget } from '../../model/plan.ts';
import {
  describeBrokerDiscoveryContract,
  describeClusterLockContract,
  describeCommandChannelContract,
  describeLoadBalancerContract,
  describePortLedgerContract,
  describeSpecStoreContract,
  type PortLedgerSubject,
} from '../testing/contract/index.ts';
import { Ec2BrokerDiscovery } from './discovery.ts';
import { AwsLoadBalancer, type TargetObservation } from './load-balancer.ts';
import { SsmClusterLock } from './lock.ts';
import { SsmSpecStore } from './spec-store.ts';
import { SsmCommandChannel } from './ssm-command-channel.ts';
import { DEFAULT_DOCUMENT_NAME, ssmDocumentContent } from './ssm-document.ts';
import { AwsTagLedger } from './tag-ledger.ts';
import { brokerInstances, createFakeAws, type FakeInstance } from './testing/fake-aws.ts';
import { runDocumentLocally } from './testing/run-document.ts';
import { awsSpec, awsSpecInput, FAKE_SECURITY_GROUP_ID } from './testing/specs.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bl-aws-contract-'));
  dirs.push(dir);
  return dir;
}

const target = (instance: FakeInstance, brokerId: number): PlanTarget => ({
  brokerId,
  instanceId: instance.instanceId,
  host: instance.privateIp!,
  port: 39092,
});

function nlbSubject(targets: TargetObservation) {
  return async (): Promise<PortLedgerSubject> => {
    const ours = brokerInstances(2);
    const theirs = brokerInstances(1, { cluster: 'payments', firstId: 7 });
    const aws = createFakeAws({ instances: [...ours, ...theirs], securityGroupIds: [FAKE_SECURITY_GROUP_ID] });
    const adapters = () => ({
      loadBalancer: new AwsLoadBalancer({ elbv2: aws.clients.elbv2, ec2: aws.clients.ec2, targets }),
      ledger: new AwsTagLedger({ elbv2: aws.clients.elbv2 }),
    });
    return {
      spec: awsSpec(),
      ...adapters(),
      targets: [target(ours[0]!, 1), target(ours[1]!, 2)],
      // Another cluster on the same NLB: its target groups carry its own cluster tag.
      otherCluster: {
        spec: awsSpec({
          cluster: 'payments',
          brokers: {
            ...awsSpecInput().brokers,
            discover: { tags: { 'brokerlink:cluster': 'payments' }, nodeIdTag: 'kafka-node-id' },
          },
        }),
        ...adapters(),
        target: target(theirs[0]!, 7),
      },
    };
  };
}

for (const mode of [{ mode: 'describe' }, { mode: 'ledger', auditPerObserve: 1 }] as TargetObservation[]) {
  describeLoadBalancerContract(`aws NLB (fake AWS, ${mode.mode} target observation)`, 'aws', nlbSubject(mode));
}
describePortLedgerContract('aws target-group tags (fake AWS)', 'aws', nlbSubject({ mode: 'describe' }));

describeCommandChannelContract('aws SSM Run Command (fake SSM, brokerlink’s document run by the shell)', async () => {
  const instances = brokerInstances(1);
  const aws = createFakeAws({ instances, documents: { [DEFAULT_DOCUMENT_NAME]: ssmDocumentContent() } });
  const root = await tempDir();
  const bin = await tempDir();
  await writeFile(join(bin, 'systemctl'), '#!/bin/sh\n[ "$1" = restart ] || exit 9\n', { mode: 0o755 });
  aws.setCommandHook(
    runDocumentLocally({ rootFor: () => root, env: { ...process.env, PATH: `${bin}:${process.env['PATH']}` } }),
  );
  const path = '/home/ec2-user/config/server.properties';
  await mkdir(dirname(join(root, path)), { recursive: true });
  return {
    channel: new SsmCommandChannel({ ssm: aws.clients.ssm }),
    target: { brokerId: 1, host: instances[0]!.privateIp!, instanceId: instances[0]!.instanceId },
    path,
    readFile: () => readFile(join(root, path), 'utf8'),
    writeFile: (text) => writeFile(join(root, path), text),
    restart: { systemdUnit: 'kafka.service' },
    between: () => aws.commandsSettled(),
  };
});

describeClusterLockContract('aws Parameter Store (fake SSM)', async () => {
  const aws = createFakeAws();
  let now = Date.parse('2026-05-01T12:00:00.000Z');
  return {
    lock: new SsmClusterLock({ ssm: aws.clients.ssm, clock: { now: () => new Date(now) } }),
    advance: (seconds) => {
      now += seconds * 1000;
    },
  };
});

describeSpecStoreContract('aws Parameter Store (fake SSM)', async () => ({
  specs: new SsmSpecStore({ ssm: createFakeAws().clients.ssm }),
}));

describeBrokerDiscoveryContract('aws EC2 tags (fake EC2)', async () => {
  const ours = brokerInstances(3);
  const aws = createFakeAws({ instances: [...ours, ...brokerInstances(2, { cluster: 'payments', firstId: 7 })] });
  return {
    discovery: new Ec2BrokerDiscovery({ ec2: aws.clients.ec2 }),
    spec: awsSpec(),
    expected: ours.map((instance, index) => ({ id: index + 1, host: instance.privateIp! })),
  };
});
