import { afterEach, describe, expect, it } from 'vitest';
import { createAlicloudClients } from './clients.ts';
import { EcsSecurityGroupPorts, portRanges } from './security-group.ts';
import { FAKE_SECURITY_GROUP_ID, type FakeAlibaba, startFakeAlibaba } from './testing/fake-alibaba.ts';
import { alicloudSpec } from './testing/spec.ts';

let fake: FakeAlibaba | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const CIDRS = ['10.0.0.0/16', '192.168.0.0/24'];
const spec = alicloudSpec({
  provider: { alicloud: { ...alicloudSpec().provider.alicloud!, consumerCidrs: CIDRS } },
} as never);

async function ports(ruleQuota?: number) {
  fake = await startFakeAlibaba({ ruleQuota });
  return new EcsSecurityGroupPorts({ ecs: createAlicloudClients(fake.clientOptions).ecs });
}
const rules = () => fake!.ecs.securityGroups.get(FAKE_SECURITY_GROUP_ID)!.rules;

describe('EcsSecurityGroupPorts (the real ECS client against the signed fake)', () => {
  it('opens 49 ports for two CIDRs with one ranged rule per CIDR, inside a 10-rule quota', async () => {
    const sg = await ports(10);
    for (let port = 9092; port <= 9140; port++) await sg.open(spec, port, CIDRS);
    expect(
      rules()
        .map((r) => [r.sourceCidrIp, r.portRange])
        .sort(),
    ).toEqual([
      ['10.0.0.0/16', '9092/9140'],
      ['192.168.0.0/24', '9092/9140'],
    ]);
    expect(await sg.openPorts(spec)).toHaveLength(49);
  });

  it('closes a port in the middle by splitting the range, never leaving another port closed', async () => {
    const sg = await ports();
    for (const port of [9092, 9093, 9094, 9095]) await sg.open(spec, port, CIDRS);
    await sg.close(spec, 9094, CIDRS);
    expect(
      rules()
        .filter((r) => r.sourceCidrIp === CIDRS[0])
        .map((r) => r.portRange)
        .sort(),
    ).toEqual(['9092/9093', '9095/9095']);
    expect((await sg.openPorts(spec)).filter((p) => p <= 9095)).toEqual([9092, 9093, 9095]);
    // idempotent
    await sg.close(spec, 9094, CIDRS);
    await sg.open(spec, 9095, CIDRS);
    expect(rules()).toHaveLength(4);
  });

  it('adds nothing where someone else’s broader rule admits the CIDR already', async () => {
    const sg = await ports();
    rules().push({
      ruleId: 'sgr-theirs',
      ipProtocol: 'all',
      portRange: '-1/-1',
      sourceCidrIp: CIDRS[0]!,
      policy: 'accept',
      description: 'vpc',
    });
    await sg.open(spec, 9092, [CIDRS[0]!]);
    expect(rules()).toHaveLength(1);
    expect(await sg.openPorts(spec)).toEqual([]); // the second CIDR is not admitted anywhere
  });

  it('fails with the quota named when even ranged rules do not fit', async () => {
    const sg = await ports(1);
    await sg.open(spec, 9092, [CIDRS[0]!]);
    await expect(sg.open(spec, 9094, [CIDRS[0]!])).rejects.toMatchObject({
      name: 'AlicloudSecurityGroupQuotaExceeded',
    });
  });

  it('coalesces ports into ranges', () => {
    expect(portRanges([5, 1, 2, 3, 9, 10, 2])).toEqual([
      [1, 3],
      [5, 5],
      [9, 10],
    ]);
  });
});
