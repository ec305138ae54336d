import { describe, expect, it } from 'vitest';
import { validateSpec } from './validate.ts';

/* provider.gcp: what the Private Service Connect runbook needs, and the label rules of discovery on GCP. */

function gcpSpec(gcp: Record<string, unknown> = {}, discover?: Record<string, unknown>) {
  return {
    cluster: 'orders',
    provider: {
      gcp: {
        project: 'kafka-prod-1',
        region: 'us-west1',
        network: 'kafka-vpc',
        subnetwork: 'brokers-subnet',
        consumerCidrs: ['10.128.0.0/18'],
        ...gcp,
      },
    },
    brokers: {
      discover: discover ?? { tags: { 'brokerlink-cluster': 'orders' }, nodeIdTag: 'kafka-node-id' },
      propertiesPath: '/home/kafka/config/server.properties',
      restart: { systemdUnit: 'kafka.service' },
    },
    kafka: { bootstrap: ['10.64.0.10:9092'] },
    exposures: [
      {
        listener: 'EXTERNAL',
        brokerPort: 39092,
        brokerPorts: { from: 9093, to: 9095 },
        advertisedListenerPattern: '<broker_id>.abc.us-west1.gcp.3199745.tidbcloud.com:<port>',
      },
    ],
  };
}

const issuesOf = (value: unknown) => {
  const result = validateSpec(value);
  return result.ok ? [] : result.issues;
};

describe('provider.gcp', () => {
  it('accepts the runbook: PSC NAT subnet, manual acceptance of the consumer project, firewall by network tag', () => {
    const result = validateSpec(
      gcpSpec({
        privateServiceConnect: {
          natSubnetwork: 'psc-subnet',
          consumerAcceptList: [{ project: 'tidbcloud-prod-000', connectionLimit: 10 }],
        },
        firewallTarget: { networkTag: 'kafka-broker' },
      }),
    );
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.spec.provider.gcp?.privateServiceConnect).toEqual({
        natSubnetwork: 'psc-subnet',
        connectionPreference: 'ACCEPT_MANUAL',
        consumerAcceptList: [{ project: 'tidbcloud-prod-000', connectionLimit: 10 }],
      });
    }
  });

  it('names each bad field of the PSC section', () => {
    expect(
      issuesOf(
        gcpSpec({
          privateServiceConnect: {
            natSubnetwork: 'PSC_subnet',
            connectionPreference: 'ACCEPT_ALL',
            consumerAcceptList: [{ project: 'x', connectionLimit: 0 }],
          },
          firewallTarget: { networkTag: 'kafka', serviceAccount: 'a@b' },
        }),
      ).map((issue) => issue.path),
    ).toEqual(
      expect.arrayContaining([
        'provider.gcp.privateServiceConnect.natSubnetwork',
        'provider.gcp.privateServiceConnect.connectionPreference',
        'provider.gcp.privateServiceConnect.consumerAcceptList[0].project',
        'provider.gcp.privateServiceConnect.consumerAcceptList[0].connectionLimit',
        'provider.gcp.firewallTarget',
      ]),
    );
  });

  it('refuses an accept list with ACCEPT_AUTOMATIC', () => {
    expect(
      issuesOf(
        gcpSpec({
          privateServiceConnect: {
            natSubnetwork: 'psc-subnet',
            connectionPreference: 'ACCEPT_AUTOMATIC',
            consumerAcceptList: [{ project: 'tidbcloud-prod-000', connectionLimit: 5 }],
          },
        }),
      ),
    ).toEqual([
      {
        path: 'provider.gcp.privateServiceConnect.consumerAcceptList',
        message: expect.stringContaining('only used with connectionPreference ACCEPT_MANUAL'),
      },
    ]);
  });

  it('refuses discovery tags that cannot be Google Cloud labels', () => {
    expect(
      issuesOf(
        gcpSpec(
          {},
          {
            tags: { 'brokerlink-cluster': 'orders', 'brokerlink:cluster': 'orders', team: 'Kafka Team' },
            nodeIdTag: 'KafkaNodeId',
          },
        ),
      ),
    ).toEqual([
      { path: 'brokers.discover.tags.brokerlink:cluster', message: expect.stringContaining('label key') },
      { path: 'brokers.discover.tags.team', message: expect.stringContaining('label value') },
      { path: 'brokers.discover.nodeIdTag', message: expect.stringContaining('label key') },
    ]);
  });

  it('requires the brokerlink-cluster label naming the cluster (the instance-insert trigger reads it)', () => {
    expect(issuesOf(gcpSpec({}, { tags: { role: 'kafka' }, nodeIdTag: 'kafka-node-id' }))).toEqual([
      { path: 'brokers.discover.tags', message: expect.stringContaining('must include "brokerlink-cluster": orders') },
    ]);
  });

  it('still refuses bootstrapPort: port mapping has no fan-out', () => {
    const spec = gcpSpec();
    (spec.exposures[0] as Record<string, unknown>).bootstrapPort = 9092;
    expect(issuesOf(spec)).toEqual([
      { path: 'exposures[0].bootstrapPort', message: expect.stringContaining('must be omitted on gcp') },
    ]);
  });
});
