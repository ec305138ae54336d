/*
 * The LoadBalancer port's contract (shared/ports.ts), as one suite every adapter runs:
 *
 *   describeLoadBalancerContract('aws (fake AWS)', 'aws', async () => ({ spec, loadBalancer, ledger, targets }));
 *
 * Each test gets a fresh subject from the factory (an empty load balancer of a cloud or of a fake of one). The suite
 * drives actions the way the `applyLoadBalancer` step does — start, poll the operation to its end (the operation
 * crossing JSON between polls), start again on `continue`, then record the ledger part — and observes the way
 * `discover` does (ledger, then the load balancer at its ports).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BrokerlinkError } from '../../../errors.ts';
import type { LbAction, PlanTarget } from '../../../model/plan.ts';
import type { LedgerEntry, LoadBalancer, PortLedger } from '../../../ports.ts';
import type { ClusterSpec, ProviderKind } from '../../../spec/schema.ts';
import { consumerCidrs, PROFILES, profileOf } from '../../profiles.ts';
import { applyAction, type DriveOptions, observeJoined } from '../drive.ts';

export interface LoadBalancerSubject {
  /** One exposure; brokerlink manages its consumer ports (the profile's firewall gives CIDRs for it). */
  spec: ClusterSpec;
  loadBalancer: LoadBalancer;
  /** The ledger the adapter is deployed with (its own objects' tags, a file, a store of its own). */
  ledger: PortLedger;
  /** Two brokers the load balancer can forward to, with the exposure's brokerPort. */
  targets: readonly [PlanTarget, PlanTarget];
  /** Lets the adapter's world move between polls (default: a 10 ms pause). */
  between?: () => Promise<void>;
  close?(): Promise<void>;
}

/**
 * `provider`: the subject specs' provider; its profile decides which tests apply (a bootstrap fan-out is tested
 * only where the provider has one).
 */
export function describeLoadBalancerContract(
  adapter: string,
  provider: ProviderKind,
  makeSubject: () => Promise<LoadBalancerSubject>,
) {
  // A provider whose profile has no consumer ports at all (GCP Private Service Connect) gets no port actions from
  // the planner; its adapter must still accept them as no-ops (a plan made elsewhere), and never report open ports.
  const noConsumerPorts = PROFILES[provider].firewall.model === 'none';
  describe(`LoadBalancer contract: ${adapter}`, () => {
    let subject: LoadBalancerSubject;
    let spec: ClusterSpec;
    let exposure: ClusterSpec['exposures'][number];
    let cidrs: string[];
    const drive = (): DriveOptions => (subject.between === undefined ? {} : { between: subject.between });
    const apply = (action: LbAction) => applyAction(subject, spec, action, drive());
    const observe = () => observeJoined(subject, spec);
    const brokerPort = (n: number) => exposure.brokerPorts.from + n;
    const create = (n: number, target: PlanTarget): LbAction => ({
      kind: 'createMapping',
      exposure: exposure.listener,
      role: 'broker',
      port: brokerPort(n),
      brokerId: target.brokerId,
      targets: [target],
    });
    const isTarget = (observed: { id: string; port: number }, target: PlanTarget) =>
      observed.port === target.port && (observed.id === target.instanceId || observed.id === target.host);
    const targetsAt = async (port: number) =>
      (await observe()).mappings.find((m) => m.port === port)?.targets.map(({ id, port: p }) => ({ id, port: p }));

    beforeEach(async () => {
      subject = await makeSubject();
      spec = subject.spec;
      exposure = spec.exposures[0]!;
      expect(profileOf(spec).kind).toBe(provider);
      const managed = consumerCidrs(spec);
      if (managed === undefined && !noConsumerPorts)
        throw new Error(`the ${adapter} subject's spec must let brokerlink manage its ports`);
      cidrs = [...(managed ?? ['10.0.0.0/8'])];
    });
    afterEach(async () => {
      await subject.close?.();
    });

    it('observes nothing at an empty ledger', async () => {
      expect((await subject.loadBalancer.observe(spec, [])).ports).toEqual([]);
      expect((await observe()).mappings).toEqual([]);
    });

    it('creates a broker mapping: started, polled to its end, then observed at its port with its broker as target', async () => {
      const [first] = subject.targets;
      await apply(create(0, first));
      const observed = await observe();
      expect(observed.mappings.map((m) => [m.exposure, m.role, m.port, m.brokerId])).toEqual([
        [exposure.listener, 'broker', brokerPort(0), first.brokerId],
      ]);
      const targets = observed.mappings[0]!.targets;
      expect(targets).toHaveLength(1);
      expect(isTarget(targets[0]!, first)).toBe(true);
    });

    it('answers start with done, or with an operation that survives JSON and polls to an end', async () => {
      const started = await subject.loadBalancer.start(spec, create(0, subject.targets[0]));
      if (started.state === 'pending') {
        const { operation } = started;
        expect(JSON.parse(JSON.stringify(operation))).toEqual(operation);
        expect(typeof operation.id).toBe('string');
        for (const value of Object.values(operation.scope ?? {})) expect(typeof value).toBe('string');
      } else {
        expect(started).toEqual({ state: 'done' });
      }
      await apply(create(0, subject.targets[0]));
      expect((await observe()).mappings).toHaveLength(1);
    });

    it('changes nothing when started again with an action already in effect', async () => {
      await apply(create(0, subject.targets[0]));
      const before = await targetsAt(brokerPort(0));
      await apply(create(0, subject.targets[0]));
      expect(await targetsAt(brokerPort(0))).toEqual(before);
      expect((await observe()).mappings).toHaveLength(1);
    });

    it('deregisters a broker target and registers it again, each twice without error', async () => {
      const [first] = subject.targets;
      await apply(create(0, first));
      const [registered] = (await targetsAt(brokerPort(0)))!;
      const deregister: LbAction = {
        kind: 'deregisterTargets',
        exposure: exposure.listener,
        role: 'broker',
        port: brokerPort(0),
        targets: [registered!],
      };
      await apply(deregister);
      await apply(deregister);
      expect(await targetsAt(brokerPort(0))).toEqual([]);
      const register: LbAction = {
        kind: 'registerTargets',
        exposure: exposure.listener,
        role: 'broker',
        port: brokerPort(0),
        targets: [first],
      };
      await apply(register);
      await apply(register);
      expect(await targetsAt(brokerPort(0))).toEqual([registered]);
    });

    if (PROFILES[provider].bootstrap.model === 'fan-out') {
      it('fans a bootstrap mapping out to every broker (fan-out providers), and drops the one deregistered', async () => {
        const bootstrap = exposure.bootstrapPort!;
        const [first, second] = subject.targets;
        await apply({
          kind: 'createMapping',
          exposure: exposure.listener,
          role: 'bootstrap',
          port: bootstrap,
          targets: [first],
        });
        await apply({
          kind: 'registerTargets',
          exposure: exposure.listener,
          role: 'bootstrap',
          port: bootstrap,
          targets: [second],
        });
        const both = (await targetsAt(bootstrap))!;
        expect(both).toHaveLength(2);
        expect(both.some((t) => isTarget(t, first)) && both.some((t) => isTarget(t, second))).toBe(true);
        const gone = both.find((t) => isTarget(t, first))!;
        await apply({
          kind: 'deregisterTargets',
          exposure: exposure.listener,
          role: 'bootstrap',
          port: bootstrap,
          targets: [gone],
        });
        expect((await targetsAt(bootstrap))!.map((t) => isTarget(t, second))).toEqual([true]);
        const entry = (await observe()).mappings.find((m) => m.port === bootstrap);
        expect(entry).toMatchObject({ role: 'bootstrap', exposure: exposure.listener });
        expect(entry?.brokerId).toBeUndefined();
      });
    }

    it('retires a mapping (no targets, the port stays held), revives it, and deletes it (the port is free)', async () => {
      const [first] = subject.targets;
      await apply(create(0, first));
      const retiredAt = '2026-05-01T12:00:00.000Z';
      await apply({
        kind: 'retireMapping',
        exposure: exposure.listener,
        port: brokerPort(0),
        brokerId: first.brokerId,
        retiredAt,
      });
      expect((await observe()).mappings).toEqual([
        expect.objectContaining({ port: brokerPort(0), brokerId: first.brokerId, retiredAt, targets: [] }),
      ]);
      await apply({
        kind: 'reviveMapping',
        exposure: exposure.listener,
        port: brokerPort(0),
        brokerId: first.brokerId,
      });
      expect((await observe()).mappings[0]?.retiredAt).toBeUndefined();
      const remove: LbAction = {
        kind: 'deleteMapping',
        exposure: exposure.listener,
        port: brokerPort(0),
        brokerId: first.brokerId,
      };
      await apply(remove);
      await apply(remove);
      expect((await observe()).mappings).toEqual([]);
      await apply(create(0, subject.targets[1]));
      expect((await observe()).mappings.map((m) => m.brokerId)).toEqual([subject.targets[1].brokerId]);
    });

    if (noConsumerPorts) {
      it('accepts openPort and closePort as no-ops (the provider has no consumer ports) and reports none open', async () => {
        const [first] = subject.targets;
        await apply(create(0, first));
        const before = await observe();
        for (const action of [
          { kind: 'openPort', port: brokerPort(0), cidrs },
          { kind: 'closePort', port: brokerPort(0), cidrs },
        ] as const) {
          expect(await subject.loadBalancer.start(spec, action)).toEqual({ state: 'done' });
        }
        const after = await observe();
        expect(after).toEqual(before);
        expect(after.openPorts).toEqual([]);
      });

      it('serves a mapping with no port to open: observed with its target', async () => {
        const [first] = subject.targets;
        await apply(create(0, first));
        const observed = await observe();
        expect(observed.openPorts).toEqual([]);
        expect(observed.mappings[0]!.targets.map((t) => isTarget(t, first))).toEqual([true]);
      });
    } else {
      defineConsumerPortTests();
    }

    function defineConsumerPortTests() {
      it('opens and closes consumer ports, each twice without error', async () => {
        const [a, b] = [brokerPort(0), brokerPort(1)];
        for (const port of [a, b, a]) await apply({ kind: 'openPort', port, cidrs });
        let open = (await observe()).openPorts;
        expect(open).toContain(a);
        expect(open).toContain(b);
        await apply({ kind: 'closePort', port: a, cidrs });
        await apply({ kind: 'closePort', port: a, cidrs });
        open = (await observe()).openPorts;
        expect(open).not.toContain(a);
        expect(open).toContain(b);
      });

      it('serves a mapping once its port is open: observed with its target and open', async () => {
        const [first] = subject.targets;
        await apply(create(0, first));
        await apply({ kind: 'openPort', port: brokerPort(0), cidrs });
        const observed = await observe();
        expect(observed.openPorts).toContain(brokerPort(0));
        expect(observed.mappings[0]!.targets.map((t) => isTarget(t, first))).toEqual([true]);
      });
    }

    it('observes only the ports of the ledger entries it is given', async () => {
      await apply(create(0, subject.targets[0]));
      await apply(create(1, subject.targets[1]));
      const entries: LedgerEntry[] = await subject.ledger.read(spec);
      expect(entries.map((e) => e.port)).toEqual([brokerPort(0), brokerPort(1)]);
      const one = await subject.loadBalancer.observe(spec, entries.slice(1));
      expect(one.ports.map((p) => p.port)).toEqual([brokerPort(1)]);
    });

    it('refuses to register into a mapping that does not exist, with a fatal named error', async () => {
      const error = await apply({
        kind: 'registerTargets',
        exposure: exposure.listener,
        role: 'broker',
        port: brokerPort(5),
        targets: [subject.targets[0]],
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BrokerlinkError);
      expect((error as BrokerlinkError).disposition).toBe('fail');
    });

    it('names the address consumers reach it at', async () => {
      const address = await subject.loadBalancer.consumerAddress(spec);
      expect(typeof address).toBe('string');
      expect(address.length).toBeGreaterThan(0);
    });
  });
}
