/*
 * The PortLedger port's contract (shared/ports.ts): which port belongs to which broker, and since when a port is
 * retired, wherever the adapter keeps it. Entries appear the way the step writes them — the load balancer change
 * first, its ledger part (`ledgerChangeOf`) after — so the suite drives the subject's load balancer too: a ledger that
 * lives on the load balancer's own objects (AWS tags, the local state file) has no entry without its mapping.
 *
 *   describePortLedgerContract('aws (fake AWS)', 'aws', async () => ({ spec, loadBalancer, ledger, targets, otherCluster }));
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LbAction, PlanTarget } from '../../../model/plan.ts';
import type { LoadBalancer, PortLedger } from '../../../ports.ts';
import type { ClusterSpec, ProviderKind } from '../../../spec/schema.ts';
import { PROFILES, profileOf } from '../../profiles.ts';
import { applyAction, type DriveOptions } from '../drive.ts';
import type { LoadBalancerSubject } from './load-balancer.ts';

export interface PortLedgerSubject extends LoadBalancerSubject {
  /** Another cluster on the same cloud account (and load balancer, where clusters share one), empty. */
  otherCluster: { spec: ClusterSpec; loadBalancer: LoadBalancer; ledger: PortLedger; target: PlanTarget };
}

export function describePortLedgerContract(
  adapter: string,
  provider: ProviderKind,
  makeSubject: () => Promise<PortLedgerSubject>,
) {
  describe(`PortLedger contract: ${adapter}`, () => {
    let subject: PortLedgerSubject;
    let spec: ClusterSpec;
    let listener: string;
    let from: number;
    const drive = (): DriveOptions => (subject.between === undefined ? {} : { between: subject.between });
    const apply = (action: LbAction) => applyAction(subject, spec, action, drive());
    const create = (n: number, target: PlanTarget): LbAction => ({
      kind: 'createMapping',
      exposure: listener,
      role: 'broker',
      port: from + n,
      brokerId: target.brokerId,
      targets: [target],
    });
    const read = async () => (await subject.ledger.read(spec)).map(({ adapterData: _, ...entry }) => entry);

    beforeEach(async () => {
      subject = await makeSubject();
      spec = subject.spec;
      expect(profileOf(spec).kind).toBe(provider);
      listener = spec.exposures[0]!.listener;
      from = spec.exposures[0]!.brokerPorts.from;
    });
    afterEach(async () => {
      await subject.close?.();
    });

    it('reads no entries before anything is created', async () => {
      expect(await subject.ledger.read(spec)).toEqual([]);
    });

    it('holds the owner of every mapping created, sorted by port: exposure, role and broker id', async () => {
      const [first, second] = subject.targets;
      await apply(create(3, first));
      await apply(create(1, second));
      const expected = [
        { exposure: listener, role: 'broker', port: from + 1, brokerId: second.brokerId },
        { exposure: listener, role: 'broker', port: from + 3, brokerId: first.brokerId },
      ];
      const bootstrapPort = spec.exposures[0]!.bootstrapPort;
      if (PROFILES[provider].bootstrap.model === 'fan-out' && bootstrapPort !== undefined) {
        await apply({
          kind: 'createMapping',
          exposure: listener,
          role: 'bootstrap',
          port: bootstrapPort,
          targets: [first],
        });
        expected.unshift({ exposure: listener, role: 'bootstrap', port: bootstrapPort } as (typeof expected)[number]);
        expected.sort((a, b) => a.port - b.port);
      }
      expect(await read()).toEqual(expected);
    });

    it('records the same change twice as once', async () => {
      const [first] = subject.targets;
      await apply(create(0, first));
      const once = await read();
      await subject.ledger.record(spec, {
        kind: 'assign',
        exposure: listener,
        role: 'broker',
        port: from,
        brokerId: first.brokerId,
      });
      expect(await read()).toEqual(once);
    });

    it('keeps the first retirement time when a port is retired again', async () => {
      const [first] = subject.targets;
      await apply(create(0, first));
      const retire = (retiredAt: string): LbAction => ({
        kind: 'retireMapping',
        exposure: listener,
        port: from,
        brokerId: first.brokerId,
        retiredAt,
      });
      await apply(retire('2026-05-01T12:00:00.000Z'));
      await apply(retire('2026-05-02T12:00:00.000Z'));
      expect(await read()).toEqual([
        {
          exposure: listener,
          role: 'broker',
          port: from,
          brokerId: first.brokerId,
          retiredAt: '2026-05-01T12:00:00.000Z',
        },
      ]);
    });

    it('clears the retirement on revive, twice without error', async () => {
      const [first] = subject.targets;
      await apply(create(0, first));
      await apply({
        kind: 'retireMapping',
        exposure: listener,
        port: from,
        brokerId: first.brokerId,
        retiredAt: '2026-05-01T12:00:00.000Z',
      });
      const revive: LbAction = { kind: 'reviveMapping', exposure: listener, port: from, brokerId: first.brokerId };
      await apply(revive);
      await apply(revive);
      expect(await read()).toEqual([{ exposure: listener, role: 'broker', port: from, brokerId: first.brokerId }]);
    });

    it('holds no entry once the mapping is deleted and released, and releasing again changes nothing', async () => {
      const [first] = subject.targets;
      await apply(create(0, first));
      await apply({ kind: 'deleteMapping', exposure: listener, port: from, brokerId: first.brokerId });
      expect(await read()).toEqual([]);
      await subject.ledger.record(spec, { kind: 'release', exposure: listener, port: from });
      expect(await read()).toEqual([]);
    });

    it('never shows another cluster’s entries', async () => {
      const other = subject.otherCluster;
      const otherListener = other.spec.exposures[0]!.listener;
      const otherPort = other.spec.exposures[0]!.brokerPorts.to;
      await applyAction(
        other,
        other.spec,
        {
          kind: 'createMapping',
          exposure: otherListener,
          role: 'broker',
          port: otherPort,
          brokerId: other.target.brokerId,
          targets: [other.target],
        },
        drive(),
      );
      await apply(create(0, subject.targets[0]));
      expect((await read()).map((e) => e.port)).toEqual([from]);
      expect((await other.ledger.read(other.spec)).map((e) => e.port)).toEqual([otherPort]);
    });

    it('reads entries that are plain JSON (they travel through the workflow in the observed state)', async () => {
      await apply(create(0, subject.targets[0]));
      const entries = await subject.ledger.read(spec);
      expect(JSON.parse(JSON.stringify(entries))).toEqual(entries);
    });
  });
}
