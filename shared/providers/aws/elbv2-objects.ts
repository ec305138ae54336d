import {
  AddTagsCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
  type Listener,
  paginateDescribeListeners,
  RemoveTagsCommand,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { ClusterSpec } from '../../spec/schema.ts';
import { mapLimit } from '../../util/map-limit.ts';
import { awsCall, chunk, collectPages, isAwsError } from './aws-call.ts';
import { TargetGroupNameTaken } from './errors.ts';
import { awsProvider, fromAwsTags, LEDGER_TAGS, toAwsTags } from './ledger.ts';

/*
 * The ELBv2 reads and tag writes that the AWS load balancer and the AWS port ledger share: both live on the same
 * objects (brokerlink's target groups and the listeners forwarding to them).
 */

/** Every listener of the spec's NLB (one page of up to 400: an NLB has at most 50). */
export async function listListeners(elbv2: ElasticLoadBalancingV2Client, spec: ClusterSpec): Promise<Listener[]> {
  return collectPages(
    'elbv2:DescribeListeners',
    paginateDescribeListeners({ client: elbv2, pageSize: 400 }, { LoadBalancerArn: awsProvider(spec).loadBalancerArn }),
    (page) => page.Listeners,
  );
}

/** Tags of the given resources, 20 ARNs per DescribeTags call, at most `concurrency` calls in flight. */
export async function tagsOf(
  elbv2: ElasticLoadBalancingV2Client,
  arns: readonly string[],
  concurrency = 8,
): Promise<Map<string, Record<string, string>>> {
  const result = new Map<string, Record<string, string>>();
  const batches = await mapLimit(chunk(arns, 20), concurrency, (batch) =>
    awsCall('elbv2:DescribeTags', () => elbv2.send(new DescribeTagsCommand({ ResourceArns: batch }))),
  );
  for (const answer of batches) {
    for (const description of answer.TagDescriptions ?? []) {
      if (description.ResourceArn !== undefined) result.set(description.ResourceArn, fromAwsTags(description.Tags));
    }
  }
  return result;
}

/** The tags of one resource (empty when it has none). */
export async function tagsOfOne(elbv2: ElasticLoadBalancingV2Client, arn: string): Promise<Record<string, string>> {
  return (await tagsOf(elbv2, [arn])).get(arn) ?? {};
}

export async function targetGroupByName(
  elbv2: ElasticLoadBalancingV2Client,
  name: string,
): Promise<TargetGroup | undefined> {
  return awsCall('elbv2:DescribeTargetGroups', async () => {
    try {
      const answer = await elbv2.send(new DescribeTargetGroupsCommand({ Names: [name] }));
      return answer.TargetGroups?.[0];
    } catch (error) {
      if (isAwsError(error, 'TargetGroupNotFound')) return undefined;
      throw error;
    }
  });
}

export async function addTags(elbv2: ElasticLoadBalancingV2Client, arn: string, tags: Record<string, string>) {
  await awsCall('elbv2:AddTags', () => elbv2.send(new AddTagsCommand({ ResourceArns: [arn], Tags: toAwsTags(tags) })));
}

export async function removeTags(elbv2: ElasticLoadBalancingV2Client, arn: string, keys: string[]) {
  await awsCall('elbv2:RemoveTags', () => elbv2.send(new RemoveTagsCommand({ ResourceArns: [arn], TagKeys: keys })));
}

/** The target group a listener forwards to. */
export function forwardTarget(listener: Listener): string | undefined {
  const action = listener.DefaultActions?.find((a) => a.Type === 'forward');
  return action?.TargetGroupArn ?? action?.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn;
}

/** The group with our deterministic name must carry this cluster's ledger (same cluster, same port). */
export function assertOurs(name: string, existing: Record<string, string>, wanted: Record<string, string>): void {
  const cluster = existing[LEDGER_TAGS.cluster];
  const port = existing[LEDGER_TAGS.port];
  if (cluster !== wanted[LEDGER_TAGS.cluster] || (port !== undefined && port !== wanted[LEDGER_TAGS.port])) {
    throw new TargetGroupNameTaken(name, `its tags say cluster=${cluster ?? '(none)'} port=${port ?? '(none)'}`);
  }
}
