/*
 * Test support: valid cluster specs for the AWS adapters' tests (parsed through the real schema, so defaults
 * are filled in exactly as production sees them).
 */
import type { ClusterSpec, ClusterSpecInput } from '../../../spec/schema.ts';
import { parseSpec } from '../../../spec/validate.ts';
import { FAKE_LOAD_BALANCER_ARN, FAKE_VPC_ID } from './fake-aws.ts';

export const FAKE_SECURITY_GROUP_ID = 'sg-0abc12345';

export function awsSpecInput(overrides: Partial<ClusterSpecInput> = {}): ClusterSpecInput {
  return {
    cluster: 'orders',
    provider: {
      aws: {
        region: 'us-west-2',
        loadBalancerArn: FAKE_LOAD_BALANCER_ARN,
        vpcId: FAKE_VPC_ID,
        securityGroupId: FAKE_SECURITY_GROUP_ID,
        consumerCidrs: ['10.100.0.0/16', '10.101.0.0/16'],
      },
    },
    brokers: {
      discover: { tags: { 'brokerlink:cluster': 'orders' }, nodeIdTag: 'kafka-node-id' },
      propertiesPath: '/home/ec2-user/config/server.properties',
      restart: { systemdUnit: 'kafka.service' },
    },
    kafka: { bootstrap: ['10.0.0.2:9092'] },
    exposures: [
      {
        listener: 'EXTERNAL',
        brokerPort: 39092,
        bootstrapPort: 9092,
        brokerPorts: { from: 9093, to: 9141 },
        advertisedListenerPattern: '<broker_id>.orders.example.com:<port>',
      },
    ],
    ...overrides,
  } as ClusterSpecInput;
}

export function awsSpec(overrides: Partial<ClusterSpecInput> = {}): ClusterSpec {
  return parseSpec(awsSpecInput(overrides));
}
