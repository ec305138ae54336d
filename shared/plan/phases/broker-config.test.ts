import { describe, expect, it } from 'vitest';
import { awsSpec, broker } from '../testing/fixtures.ts';
import { brokerConfigs } from './broker-config.ts';

const spec = awsSpec();
const address = 'b1.usw2-az2.example.com:9093';
const addresses = new Map([['EXTERNAL', new Map<number, string | null>([[1, address]])]]);
const desired = {
  bind: { host: '0.0.0.0', port: 39092 },
  advertised: { host: 'b1.usw2-az2.example.com', port: 9093 },
  securityProtocol: 'PLAINTEXT',
};

describe('plan phase: broker config', () => {
  it('wants one listener per exposure: bind 0.0.0.0 on the broker port, advertise the LB address', () => {
    const [planned] = brokerConfigs(spec, [{ broker: broker(1) }], addresses, {
      observedAt: '',
      brokers: [],
      loadBalancer: { mappings: [], openPorts: [] },
    });
    expect(planned!.desiredListeners).toEqual([
      {
        name: 'EXTERNAL',
        bindHost: '0.0.0.0',
        bindPort: 39092,
        advertisedHost: 'b1.usw2-az2.example.com',
        advertisedPort: 9093,
        securityProtocol: 'PLAINTEXT',
      },
    ]);
    expect(planned).toMatchObject({ configChange: 'unknown', restart: true });
  });

  it('pushes nothing and restarts nothing when file and running broker already have the listener', () => {
    const [planned] = brokerConfigs(spec, [{ broker: broker(1) }], addresses, {
      observedAt: '',
      brokers: [],
      loadBalancer: { mappings: [], openPorts: [] },
      brokerConfigs: { '1': { file: { EXTERNAL: desired }, running: { EXTERNAL: desired } } },
    });
    expect(planned).toMatchObject({ configChange: 'none', restart: false });
  });

  it('restarts a broker whose file is right but whose running listener is old, and says what differs', () => {
    const [planned] = brokerConfigs(spec, [{ broker: broker(1) }], addresses, {
      observedAt: '',
      brokers: [],
      loadBalancer: { mappings: [], openPorts: [] },
      brokerConfigs: {
        '1': {
          file: { EXTERNAL: desired },
          running: { EXTERNAL: { ...desired, advertised: { host: 'old', port: 1 } } },
        },
      },
    });
    expect(planned).toMatchObject({ configChange: 'none', restart: true });
    expect(planned!.reasons).toContain(
      `the running broker advertises EXTERNAL as old:1, want ${address} (restart to apply)`,
    );
  });

  it('waits with the whole config while an address is pending, so the broker restarts once', () => {
    const pending = new Map([['EXTERNAL', new Map<number, string | null>([[1, null]])]]);
    const [planned] = brokerConfigs(spec, [{ broker: broker(1) }], pending, {
      observedAt: '',
      brokers: [],
      loadBalancer: { mappings: [], openPorts: [] },
    });
    expect(planned).toMatchObject({ configChange: 'pending', restart: false, desiredListeners: [] });
  });
});
