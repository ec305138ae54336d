/*
 * The BrokerDiscovery port's contract (shared/ports.ts): the brokers of the spec's cluster, each with its node id and
 * the private address the load balancer forwards to. The factory sets up a cloud (or fake) holding `expected`.
 *
 *   describeBrokerDiscoveryContract('aws (fake EC2)', async () => ({ discovery, spec, expected }));
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BrokerDiscovery } from '../../../ports.ts';
import type { ClusterSpec } from '../../../spec/schema.ts';

export interface BrokerDiscoverySubject {
  discovery: BrokerDiscovery;
  spec: ClusterSpec;
  /** The brokers the subject's cloud holds for `spec` (and only those: other clusters' hosts may exist too). */
  expected: readonly { id: number; host: string }[];
  close?(): Promise<void>;
}

const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;

export function describeBrokerDiscoveryContract(adapter: string, makeSubject: () => Promise<BrokerDiscoverySubject>) {
  describe(`BrokerDiscovery contract: ${adapter}`, () => {
    let subject: BrokerDiscoverySubject;
    beforeEach(async () => {
      subject = await makeSubject();
    });
    afterEach(async () => {
      await subject.close?.();
    });

    it('finds exactly the cluster’s brokers, each with its node id and private address', async () => {
      const found = await subject.discovery.discoverBrokers(subject.spec);
      expect(found.map(({ id, host }) => ({ id, host })).sort(byId)).toEqual([...subject.expected].sort(byId));
      for (const broker of found) {
        expect(Number.isInteger(broker.id) && broker.id >= 0).toBe(true);
        expect(broker.host.length).toBeGreaterThan(0);
      }
    });

    it('gives the same answer when asked again, as plain JSON', async () => {
      const first = await subject.discovery.discoverBrokers(subject.spec);
      const again = await subject.discovery.discoverBrokers(subject.spec);
      expect([...again].sort(byId)).toEqual([...first].sort(byId));
      expect(JSON.parse(JSON.stringify(first))).toEqual(first);
    });
  });
}
