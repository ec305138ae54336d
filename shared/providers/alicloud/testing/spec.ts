/** Test support: an Alibaba spec over the fake's NLB, VPC and security group (docs/examples/alicloud-orders.yaml). */

import type { ClusterSpec, ClusterSpecInput } from '../../../spec/schema.ts';
import { parseSpec } from '../../../spec/validate.ts';
import { FAKE_NLB_ID, FAKE_REGION, FAKE_SECURITY_GROUP_ID, FAKE_VPC_ID, FAKE_ZONES } from './fake-alibaba.ts';

export const CONSUMER_ACCOUNT = '1234567890123456';

export function alicloudSpecInput(overrides: Partial<ClusterSpecInput> = {}): ClusterSpecInput {
  return {
    cluster: 'orders',
    provider: {
      alicloud: {
        region: FAKE_REGION,
        loadBalancerId: FAKE_NLB_ID,
        vpcId: FAKE_VPC_ID,
        zones: FAKE_ZONES.map((zone) => zone.zoneId),
        securityGroupId: FAKE_SECURITY_GROUP_ID,
        consumerCidrs: ['10.0.0.0/16'],
        endpointService: { allowedAccounts: [CONSUMER_ACCOUNT], autoAcceptConnection: false },
      },
    },
    brokers: {
      discover: { tags: { 'brokerlink:cluster': 'orders' }, nodeIdTag: 'kafka-node-id' },
      propertiesPath: '/etc/kafka/server.properties',
      restart: { systemdUnit: 'kafka.service' },
    },
    kafka: { bootstrap: ['10.0.0.11:9092'] },
    exposures: [
      {
        listener: 'EXTERNAL',
        brokerPort: 39092,
        bootstrapPort: 9092,
        brokerPorts: { from: 9093, to: 9140 },
        advertisedListenerPattern: '<broker_id>.<unique_name>.alicloud.plc.tidbcloud.com:<port>',
        placeholders: { unique_name: 'dvs6nl5jgveztmla3pxkxgh76i' },
      },
    ],
    ...overrides,
  } as ClusterSpecInput;
}

export function alicloudSpec(overrides: Partial<ClusterSpecInput> = {}): ClusterSpec {
  return parseSpec(alicloudSpecInput(overrides));
}
