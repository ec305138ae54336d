import { describe, expect, it } from 'vitest';
import { plan } from '../plan/planner.ts';
import { broker, gcpSpec, observedState } from '../plan/testing/fixtures.ts';
import { PROVIDER_KINDS } from '../spec/schema.ts';
import { parseSpec } from '../spec/validate.ts';
import { consumerCidrs, PROFILES, profileOf } from './profiles.ts';

const alicloudSpec = (securityGroupId?: string) =>
  parseSpec({
    cluster: 'orders',
    provider: {
      alicloud: {
        region: 'ap-northeast-1',
        loadBalancerId: 'nlb-abc123',
        vpcId: 'vpc-abc123',
        ...(securityGroupId === undefined ? {} : { securityGroupId }),
        consumerCidrs: ['10.2.0.0/16', '10.1.0.0/16'],
      },
    },
    brokers: {
      static: [{ id: 1, host: '10.0.0.1' }],
      propertiesPath: '/opt/kafka/config/server.properties',
      restart: { systemdUnit: 'kafka.service' },
    },
    kafka: { bootstrap: ['10.0.0.1:9092'] },
    exposures: [
      {
        listener: 'EXTERNAL',
        brokerPort: 39092,
        bootstrapPort: 9092,
        brokerPorts: { from: 9093, to: 12000 },
        advertisedListenerPattern: '<broker_id>.kafka.example.internal:<port>',
      },
    ],
  });

describe('provider profiles', () => {
  it('has one profile per provider kind the spec accepts, filed under its own kind', () => {
    expect(Object.keys(PROFILES).sort()).toEqual([...PROVIDER_KINDS].sort());
    for (const kind of PROVIDER_KINDS) expect(PROFILES[kind].kind).toBe(kind);
  });

  it('declares GCP without a fan-out bootstrap port and with 1,000 endpoints per NEG that cannot be raised', () => {
    expect(PROFILES.gcp.bootstrap.model).toBe('broker-ports');
    expect(PROFILES.gcp.listenerQuota).toEqual({ limit: 1000, adjustable: false });
    expect(PROFILES.aws.listenerQuota).toEqual({ limit: 50, adjustable: false });
    expect(PROFILES.alicloud.listenerQuota).toMatchObject({ limit: 50, adjustable: true });
    expect(PROFILES.local.listenerQuota).toBeNull();
  });

  it('opens consumer ports to the sorted consumer CIDRs only where brokerlink manages the firewall', () => {
    expect(consumerCidrs(alicloudSpec('sg-abc123'))).toEqual(['10.1.0.0/16', '10.2.0.0/16']);
    expect(consumerCidrs(alicloudSpec())).toBeUndefined();
    expect(consumerCidrs(gcpSpec())).toEqual(['10.100.0.0/16']);
    expect(profileOf(gcpSpec()).firewall.model).toBe('vpc-firewall');
  });

  it('plans an adjustable quota up to what the spec states (Alibaba listenerQuota, default 50), and not past GCP endpoints per NEG', () => {
    const many = (n: number) => observedState(Array.from({ length: n }, (_, i) => broker(i + 1)));
    expect(() => plan(alicloudSpec('sg-abc123'), many(60))).toThrow(
      'a alicloud network load balancer allows at most 50',
    );
    const raised = alicloudSpec('sg-abc123');
    raised.provider.alicloud!.listenerQuota = 100;
    expect(plan(raised, many(60)).summary.lbActions).toBeGreaterThan(60);
    expect(() => plan(gcpSpec(), many(1001))).toThrow('a gcp port-mapping network endpoint group allows at most 1000');
  });
});
