import * as ecsNamespace from '@alicloud/ecs20140526';
import { fdlFlowName } from '../../flow/fdl/generate.ts';
import type { WorkflowName } from '../../flow/index.ts';
import type { InstanceDirectory, StartedExecution, StoredSpecs, WorkflowStarter } from '../../triggers/ports.ts';
import { alicloudCall, isAlicloudError, mapAlicloudError } from './alicloud-call.ts';
import type { EcsClient, RpcProduct } from './clients.ts';
import { commonJs } from './commonjs.ts';
import { AlicloudSpecNotStored } from './oss-lock.ts';
import type { ObjectStore } from './oss-store.ts';

const ecs = commonJs(ecsNamespace);

/*
 * The trigger ports on Alibaba Cloud (shared/triggers/ports.ts):
 *  - CloudFlowWorkflowStarter: CloudFlow StartExecution (fnf 2019-03-15) on the flow brokerlink-<workflow> under the
 *    decision's name; CloudFlow keeps names unique per flow, so a second start of the same name answers
 *    ExecutionAlreadyExists — a redelivered event, reported as alreadyStarted;
 *  - EcsInstanceDirectory: DescribeInstances by id, the instance's tags;
 *  - OssStoredSpecs: the spec objects `<prefix>specs/<cluster>.yaml` (OssSpecStore's layout), versioned by ETag.
 */

export class CloudFlowWorkflowStarter implements WorkflowStarter {
  readonly #cloudFlow: RpcProduct;
  constructor(options: { cloudFlow: RpcProduct }) {
    this.#cloudFlow = options.cloudFlow;
  }
  async start(
    workflow: WorkflowName,
    name: string,
    input: Readonly<Record<string, unknown>>,
  ): Promise<StartedExecution> {
    const flowName = fdlFlowName(workflow);
    try {
      await this.#cloudFlow.call('StartExecution', {
        FlowName: flowName,
        ExecutionName: name,
        Input: JSON.stringify(input),
      });
      return { executionId: `${flowName}/${name}`, alreadyStarted: false };
    } catch (error) {
      if (isAlicloudError(error, 'ExecutionAlreadyExists'))
        return { executionId: `${flowName}/${name}`, alreadyStarted: true };
      throw mapAlicloudError('fnf:StartExecution', error);
    }
  }
}

export class EcsInstanceDirectory implements InstanceDirectory {
  readonly #ecs: EcsClient;
  readonly #region: string;
  constructor(options: { ecs: EcsClient; region: string }) {
    this.#ecs = options.ecs;
    this.#region = options.region;
  }
  async tagsOf(instanceId: string): Promise<Readonly<Record<string, string>> | undefined> {
    const answer = await alicloudCall('ecs:DescribeInstances', () =>
      this.#ecs.describeInstances(
        new ecs.DescribeInstancesRequest({ regionId: this.#region, instanceIds: JSON.stringify([instanceId]) }),
      ),
    );
    const instance = answer.body?.instances?.instance?.[0];
    if (instance === undefined) return undefined;
    const tags: Record<string, string> = {};
    for (const tag of instance.tags?.tag ?? []) if (tag.tagKey !== undefined) tags[tag.tagKey] = tag.tagValue ?? '';
    return tags;
  }
}

export class OssStoredSpecs implements StoredSpecs {
  readonly locationNoun = 'OSS object';
  readonly #store: ObjectStore;
  readonly #prefix: string;
  constructor(options: { store: ObjectStore; prefix?: string }) {
    this.#store = options.store;
    this.#prefix = options.prefix ?? 'brokerlink/';
  }
  clusterAt(location: string): string | undefined {
    const head = `${this.#prefix}specs/`;
    if (!location.startsWith(head) || !location.endsWith('.yaml')) return undefined;
    const cluster = location.slice(head.length, -'.yaml'.length);
    return cluster.length === 0 || cluster.includes('/') ? undefined : cluster;
  }
  async read(cluster: string): Promise<{ text: string; version: string }> {
    const key = `${this.#prefix}specs/${cluster}.yaml`;
    const object = await alicloudCall('oss:GetObject', () => this.#store.getVersioned(key));
    if (object === undefined) throw new AlicloudSpecNotStored(cluster, key);
    return { text: object.body.toString('utf8'), version: object.version };
  }
  async clusters(): Promise<string[]> {
    const keys = await alicloudCall('oss:ListObjects', () => this.#store.list(`${this.#prefix}specs/`));
    return keys.map((key) => this.clusterAt(key)).filter((cluster): cluster is string => cluster !== undefined);
  }
}
