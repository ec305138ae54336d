import type { DiscoveredBroker, ObservedMapping, ObservedState } from '../../model/observed.ts';
import type { ClusterSpec, ClusterSpecInput } from '../../spec/schema.ts';
import { parseSpec } from '../../spec/validate.ts';

/* Builders for planner tests and benchmarks. Specs go through the real validator, so every fixture is a valid spec. */

export const T0 = '2026-05-01T12:00:00.000Z';

export function at(base: string, seconds: number): string {
  return new Date(Date.parse(base) + seconds * 1000).toISOString();
}

export const AWS_ZONES = ['usw2-az1', 'usw2-az2', 'usw2-az3'] as const;

export function awsExposure(overrides: Partial<ClusterSpecInput['exposures'][number]> = {}) {
  return {
    listener: 'EXTERNAL',
    brokerPort: 39092,
    bootstrapPort: 9092,
    brokerPorts: { from: 9093, to: 9141 },
    advertisedListenerPattern: Object.fromEntries(
      AWS_ZONES.map((zone) => [zone, `<broker_id>.${zone}.abc.us-west-2.aws.3199015.tidbcloud.com:<port>`]),
    ),
    ...overrides,
  };
}

export function awsSpec(
  overrides: {
    exposures?: ClusterSpecInput['exposures'];
    rollout?: ClusterSpecInput['rollout'];
    securityGroup?: boolean;
  } = {},
): ClusterSpec {
  return parseSpec({
    cluster: 'orders',
    provider: {
      aws: {
        region: 'us-west-2',
        loadBalancerArn:
          'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/net/kafka-nlb/0123456789abcdef',
        vpcId: 'vpc-0a1b2c3d4e5f67890',
        ...(overrides.securityGroup === false ? {} : { securityGroupId: 'sg-0a1b2c3d4e5f67890' }),
        consumerCidrs: ['10.100.0.0/16'],
      },
    },
    brokers: {
      discover: { tags: { 'brokerlink:cluster': 'orders' }, nodeIdTag: 'kafka-node-id' },
      propertiesPath: '/home/ec2-user/kafka/config/server.properties',
      restart: { systemdUnit: 'kafka.service' },
    },
    kafka: { bootstrap: ['10.0.0.11:9092'] },
    exposures: overrides.exposures ?? [awsExposure()],
    rollout: overrides.rollout ?? { portCooldownSeconds: 3600 },
  } satisfies ClusterSpecInput);
}

export function gcpSpec(
  overrides: { exposures?: ClusterSpecInput['exposures']; rollout?: ClusterSpecInput['rollout'] } = {},
): ClusterSpec {
  return parseSpec({
    cluster: 'orders',
    provider: {
      gcp: {
        project: 'kafka-project-1',
        region: 'us-west1',
        network: 'kafka-net',
        subnetwork: 'kafka-subnet',
        consumerCidrs: ['10.100.0.0/16'],
      },
    },
    brokers: {
      discover: { tags: { 'brokerlink-cluster': 'orders' }, nodeIdTag: 'kafka-node-id' },
      propertiesPath: '/opt/kafka/config/server.properties',
      restart: { systemdUnit: 'kafka.service' },
    },
    kafka: { bootstrap: ['10.0.0.11:9092'] },
    exposures: overrides.exposures ?? [
      {
        listener: 'EXTERNAL',
        brokerPort: 39092,
        brokerPorts: { from: 10000, to: 10999 },
        advertisedListenerPattern: '<broker_id>.kafka.psc.example.internal:<port>',
      },
    ],
    rollout: overrides.rollout ?? { portCooldownSeconds: 3600 },
  } satisfies ClusterSpecInput);
}

/** A discovered broker with a deterministic address, instance id and zone. */
export function broker(id: number, overrides: Partial<DiscoveredBroker> = {}): DiscoveredBroker {
  const n = id % 65000;
  return {
    id,
    host: `10.0.${Math.floor(n / 250)}.${(n % 250) + 1}`,
    instanceId: `i-${id.toString(16).padStart(8, '0')}`,
    azId: AWS_ZONES[id % AWS_ZONES.length]!,
    state: 'running',
    ...overrides,
  };
}

export function observedState(
  brokers: DiscoveredBroker[],
  mappings: ObservedMapping[] = [],
  extra: Partial<ObservedState> = {},
): ObservedState {
  return { observedAt: T0, brokers, loadBalancer: { mappings, openPorts: [] }, ...extra };
}

/** A broker mapping as an adapter would report it for a healthy, registered broker. */
export function brokerMapping(
  b: DiscoveredBroker,
  port: number,
  overrides: Partial<ObservedMapping> = {},
  brokerPort = 39092,
): ObservedMapping {
  return {
    exposure: 'EXTERNAL',
    role: 'broker',
    port,
    brokerId: b.id,
    targets: [{ id: b.instanceId ?? b.host, port: brokerPort }],
    ...overrides,
  };
}
