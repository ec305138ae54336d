import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { capacityIssues, enforcedListenerQuota } from './cross-checks.ts';
import { ALICLOUD_DEFAULT_LISTENER_QUOTA } from './schema.ts';
import { parseSpec, validateSpec } from './validate.ts';

/* provider.alicloud: what the Alibaba runbook needs, with the NLB's adjustable listener quota. */

const example = () =>
  parse(readFileSync(new URL('../../docs/examples/alicloud-orders.yaml', import.meta.url), 'utf8')) as Record<
    string,
    // biome-ignore lint/suspicious/noExplicitAny: the tests edit the example into deliberately wrong shapes
    any
  >;

describe('provider.alicloud', () => {
  it('accepts the runbook example with its late unique name and fills in the defaults', () => {
    const spec = parseSpec(example());
    expect(spec.provider.alicloud).toMatchObject({
      region: 'ap-southeast-1',
      endpointService: { allowedAccounts: ['1234567890123456'], autoAcceptConnection: false },
      listenerQuota: 50,
    });
    expect(spec.exposures[0]!.placeholders).toEqual({ unique_name: null });
    const minimal = example();
    delete minimal.provider.alicloud.listenerQuota;
    delete minimal.provider.alicloud.endpointService.autoAcceptConnection;
    const filled = parseSpec(minimal).provider.alicloud!;
    expect(filled.listenerQuota).toBe(ALICLOUD_DEFAULT_LISTENER_QUOTA);
    expect(filled.endpointService?.autoAcceptConnection).toBe(false);
  });

  it('names the field of every bad value at once', () => {
    const spec = example();
    spec.provider.alicloud.endpointService.allowedAccounts = ['tidb-account'];
    spec.provider.alicloud.zones = ['Zone A'];
    spec.provider.alicloud.listenerQuota = 1;
    spec.provider.alicloud.vSwitches = ['vsw-1'];
    const result = validateSpec(spec);
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.issues.map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'provider.alicloud.endpointService.allowedAccounts[0]',
        'provider.alicloud.zones[0]',
        'provider.alicloud.listenerQuota',
        'provider.alicloud',
      ]),
    );
  });

  it('plans against the quota the spec states: 50 by default, more once raised', () => {
    const spec = parseSpec(example());
    expect(enforcedListenerQuota(spec)).toBe(50);
    expect(capacityIssues(spec, 49)).toEqual([]);
    expect(capacityIssues(spec, 50)[0]?.message).toMatch(/needs 51 listeners .* at most 50/);
    const raised = example();
    raised.provider.alicloud.listenerQuota = 120;
    expect(capacityIssues(parseSpec(raised), 100)).toEqual([]);
  });
});
