/*
 * The SpecStore port's contract (shared/ports.ts): where the deployed provisioner reads a cluster's spec, stored as
 * the exact text given (validation belongs to the caller).
 *
 *   describeSpecStoreContract('aws (fake Parameter Store)', async () => ({ specs }));
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BrokerlinkError } from '../../../errors.ts';
import type { SpecStore } from '../../../ports.ts';

export interface SpecStoreSubject {
  specs: SpecStore;
  close?(): Promise<void>;
}

const TEXT = '# orders — ünïcode in a comment\ncluster: orders\nprovider:\n  local: { stateFile: /tmp/lb.json }\n';

export function describeSpecStoreContract(adapter: string, makeSubject: () => Promise<SpecStoreSubject>) {
  describe(`SpecStore contract: ${adapter}`, () => {
    let subject: SpecStoreSubject;
    beforeEach(async () => {
      subject = await makeSubject();
    });
    afterEach(async () => {
      await subject.close?.();
    });

    it('loads exactly the text saved, byte for byte', async () => {
      await subject.specs.save('orders', TEXT);
      expect(await subject.specs.load('orders')).toBe(TEXT);
    });

    it('replaces a saved spec with the next one', async () => {
      await subject.specs.save('orders', TEXT);
      await subject.specs.save('orders', `${TEXT}# v2\n`);
      expect(await subject.specs.load('orders')).toBe(`${TEXT}# v2\n`);
    });

    it('keeps clusters apart', async () => {
      await subject.specs.save('orders', 'cluster: orders\n');
      await subject.specs.save('payments', 'cluster: payments\n');
      expect(await subject.specs.load('orders')).toBe('cluster: orders\n');
      expect(await subject.specs.load('payments')).toBe('cluster: payments\n');
    });

    it('refuses to load a spec never saved, with a fatal named error', async () => {
      const error = await subject.specs.load('never-saved').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BrokerlinkError);
      expect((error as BrokerlinkError).disposition).toBe('fail');
      expect((error as Error).message).toContain('never-saved');
    });
  });
}
