/*
 * Prints how many AWS calls observing the NLB (AwsTagLedger.read + AwsLoadBalancer.observe) makes for a no-drift check of N brokers (one exposure:
 * bootstrap + N broker mappings, ports open), per target-observation mode, against the fake AWS model.
 * A count, not a timing: `npx node shared/providers/aws/testing/observe-cost.ts [brokers...]` (default 12 48).
 */
import type { LbAction } from '../../../model/plan.ts';
import { applyActions, observeJoined } from '../../testing/drive.ts';
import { AwsLoadBalancer, type TargetObservation } from '../load-balancer.ts';
import { AwsTagLedger } from '../tag-ledger.ts';
import { brokerInstances, createFakeAws } from './fake-aws.ts';
import { awsSpec, FAKE_SECURITY_GROUP_ID } from './specs.ts';

export async function observeCost(brokers: number, targets: TargetObservation) {
  const instances = brokerInstances(brokers);
  const aws = createFakeAws({ instances, securityGroupIds: [FAKE_SECURITY_GROUP_ID] });
  const lb = {
    loadBalancer: new AwsLoadBalancer({ elbv2: aws.clients.elbv2, ec2: aws.clients.ec2, targets }),
    ledger: new AwsTagLedger({ elbv2: aws.clients.elbv2 }),
  };
  const spec = awsSpec();
  const planTargets = instances.map((instance, index) => ({
    brokerId: index + 1,
    instanceId: instance.instanceId,
    host: instance.privateIp!,
    port: 39092,
  }));
  const actions: LbAction[] = [
    { kind: 'createMapping', exposure: 'EXTERNAL', role: 'bootstrap', port: 9092, targets: planTargets },
    ...planTargets.map(
      (t, i): LbAction => ({
        kind: 'createMapping',
        exposure: 'EXTERNAL',
        role: 'broker',
        port: 9093 + i,
        brokerId: t.brokerId,
        targets: [t],
      }),
    ),
    ...[9092, ...planTargets.map((_, i) => 9093 + i)].map(
      (port): LbAction => ({ kind: 'openPort', port, cidrs: spec.provider.aws!.consumerCidrs }),
    ),
  ];
  await applyActions(lb, spec, actions);
  aws.resetCalls();
  const observed = await observeJoined(lb, spec);
  const byOperation: Record<string, number> = {};
  for (const call of aws.calls()) byOperation[call.operation] = (byOperation[call.operation] ?? 0) + 1;
  aws.restore();
  return {
    brokers,
    mode: targets.mode,
    mappings: observed.mappings.length,
    calls: aws.state.calls.length,
    byOperation,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const counts = process.argv.slice(2).map(Number);
  for (const brokers of counts.length > 0 ? counts : [12, 48]) {
    for (const targets of [{ mode: 'describe' }, { mode: 'ledger', auditPerObserve: 4 }] as TargetObservation[]) {
      console.log(JSON.stringify(await observeCost(brokers, targets)));
    }
  }
}
