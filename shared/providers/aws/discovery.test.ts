import { describe, expect, it } from 'vitest';
import { Ec2BrokerDiscovery } from './discovery.ts';
import { AwsThrottled, BrokerInstanceInvalid, DuplicateBrokerNodeId } from './errors.ts';
import { brokerInstances, createFakeAws } from './testing/fake-aws.ts';
import { awsSpec } from './testing/specs.ts';

describe('Ec2BrokerDiscovery', () => {
  it('finds tagged brokers with node id, private IP, zone name and zone id, sorted by node id', async () => {
    const instances = brokerInstances(3).reverse();
    const aws = createFakeAws({ instances });
    const brokers = await new Ec2BrokerDiscovery({ ec2: aws.clients.ec2 }).discoverBrokers(awsSpec());
    expect(brokers.map((b) => [b.id, b.host, b.az, b.azId, b.state])).toEqual([
      [1, '10.0.0.2', 'us-west-2a', 'usw2-az1', 'running'],
      [2, '10.0.0.3', 'us-west-2b', 'usw2-az2', 'running'],
      [3, '10.0.0.4', 'us-west-2c', 'usw2-az3', 'running'],
    ]);
    expect(brokers[0]?.instanceId).toBe(instances[2]?.instanceId);
  });

  it('filters by every spec tag and by the pending/running/stopping/stopped states', async () => {
    const aws = createFakeAws({ instances: brokerInstances(2) });
    await new Ec2BrokerDiscovery({ ec2: aws.clients.ec2 }).discoverBrokers(
      awsSpec({
        brokers: {
          discover: { tags: { 'brokerlink:cluster': 'orders', env: 'prod' }, nodeIdTag: 'kafka-node-id' },
          propertiesPath: '/etc/kafka/server.properties',
          restart: { systemdUnit: 'kafka.service' },
        },
      }),
    );
    const [call] = aws.calls('ec2', 'DescribeInstances');
    expect(call?.input['Filters']).toEqual([
      { Name: 'tag:brokerlink:cluster', Values: ['orders'] },
      { Name: 'tag:env', Values: ['prod'] },
      { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
    ]);
  });

  it('skips terminated instances and instances of other clusters', async () => {
    const instances = [
      ...brokerInstances(2),
      ...brokerInstances(1, { cluster: 'payments', firstId: 7 }),
      { ...brokerInstances(1, { firstId: 9 })[0]!, state: 'terminated' as const },
    ];
    const aws = createFakeAws({ instances });
    const brokers = await new Ec2BrokerDiscovery({ ec2: aws.clients.ec2 }).discoverBrokers(awsSpec());
    expect(brokers.map((b) => b.id)).toEqual([1, 2]);
  });

  it('follows NextToken through every page and resolves zone ids with one call', async () => {
    const aws = createFakeAws({ instances: brokerInstances(23), pageSize: { ec2: 5 } });
    const discovery = new Ec2BrokerDiscovery({ ec2: aws.clients.ec2, pageSize: 5 });
    const brokers = await discovery.discoverBrokers(awsSpec());
    expect(brokers).toHaveLength(23);
    expect(aws.calls('ec2', 'DescribeInstances')).toHaveLength(5);
    expect(aws.calls('ec2', 'DescribeAvailabilityZones')).toHaveLength(1);
    await discovery.discoverBrokers(awsSpec());
    expect(aws.calls('ec2', 'DescribeAvailabilityZones')).toHaveLength(1);
  });

  it('names every instance whose node id tag is missing or not a node id', async () => {
    const [a, b, c] = brokerInstances(3);
    const instances = [
      { ...a!, tags: { 'brokerlink:cluster': 'orders' } },
      { ...b!, tags: { 'brokerlink:cluster': 'orders', 'kafka-node-id': 'three' } },
      c!,
    ];
    const aws = createFakeAws({ instances });
    const error = await new Ec2BrokerDiscovery({ ec2: aws.clients.ec2 })
      .discoverBrokers(awsSpec())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerInstanceInvalid);
    expect((error as BrokerInstanceInvalid).instances.map((i) => i.instanceId)).toEqual([a!.instanceId, b!.instanceId]);
    expect((error as Error).message).toContain('"kafka-node-id" is "three"');
  });

  it('rejects two running instances with the same node id', async () => {
    const [a, b] = brokerInstances(2);
    const twin = { ...b!, tags: { ...b!.tags, 'kafka-node-id': '1' } };
    const aws = createFakeAws({ instances: [a!, twin] });
    const error = await new Ec2BrokerDiscovery({ ec2: aws.clients.ec2 })
      .discoverBrokers(awsSpec())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateBrokerNodeId);
    expect((error as DuplicateBrokerNodeId).instanceIds).toEqual([a!.instanceId, b!.instanceId]);
  });

  it('prefers the running instance when a stopped one has the same node id (instance replaced)', async () => {
    const [a, b] = brokerInstances(2);
    const old = { ...b!, state: 'stopped' as const, tags: { ...b!.tags, 'kafka-node-id': '1' } };
    const aws = createFakeAws({ instances: [old, a!] });
    const brokers = await new Ec2BrokerDiscovery({ ec2: aws.clients.ec2 }).discoverBrokers(awsSpec());
    expect(brokers.map((x) => [x.id, x.instanceId])).toEqual([[1, a!.instanceId]]);
  });

  it('returns the static broker list without calling EC2', async () => {
    const aws = createFakeAws();
    const spec = awsSpec({
      brokers: {
        static: [{ id: 4, host: '10.0.0.40', azId: 'usw2-az1' }],
        propertiesPath: '/etc/kafka/server.properties',
        restart: { systemdUnit: 'kafka.service' },
      },
    });
    const brokers = await new Ec2BrokerDiscovery({ ec2: aws.clients.ec2 }).discoverBrokers(spec);
    expect(brokers).toEqual([{ id: 4, host: '10.0.0.40', azId: 'usw2-az1' }]);
    expect(aws.calls()).toHaveLength(0);
  });

  it('maps throttling that outlasted the SDK retries to AwsThrottled', async () => {
    const aws = createFakeAws({ instances: brokerInstances(1) });
    aws.throttle('ec2', 'DescribeInstances', 1);
    const error = await new Ec2BrokerDiscovery({ ec2: aws.clients.ec2 })
      .discoverBrokers(awsSpec())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsThrottled);
    expect((error as AwsThrottled).disposition).toBe('retry');
  });
});
