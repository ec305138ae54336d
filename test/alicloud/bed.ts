/**
 * The Alibaba test bed: brokerlink as deployed on Alibaba Cloud, with only the control plane faked.
 *
 *  - the real SDK clients (@alicloud/ecs20140526, the OpenAPI core for NLB / PrivateLink / KMS / CloudFlow, ali-oss)
 *    against the signed fake gateway and fake OSS (shared/providers/alicloud/testing/);
 *  - the deployed flows (statemachines/*.fdl.yaml with the ARNs filled in as the deploy does) executed by the FDL
 *    interpreter, their tasks bound to the Function Compute handlers (functions/alicloud/task-handler.ts) over the
 *    Alibaba adapters (functions/alicloud/deps.ts); CloudFlow's StartExecution (triggers, drift repair) runs them too;
 *  - Kafka-protocol test brokers (testkit/kafka, through demo/lab.ts), one "ECS instance" each: Cloud Assistant runs
 *    the real writer and the real restart script with bash on the broker's real server.properties (the instance's
 *    folder bind-mounted at the spec's path in a private mount namespace);
 *  - the NLB's data plane: a TCP port-mapping forwarder on 127.0.3.2 (the fake NLB's DNS name) serving exactly the
 *    fake NLB's Running listeners → their server groups' Available servers (instance address : port), re-read
 *    every 20 ms — so verification through the load balancer really reaches the brokers the NLB says it forwards to.
 * Loopback: the gateway 127.0.3.1, the NLB 127.0.3.2 (the Alibaba bed's block); the test brokers live at the lab's
 * addresses.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type Lab, type LabOptions, startLab } from '../../demo/lab.ts';
import { createAlicloudStepDeps } from '../../functions/alicloud/deps.ts';
import { taskFunctions } from '../../functions/alicloud/task-handler.ts';
import type { AlicloudTriggerDeps } from '../../functions/alicloud/triggers.ts';
import { fdlFlowName, renderDeployedFlow } from '../../shared/flow/fdl/generate.ts';
import type { WorkflowName } from '../../shared/flow/index.ts';
import { type PortForwarder, type PortMapping, startPortForwarder } from '../../shared/net/port-forwarder.ts';
import { createAlicloudClients } from '../../shared/providers/alicloud/clients.ts';
import { type FcHandler, runFlow } from '../../shared/providers/alicloud/cloudflow/interpreter.ts';
import { OssSpecStore } from '../../shared/providers/alicloud/oss-lock.ts';
import { createOssClient, type ObjectStore, ossObjectStore } from '../../shared/providers/alicloud/oss-store.ts';
import {
  FAKE_NLB_ID,
  FAKE_REGION,
  FAKE_SECURITY_GROUP_ID,
  FAKE_VPC_ID,
  FAKE_ZONES,
  type FakeAlibaba,
  startFakeAlibaba,
} from '../../shared/providers/alicloud/testing/fake-alibaba.ts';
import {
  type CloudFlowState,
  cloudFlowService,
  type FakeExecution,
} from '../../shared/providers/alicloud/testing/fake-cloudflow.ts';
import type { FakeInstance } from '../../shared/providers/alicloud/testing/fake-ecs.ts';
import { type FakeOss, startFakeOss } from '../../shared/providers/alicloud/testing/fake-oss.ts';
import { FAKE_ACCESS_KEY_ID, FAKE_ACCESS_KEY_SECRET } from '../../shared/providers/alicloud/testing/rpc-server.ts';
import { CONSUMER_ACCOUNT } from '../../shared/providers/alicloud/testing/spec.ts';
import type { ClusterSpecInput } from '../../shared/spec/schema.ts';
import type { StepDeps } from '../../shared/steps/deps.ts';
import { memoryLog } from '../../shared/triggers/testing/fakes.ts';

export const NLB_HOST = '127.0.3.2';
export const BUCKET = 'brokerlink-state';
export const ACCOUNT_ID = '1234567890123456';
const PROPERTIES = '/etc/kafka/server.properties';

export interface BedOptions extends LabOptions {
  uniqueName?: string | null;
  /**
   * The Function Compute functions the flows call, made from the bed's endpoints (default: the task handlers of
   * functions/alicloud over the bed's dependencies, in this process).
   */
  functions?: (endpoints: { alibaba: string; oss: string }) => Promise<Record<string, FcHandler>>;
}

export interface Bed {
  lab: Lab;
  fake: FakeAlibaba;
  oss: FakeOss;
  flows: CloudFlowState;
  state: ObjectStore;
  log: ReturnType<typeof memoryLog>;
  spec(): ClusterSpecInput;
  /** Stores the spec in OSS (what `brokerlink push-spec` does). */
  pushSpec(spec: ClusterSpecInput): Promise<void>;
  /** A new "ECS instance" for a new test broker (broker-only), tagged for the cluster. */
  addInstance(id: number): Promise<void>;
  /** Runs a workflow's deployed FDL to its end (its output, or the FlowExecutionFailed it ends with). */
  execute(workflow: WorkflowName, input: Record<string, unknown>, name?: string): Promise<unknown>;
  /** Executions CloudFlow was asked to start (triggers, drift repair), with what became of them. */
  started(): Promise<(FakeExecution & { result: Promise<unknown> })[]>;
  triggerDeps(): AlicloudTriggerDeps;
  deps(): StepDeps;
  /** NLB calls that change something (not List*, Get*, Describe*). */
  nlbChanges(): string[];
  close(): Promise<void>;
}

const flowText = new Map<WorkflowName, string>();
async function deployed(workflow: WorkflowName): Promise<string> {
  let text = flowText.get(workflow);
  if (text === undefined) {
    const file = new URL(`../../statemachines/${workflow}.fdl.yaml`, import.meta.url);
    text = renderDeployedFlow(await readFile(file, 'utf8'), { region: FAKE_REGION, accountId: ACCOUNT_ID });
    flowText.set(workflow, text);
  }
  return text;
}

function instanceOf(lab: Lab, id: number): FakeInstance {
  return {
    instanceId: `i-t4nbed${id}`,
    privateIp: lab.hostOf(id),
    zoneId: FAKE_ZONES[(id - 1) % FAKE_ZONES.length]!.zoneId,
    vpcId: FAKE_VPC_ID,
    vSwitchId: FAKE_ZONES[(id - 1) % FAKE_ZONES.length]!.vSwitchId,
    status: 'Running',
    tags: { 'brokerlink:cluster': lab.spec().cluster, 'kafka-node-id': String(id), Name: `broker-node${id}` },
    hostRoot: join(lab.hostsDir, String(id)),
  };
}

/** The forwarder mappings the fake NLB's state asks for (what the real NLB's data plane would forward). */
function dataPlane(fake: FakeAlibaba): PortMapping[] {
  const mappings: PortMapping[] = [];
  for (const listener of fake.nlb.listeners.values()) {
    if (listener.status !== 'Running') continue;
    const group = fake.nlb.serverGroups.get(listener.serverGroupId);
    const upstreams = (group?.servers ?? [])
      .filter((server) => server.status === 'Available')
      .map((server) => ({ host: server.serverIp, port: server.port }));
    if (upstreams.length > 0) mappings.push({ listenPort: listener.port, upstreams });
  }
  return mappings.sort((a, b) => a.listenPort - b.listenPort);
}

export async function startBed(options: BedOptions = {}): Promise<Bed> {
  const lab = await startLab({ cluster: 'orders', drift: 'repair', waitMs: 10, ...options });
  const mountPoint = join(lab.dir, 'instance');
  await mkdir(mountPoint, { recursive: true });
  const flows: CloudFlowState = {
    flows: new Set([fdlFlowName('provision'), fdlFlowName('drift-check')]),
    executions: [],
  };
  const results = new Map<FakeExecution, Promise<unknown>>();
  const fake = await startFakeAlibaba({
    instances: [...lab.brokers.keys()].map((id) => instanceOf(lab, id)),
    mountPoint,
    jobPolls: 2,
    extraServices: [cloudFlowService(flows)],
  });
  fake.nlb.loadBalancers.get(FAKE_NLB_ID)!.dnsName = NLB_HOST;
  const oss = await startFakeOss({ buckets: [BUCKET] });
  const state = ossObjectStore(
    createOssClient({
      region: FAKE_REGION,
      bucket: BUCKET,
      endpoint: oss.endpoint,
      credentials: { accessKeyId: FAKE_ACCESS_KEY_ID, accessKeySecret: FAKE_ACCESS_KEY_SECRET },
    }),
  );
  const clients = createAlicloudClients(fake.clientOptions);
  const log = memoryLog();
  const deps = createAlicloudStepDeps(clients, { region: FAKE_REGION, state, log });
  const packaged = await options.functions?.({ alibaba: fake.clientOptions.endpoint!, oss: oss.endpoint });

  let forwarder: PortForwarder | undefined;
  let served = '';
  let closed = false;
  const refresh = async () => {
    const mappings = dataPlane(fake);
    const text = JSON.stringify(mappings);
    if (text === served) return;
    served = text;
    if (forwarder === undefined)
      forwarder = await startPortForwarder({ host: NLB_HOST, mappings, connectTimeoutMs: 1_000 });
    else await forwarder.update(mappings);
  };
  await refresh();
  const timer = setInterval(() => {
    if (!closed) void refresh().catch(() => undefined);
  }, 20);

  const ports = lab.ports;
  let current: ClusterSpecInput = {
    cluster: lab.spec().cluster,
    provider: {
      alicloud: {
        region: FAKE_REGION,
        loadBalancerId: FAKE_NLB_ID,
        vpcId: FAKE_VPC_ID,
        zones: FAKE_ZONES.map((zone) => zone.zoneId),
        securityGroupId: FAKE_SECURITY_GROUP_ID,
        consumerCidrs: ['10.0.0.0/16'],
        endpointService: { allowedAccounts: [CONSUMER_ACCOUNT], autoAcceptConnection: false },
      },
    },
    brokers: {
      discover: { tags: { 'brokerlink:cluster': lab.spec().cluster }, nodeIdTag: 'kafka-node-id' },
      propertiesPath: `${mountPoint}${PROPERTIES}`,
      restart: { script: lab.restartScript },
    },
    kafka: { bootstrap: lab.spec().kafka.bootstrap, requestTimeoutMs: 2_000 },
    exposures: [
      {
        listener: 'EXTERNAL',
        brokerPort: ports.external,
        bootstrapPort: ports.bootstrap,
        brokerPorts: { from: ports.from, to: ports.to },
        advertisedListenerPattern: '<broker_id>.<unique_name>.alicloud.plc.tidbcloud.com:<port>',
        placeholders: {
          unique_name: options.uniqueName === undefined ? 'dvs6nl5jgveztmla3pxkxgh76i' : options.uniqueName,
        },
      },
    ],
    drift: { action: options.drift ?? 'repair' },
    rollout: lab.spec().rollout,
  } as ClusterSpecInput;

  let executions = 0;
  const bed: Bed = {
    lab,
    fake,
    oss,
    flows,
    state,
    log,
    spec: () => structuredClone(current),
    async pushSpec(spec) {
      current = structuredClone(spec);
      await new OssSpecStore({ store: state }).save(spec.cluster, stringify(spec));
    },
    async addInstance(id) {
      await lab.startBroker(id, { roles: 'broker' });
      const instance = instanceOf(lab, id);
      fake.ecs.instances.set(instance.instanceId, instance);
    },
    async execute(workflow, input, name) {
      executions += 1;
      // One set of dependencies per execution, as one warm Function Compute instance would hold.
      const stepDeps = deps();
      return runFlow(await deployed(workflow), input, {
        functions: packaged ?? taskFunctions(() => stepDeps),
        executionName: name ?? `bed-${workflow}-${executions}`,
        waitMs: 10,
        startExecution: async (flowName, executionName, childInput) => {
          // FNF:StartExecution: through the fake CloudFlow API, as the service would.
          const answer = await clients.cloudFlow.call('StartExecution', {
            FlowName: flowName,
            ...(executionName === undefined ? {} : { ExecutionName: executionName }),
            Input: JSON.stringify(childInput),
          });
          return { flowName, executionName: String(answer.Name) };
        },
      }).catch((error: unknown) => error);
    },
    async started() {
      return flows.executions.map((execution) => Object.assign(execution, { result: results.get(execution)! }));
    },
    triggerDeps: () => ({
      clients,
      region: FAKE_REGION,
      specs: state,
      specBucket: BUCKET,
      clusterTag: 'brokerlink:cluster',
      log,
    }),
    deps,
    nlbChanges: () =>
      fake.gateway.calls
        .filter((call) => call.product === 'Nlb' || call.version === '2022-04-30')
        .map((call) => call.action)
        .filter((action) => !/^(List|Get|Describe)/.test(action)),
    async close() {
      closed = true;
      clearInterval(timer);
      await Promise.allSettled([...results.values()]);
      await forwarder?.close().catch(() => undefined);
      await fake.close().catch(() => undefined);
      await oss.close().catch(() => undefined);
      await lab.close();
    },
  };
  // CloudFlow runs what is started on it (triggers, drift repair): the same deployed files.
  flows.onStart = (execution) => {
    const workflow: WorkflowName = execution.flowName === fdlFlowName('provision') ? 'provision' : 'drift-check';
    const result = bed.execute(workflow, execution.input, execution.name).then((output) => {
      execution.status = output instanceof Error ? 'Failed' : 'Succeeded';
      execution.output = output;
      return output;
    });
    results.set(execution, result);
  };
  await bed.pushSpec(current);
  return bed;
}
