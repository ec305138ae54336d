/*
 * The Google Cloud test bed: the deployed files run end to end. What is real here:
 *  - the Workflows files (statemachines/*.workflows.yaml, generated from the flow contract) executed by the
 *    interpreter of testkit/workflows/ (the independent emulator cannot be fetched: the Go proxy refuses it);
 *  - the Cloud Functions (functions/gcp/register.ts, the same registration as the entry module) served by the
 *    functions framework's own server over HTTP, called by the workflow's `http.post` with an OIDC bearer token,
 *    and the Eventarc trigger receiving a CloudEvent over HTTP;
 *  - the GCP adapters over the real @google-cloud clients (compute v7 REST, storage, workflows);
 *  - on every broker "VM": the metadata agent (bash + curl, shared/providers/gcp/agent/) watching its fake metadata
 *    server with wait_for_change, running the real brokerlink-writer.sh on a real server.properties at the seed's
 *    path /home/kafka/config/server.properties, and `systemctl restart -- kafka.service` — each agent in a user +
 *    mount namespace of its own (unshare), where /home/kafka/config is that VM's directory, as on separate VMs;
 *  - Kafka protocol bytes over TCP: Kafka-protocol test brokers (testkit/kafka) that re-read their file at every
 *    start, health gates and verification through the PSC path.
 * What is FAKE, because no Google Cloud project exists here: Compute Engine and Cloud Storage (stateful fakes that
 * enforce the documented rules), the Workflow Executions API, the VMs' metadata servers, the PSC data plane (a
 * stand-in that forwards each client port to the VM:port its NEG endpoint names, following the fake NEG), and
 * systemd (a `systemctl` that asks the VM's test broker to restart).
 * Time: one virtual clock for the functions, the fakes and the workflow's `sys.sleep` (a sleep first lets the
 * agents finish what they were asked, then moves the clock), so a roll takes seconds, not minutes.
 * Addresses: every host of a bed is 127.0.2.<base + n> (the GCP block): brokers base+1…, fakes base+40, the
 * functions base+41, the PSC endpoint base+50. Test files pass distinct bases.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { stringify } from 'yaml';
import { FUNCTIONS } from '../../deploy/gcp/functions.ts';
import { createGcpStepDeps, createGcpTriggerDeps } from '../../functions/gcp/deps.ts';
import { registerGcpFunctions } from '../../functions/gcp/register.ts';
import { createExecutionsClient } from '../../shared/providers/gcp/clients.ts';
import { ledgerObjectName } from '../../shared/providers/gcp/ledger.ts';
import { COMMAND_KEY, GUEST_NAMESPACE } from '../../shared/providers/gcp/metadata-command.ts';
import { pscNames } from '../../shared/providers/gcp/psc.ts';
import { FAKE_TOKEN } from '../../shared/providers/gcp/testing/fake-compute.ts';
import { FakeMetadataServer } from '../../shared/providers/gcp/testing/fake-metadata-server.ts';
import {
  type FakeExecution,
  FakeWorkflowExecutions,
} from '../../shared/providers/gcp/testing/fake-workflow-executions.ts';
import { PscPortMappingStandIn } from '../../shared/providers/gcp/testing/psc-stand-in.ts';
import {
  FAKE_PROJECT,
  FAKE_REGION,
  type FakeGcp,
  STATE_BUCKET,
  startFakeGcp,
} from '../../shared/providers/gcp/testing/world.ts';
import type { ClusterSpecInput } from '../../shared/spec/schema.ts';
import { startTestBroker, type TestBroker } from '../../testkit/kafka/broker.ts';
import { TestCluster } from '../../testkit/kafka/cluster.ts';
import { RESTART_SCRIPT_URL, type RestartControl, startRestartControl } from '../../testkit/kafka/control.ts';
import {
  type ExecutionResult,
  execute,
  fetchHttp,
  type HttpRequest,
  loadWorkflow,
  type Value,
} from '../../testkit/workflows/interpreter.ts';

export const CLUSTER = 'orders';
/** Where server.properties is on every broker VM, as in the runbook (~kafka/config/server.properties). */
export const PROPERTIES_PATH = '/home/kafka/config/server.properties';
const INSTALL = fileURLToPath(new URL('../../shared/providers/gcp/agent/install.sh', import.meta.url));
const WRITER = fileURLToPath(new URL('../../shared/broker-writer/brokerlink-writer.sh', import.meta.url));
const RESTART_TESTBROKER = fileURLToPath(RESTART_SCRIPT_URL);
const WORKFLOW_FILES = {
  provision: new URL('../../statemachines/provision.workflows.yaml', import.meta.url),
  'drift-check': new URL('../../statemachines/drift-check.workflows.yaml', import.meta.url),
} as const;
export type WorkflowName = keyof typeof WORKFLOW_FILES;

export interface BedOptions {
  /** The bed's hosts are 127.0.2.<base + n>; files running at the same time need bases 60 apart. */
  base: number;
  brokers?: number;
  drift?: 'report' | 'repair';
  rollout?: { healthyChecks?: number; healthTimeoutSeconds?: number; canRollTimeoutSeconds?: number };
}

export interface BedVm {
  nodeId: number;
  name: string;
  zone: string;
  /** `zone/name`. */
  instanceId: string;
  host: string;
  /** The VM's /home/kafka/config, on this machine. */
  configDir: string;
  kafka: TestBroker;
  control: RestartControl;
  metadata: FakeMetadataServer;
  agent: ChildProcess;
  agentErrors: string[];
}

export interface StartedRun {
  execution: FakeExecution;
  result: Promise<ExecutionResult>;
}

export class GcpBed {
  readonly gcp: FakeGcp;
  readonly executions: FakeWorkflowExecutions;
  readonly cluster = new TestCluster({ catchUpDelayMs: 0, defaultMinInsyncReplicas: 2 });
  readonly vms = new Map<number, BedVm>();
  readonly logs: string[] = [];
  /** Executions the Executions API was asked to start (triggers, drift repair), each run in the interpreter. */
  readonly started: StartedRun[] = [];
  /** Requests the functions received: path and whether they carried an OIDC token for their own URL. */
  readonly calls: { path: string; authorized: boolean }[] = [];
  readonly options: Required<Omit<BedOptions, 'rollout'>> & Pick<BedOptions, 'rollout'>;
  readonly dir: string;
  /** The virtual clock (ms) the functions, the fakes and the workflow's sleeps share. */
  readonly #time: { ms: number };
  #router: Server | undefined;
  #functionsUrl = '';
  #executionsUrl = '';
  #standIn: PscPortMappingStandIn | undefined;
  #runs = 0;
  #closed = false;

  private constructor(
    dir: string,
    time: { ms: number },
    gcp: FakeGcp,
    executions: FakeWorkflowExecutions,
    options: BedOptions,
  ) {
    this.dir = dir;
    this.#time = time;
    this.gcp = gcp;
    this.executions = executions;
    this.options = { brokers: 3, drift: 'report', ...options };
  }

  static async start(options: BedOptions): Promise<GcpBed> {
    const dir = await mkdtemp(join(tmpdir(), 'brokerlink-gcp-bed-'));
    // Each VM's agent sees a /home of its own (a tmpfs): the bed's files must live elsewhere.
    if (dir.startsWith('/home/'))
      throw new Error(`the GCP bed needs a temp dir outside /home, got ${dir} (set TMPDIR)`);
    let bed: GcpBed | undefined;
    try {
      const fakesHost = hostAt(options.base + 40);
      const time = { ms: Date.parse('2026-06-01T10:00:00.000Z') };
      const gcp = await startFakeGcp({ host: fakesHost, compute: { now: () => time.ms } });
      const executions = new FakeWorkflowExecutions({
        token: FAKE_TOKEN,
        host: fakesHost,
        workflows: ['brokerlink-provision', 'brokerlink-drift-check'],
      });
      bed = new GcpBed(dir, time, gcp, executions, options);
      const b = bed;
      // The brokers' subnetwork is the bed's loopback block: a VM's nic0 address is where its test broker listens.
      gcp.state.subnetworks.get('brokers-subnet')!.ipCidrRange = '127.0.2.0/24';
      const exec = await executions.start();
      b.#executionsUrl = `http://${exec.host}:${exec.port}/v1`;
      executions.onCreate = (execution) => b.#runStarted(execution);
      await b.#serveFunctions(hostAt(options.base + 41), exec);
      b.#standIn = new PscPortMappingStandIn({
        state: gcp.state,
        neg: pscNames(CLUSTER).neg,
        host: b.pscEndpoint,
        resolve: ({ networkIP, port }) => ({ host: networkIP, port }),
      });
      await b.#standIn.start();
      await installAgent(dir);
      for (let id = 1; id <= b.options.brokers; id++) await b.addVm(id);
      b.cluster.createTopic('orders-events', 6, { replicationFactor: 3, minInsyncReplicas: 2 });
      b.storeSpec();
      return b;
    } catch (error) {
      await bed?.close();
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The PSC endpoint consumers (and verification) connect to. */
  get pscEndpoint(): string {
    return hostAt(this.options.base + 50);
  }

  hostOf(nodeId: number): string {
    return hostAt(this.options.base + nodeId);
  }

  now(): Date {
    return new Date(this.#time.ms);
  }

  // ------------------------------------------------------------------------------------------ spec

  specInput(): ClusterSpecInput {
    const voters = [1, 2, 3].map((id) => `${this.hostOf(id)}:9092`);
    return {
      cluster: CLUSTER,
      provider: {
        gcp: {
          project: FAKE_PROJECT,
          region: FAKE_REGION,
          network: 'kafka-vpc',
          subnetwork: 'brokers-subnet',
          privateServiceConnect: {
            natSubnetwork: 'psc-subnet',
            consumerAcceptList: [{ project: 'tidbcloud-prod-000', connectionLimit: 10 }],
            verifyAddress: this.pscEndpoint,
          },
          firewallTarget: { networkTag: 'kafka-broker' },
        },
      },
      brokers: {
        discover: { tags: { 'brokerlink-cluster': CLUSTER }, nodeIdTag: 'kafka-node-id' },
        propertiesPath: PROPERTIES_PATH,
        restart: { systemdUnit: 'kafka.service' },
      },
      kafka: { bootstrap: voters, requestTimeoutMs: 2_000 },
      exposures: [
        {
          listener: 'EXTERNAL',
          brokerPort: 39092,
          brokerPorts: { from: 9093, to: 9110 },
          advertisedListenerPattern: '<broker_id>.abc.us-west1.gcp.3199745.tidbcloud.com:<port>',
        },
      ],
      drift: { action: this.options.drift },
      rollout: {
        healthyChecks: this.options.rollout?.healthyChecks ?? 2,
        healthTimeoutSeconds: this.options.rollout?.healthTimeoutSeconds ?? 60,
        canRollTimeoutSeconds: this.options.rollout?.canRollTimeoutSeconds ?? 60,
      },
    } as ClusterSpecInput;
  }

  /** Writes the spec where the functions read it (as `brokerlink push-spec` / `gcloud storage cp` would). */
  storeSpec(text: string = stringify(this.specInput())): void {
    this.gcp.storage.put(STATE_BUCKET, `specs/${CLUSTER}.yaml`, text, 'application/yaml');
  }

  // ------------------------------------------------------------------------------------------ VMs

  /** A broker VM as the runbook sets it up: labels, nic0 in the brokers' subnet, Kafka running the seed's file. */
  async addVm(nodeId: number): Promise<BedVm> {
    const host = this.hostOf(nodeId);
    const vm = this.gcp.addBroker(CLUSTER, nodeId, { ip: host });
    const configDir = join(this.dir, 'vms', String(nodeId), 'config');
    await mkdir(configDir, { recursive: true });
    const file = join(configDir, 'server.properties');
    await writeFile(file, this.seedProperties(nodeId));
    const kafka = await startTestBroker({ propertiesPath: file, cluster: this.cluster, hostAddress: host });
    const control = await startRestartControl({ broker: kafka, propertiesPath: file });
    const metadata = new FakeMetadataServer(this.gcp.state, vm.name, { host: hostAt(this.options.base + 40) });
    const url = await metadata.start();
    const agentErrors: string[] = [];
    const agent = startAgent({
      root: join(this.dir, 'root'),
      configDir,
      stateDir: join(this.dir, 'vms', String(nodeId), 'agent-state'),
      metadataUrl: url,
      errors: agentErrors,
    });
    const bedVm: BedVm = { nodeId, ...vm, host, configDir, kafka, control, metadata, agent, agentErrors };
    this.vms.set(nodeId, bedVm);
    return bedVm;
  }

  /** The seed runbook's server.properties before brokerlink: INTERNAL and CONTROLLER listeners, no EXTERNAL. */
  seedProperties(nodeId: number): string {
    const voter = nodeId <= 3;
    return [
      `# broker-node${nodeId} ~/config/server.properties`,
      voter ? 'process.roles=broker,controller' : 'process.roles=broker',
      `node.id=${nodeId}`,
      `controller.quorum.voters=${[1, 2, 3].map((id) => `${id}@${this.hostOf(id)}:29092`).join(',')}`,
      voter ? 'listeners=INTERNAL://0.0.0.0:9092,CONTROLLER://0.0.0.0:29092' : 'listeners=INTERNAL://0.0.0.0:9092',
      'inter.broker.listener.name=INTERNAL',
      `advertised.listeners=INTERNAL://${this.hostOf(nodeId)}:9092`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'log.dirs=/home/kafka/data',
      '',
    ].join('\n');
  }

  fileText(nodeId: number): Promise<string> {
    return readFile(join(this.vms.get(nodeId)!.configDir, 'server.properties'), 'utf8');
  }

  async writeFileText(nodeId: number, text: string): Promise<void> {
    await writeFile(join(this.vms.get(nodeId)!.configDir, 'server.properties'), text);
  }

  restarts(): Record<number, number> {
    return Object.fromEntries([...this.vms.values()].map((vm) => [vm.nodeId, vm.control.restarts]));
  }

  /** Restarts a broker as an operator would on the VM (`systemctl restart kafka`), outside brokerlink. */
  async restartByHand(nodeId: number): Promise<void> {
    const vm = this.vms.get(nodeId)!;
    await new Promise<void>((resolve, reject) =>
      execFile(RESTART_TESTBROKER, [join(vm.configDir, 'server.properties')], { timeout: 30_000 }, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    await this.cluster.waitFor((c) => c.inAllIsrs(nodeId), { timeoutMs: 10_000, what: `broker ${nodeId} back` });
  }

  // ------------------------------------------------------------------------------------------ runs

  /** Runs a deployed workflow file with `argument`, as `gcloud workflows run --data` would. */
  async run(workflow: WorkflowName, argument: Value): Promise<ExecutionResult> {
    this.#runs += 1;
    return this.#execute(workflow, argument, `exec-${workflow}-${this.#runs}`);
  }

  /** Waits for every execution started through the Executions API so far (and those they start). */
  async settleStarted(): Promise<ExecutionResult[]> {
    const results: ExecutionResult[] = [];
    for (let i = 0; i < this.started.length; i++) results.push(await this.started[i]!.result);
    return results;
  }

  /** Delivers a CloudEvent to a trigger function over HTTP, in binary content mode as Eventarc does. */
  async deliver(functionName: string, event: Record<string, unknown>): Promise<Response> {
    const { data, ...attributes } = event;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      authorization: `Bearer ${FAKE_TOKEN}`,
      'ce-specversion': '1.0',
    };
    for (const [key, value] of Object.entries(attributes)) headers[`ce-${key}`] = String(value);
    return fetch(`${this.#functionsUrl}/${functionName}`, { method: 'POST', headers, body: JSON.stringify(data) });
  }

  /** The audit log entry Eventarc delivers when `compute.instances.insert` of `vm` finished. */
  insertEvent(vm: { name: string; zone: string }, id = `insert-${vm.name}`): Record<string, unknown> {
    return {
      id,
      source: `//cloudaudit.googleapis.com/projects/${FAKE_PROJECT}/logs/activity`,
      type: 'google.cloud.audit.log.v1.written',
      subject: `compute.googleapis.com/projects/${FAKE_PROJECT}/zones/${vm.zone}/instances/${vm.name}`,
      time: this.now().toISOString(),
      data: {
        protoPayload: {
          serviceName: 'compute.googleapis.com',
          methodName: 'v1.compute.instances.insert',
          resourceName: `projects/${FAKE_PROJECT}/zones/${vm.zone}/instances/${vm.name}`,
        },
        operation: { id: `operation-${id}`, producer: 'compute.googleapis.com', last: true },
      },
    };
  }

  /**
   * Everything brokerlink could change, serialised: the fake Compute resources (NEGs and endpoints, backend
   * services, forwarding rules, service attachments, firewall rules, instances with their metadata), the state
   * bucket's objects with their generations, and every VM's server.properties. `commands: false` leaves out what
   * the command channel itself leaves behind: on Compute Engine even a read is a metadata write (the last command
   * stays in its key, with a new fingerprint, after a zone operation).
   */
  async snapshot(options: { commands?: boolean } = {}): Promise<string> {
    const commands = options.commands ?? true;
    const s = this.gcp.state;
    const files: Record<string, string> = {};
    for (const id of this.vms.keys()) files[id] = await this.fileText(id);
    return JSON.stringify({
      negs: [...s.negs.values()],
      backendServices: [...s.backendServices],
      forwardingRules: [...s.forwardingRules],
      serviceAttachments: [...s.serviceAttachments],
      firewalls: [...s.firewalls],
      operations: commands
        ? s.operations.size
        : [...s.operations.values()].filter((o) => o.scope.kind !== 'zone').length,
      instances: [...s.instances.values()].map((i) => ({
        name: i.name,
        labels: i.labels,
        ...(commands ? { fingerprint: i.metadata.fingerprint } : {}),
        metadata: [...i.metadata.items].filter(([key]) => commands || key !== COMMAND_KEY),
      })),
      objects: [...this.gcp.storage.buckets.get(STATE_BUCKET)!.values()].map((o) => [
        o.name,
        o.generation,
        o.data.toString('base64'),
      ]),
      files,
    });
  }

  /** The ledger object's entries. */
  async ledger(): Promise<{ port: number; brokerId?: number; retiredAt?: string }[]> {
    const object = this.gcp.storage.read(STATE_BUCKET, ledgerObjectName(CLUSTER));
    return object === undefined ? [] : JSON.parse(object.data.toString()).entries;
  }

  /** The NEG's endpoints as `clientPort → vm-name:port`, by client port (the NEG keeps attach order). */
  endpoints(): string[] {
    return (this.gcp.state.negs.get(pscNames(CLUSTER).neg)?.endpoints ?? [])
      .toSorted((a, b) => a.clientDestinationPort - b.clientDestinationPort)
      .map((e) => `${e.clientDestinationPort}→${e.instance.split('/').pop()}:${e.port}`);
  }

  /** Detaches the endpoint at a client port as a person would (gcloud … detach-network-endpoints), to its end. */
  async detachByHand(clientPort: number): Promise<void> {
    const endpoint = this.gcp.state.negs
      .get(pscNames(CLUSTER).neg)!
      .endpoints.find((e) => e.clientDestinationPort === clientPort)!;
    const [operation] = await this.gcp.clients.networkEndpointGroups.detachNetworkEndpoints({
      project: FAKE_PROJECT,
      region: FAKE_REGION,
      networkEndpointGroup: pscNames(CLUSTER).neg,
      regionNetworkEndpointGroupsDetachEndpointsRequestResource: { networkEndpoints: [{ ...endpoint }] },
    });
    const name = (operation.latestResponse as { name: string }).name;
    for (let i = 0; i < 10; i++) {
      const [op] = await this.gcp.clients.regionOperations.get({
        project: FAKE_PROJECT,
        region: FAKE_REGION,
        operation: name,
      });
      if (op.status === 'DONE') return;
    }
    throw new Error(`detach of client port ${clientPort} never finished`);
  }

  lockObject(): unknown {
    return this.gcp.storage.read(STATE_BUCKET, `locks/${CLUSTER}.json`);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const vm of this.vms.values()) {
      stopAgent(vm.agent);
      await vm.metadata.stop().catch(() => undefined);
      await vm.control.close().catch(() => undefined);
      await vm.kafka.close().catch(() => undefined);
    }
    await this.#standIn?.stop().catch(() => undefined);
    const router = this.#router;
    if (router !== undefined) await new Promise<void>((resolve) => router.close(() => resolve()));
    await this.executions.stop().catch(() => undefined);
    await this.gcp.close().catch(() => undefined);
    this.cluster.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  // ------------------------------------------------------------------------------------------ internals

  /** The functions behind one address, as https://REGION-PROJECT.cloudfunctions.net/NAME is (Cloud Run checks the token). */
  async #serveFunctions(host: string, exec: { host: string; port: number }): Promise<void> {
    const write = (line: string) => this.logs.push(line);
    const executionsClient = createExecutionsClient({ endpoint: { ...exec, token: FAKE_TOKEN } });
    registerGcpFunctions({
      steps: createGcpStepDeps(
        { compute: this.gcp.clients, bucket: this.gcp.bucket },
        { project: FAKE_PROJECT, clock: { now: () => this.now() }, write },
      ),
      triggers: createGcpTriggerDeps(
        { compute: this.gcp.clients, bucket: this.gcp.bucket, executions: executionsClient },
        { project: FAKE_PROJECT, location: FAKE_REGION, bucketName: STATE_BUCKET, write },
      ),
      write,
    });
    const servers = new Map(FUNCTIONS.map((fn) => [fn.name, getTestServer(fn.entryPoint)]));
    const router = createServer((req, res) => {
      const name = (req.url ?? '').split('?')[0]!.slice(1);
      const target = servers.get(name);
      const url = `${this.#functionsUrl}/${name}`;
      const authorized =
        bearerAudience(req.headers.authorization) === url || req.headers.authorization === `Bearer ${FAKE_TOKEN}`;
      this.calls.push({ path: name, authorized });
      if (target === undefined) {
        res.writeHead(404).end();
        return;
      }
      if (!authorized) {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized: no token for this function');
        return;
      }
      // The PSC data plane follows the NEG: let it catch up before a verification connects through it.
      void (this.#standIn?.sync() ?? Promise.resolve()).then(() => target.emit('request', req, res));
    });
    await new Promise<void>((resolve, reject) => {
      router.once('error', reject);
      router.listen(0, host, () => resolve());
    });
    this.#router = router;
    router.on('close', () => void executionsClient.close());
    this.#functionsUrl = `http://${host}:${(router.address() as AddressInfo).port}`;
  }

  #execute(workflow: WorkflowName, argument: Value, executionId: string): Promise<ExecutionResult> {
    return readFile(WORKFLOW_FILES[workflow], 'utf8').then((text) =>
      execute(loadWorkflow(text), argument, {
        env: {
          BROKERLINK_FUNCTIONS_URL: this.#functionsUrl,
          BROKERLINK_EXECUTIONS_API: this.#executionsUrl,
          GOOGLE_CLOUD_PROJECT_ID: FAKE_PROJECT,
          GOOGLE_CLOUD_LOCATION: FAKE_REGION,
          GOOGLE_CLOUD_WORKFLOW_ID: `brokerlink-${workflow}`,
          GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID: executionId,
        },
        http: (request) => this.#http(request),
        sleep: (seconds) => this.#sleep(seconds),
        now: () => this.#time.ms,
      }),
    );
  }

  /** http.* of the workflow: OIDC as the interpreter sends it; OAuth2 (the Executions API) with the fake's token. */
  #http(request: HttpRequest) {
    if (request.auth?.type === 'OAuth2') {
      return fetchHttp({
        ...request,
        auth: undefined,
        headers: { ...request.headers, authorization: `Bearer ${FAKE_TOKEN}` },
      });
    }
    return fetchHttp(request);
  }

  /** A `sys.sleep`: the VMs' agents finish what they were asked first, then the clock moves on. */
  async #sleep(seconds: number): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && !this.#agentsIdle()) await sleep(10);
    await this.#standIn?.sync();
    this.#time.ms += seconds * 1000;
    await sleep(5);
  }

  #agentsIdle(): boolean {
    for (const vm of this.vms.values()) {
      const instance = this.gcp.state.instances.get(vm.name);
      const command = instance?.metadata.items.get(COMMAND_KEY);
      if (command === undefined) continue;
      const id = /^id=(.+)$/m.exec(command)?.[1];
      const result = instance!.guestAttributes.get(`${GUEST_NAMESPACE}/result`) ?? '';
      if (!result.startsWith(`id=${id} `) || result.includes('state=running')) return false;
    }
    return true;
  }

  #runStarted(execution: FakeExecution): void {
    const workflow = execution.workflow.replace(/^brokerlink-/, '') as WorkflowName;
    const id = execution.name.split('/').pop()!;
    const result = this.#execute(workflow, execution.argument as Value, id).then((done) => {
      execution.state = done.state;
      return done;
    });
    this.started.push({ execution, result });
  }
}

function hostAt(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 254) throw new Error(`bed host 127.0.2.${n} is outside 127.0.2.0/24`);
  return `127.0.2.${n}`;
}

/** The audience of an (unsigned, local) OIDC token, or null. */
function bearerAudience(header: string | undefined): string | null {
  const token = /^Bearer (.+)$/.exec(header ?? '')?.[1];
  const payload = token?.split('.')[1];
  if (payload === undefined) return null;
  try {
    return (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { aud?: string }).aud ?? null;
  } catch {
    return null;
  }
}

/** The VM's systemd for the one unit the spec names: restarts that VM's test broker (its control port). */
function systemctlScript(): string {
  return [
    '#!/usr/bin/env bash',
    "# The bed VM's systemctl: only `systemctl restart -- kafka.service`, which restarts this VM's test broker.",
    'set -euo pipefail',
    'if [[ "$#" -ne 3 || "$1" != restart || "$2" != -- || "$3" != kafka.service ]]; then',
    '  echo "Failed to restart: unit not found (systemctl $*)" >&2',
    '  exit 5',
    'fi',
    `exec ${RESTART_TESTBROKER} ${PROPERTIES_PATH}`,
    '',
  ].join('\n');
}

/**
 * The agent as a VM has it after `install.sh` (run with BROKERLINK_PREFIX, the script's own switch for a scratch
 * root): agent and writer under <root>/usr/local/lib/brokerlink/; plus the bed's systemctl in <root>/usr/bin.
 */
async function installAgent(dir: string): Promise<void> {
  const root = join(dir, 'root');
  await new Promise<void>((resolve, reject) =>
    execFile(
      'bash',
      [INSTALL, WRITER],
      { env: { ...process.env, BROKERLINK_PREFIX: root }, timeout: 30_000 },
      (error, _out, err) => (error ? reject(new Error(`install.sh failed: ${err}`, { cause: error })) : resolve()),
    ),
  );
  await mkdir(join(root, 'usr', 'bin'), { recursive: true });
  await writeFile(join(root, 'usr', 'bin', 'systemctl'), systemctlScript(), { mode: 0o755 });
}

/**
 * The metadata agent of one VM, started as its systemd unit starts it (the unit's ExecStart and Environment), in a
 * user + mount namespace where /home/kafka/config is this VM's directory (a tmpfs /home, then a bind mount): every
 * VM has the file at the same path, as separate machines do. Bounded in time (`timeout`); stopAgent kills its
 * process group.
 */
function startAgent(options: {
  root: string;
  configDir: string;
  stateDir: string;
  metadataUrl: string;
  errors: string[];
}): ChildProcess {
  const lib = join(options.root, 'usr', 'local', 'lib', 'brokerlink');
  const setup =
    'mount -t tmpfs bed-home /home && mkdir -p /home/kafka/config && mount --bind "$1" /home/kafka/config && exec "$2"';
  const child = spawn(
    'timeout',
    [
      '600',
      'unshare',
      '--user',
      '--map-root-user',
      '--mount',
      '--',
      'bash',
      '-c',
      setup,
      'bed-vm',
      options.configDir,
      join(lib, 'brokerlink-metadata-agent.sh'),
    ],
    {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        PATH: `${join(options.root, 'usr', 'bin')}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
        BROKERLINK_METADATA_URL: options.metadataUrl,
        BROKERLINK_WRITER: join(lib, 'brokerlink-writer.sh'),
        BROKERLINK_STATE_DIR: options.stateDir,
        BROKERLINK_WAIT_SECONDS: '5',
      },
    },
  );
  child.stderr!.on('data', (chunk: Buffer) => {
    if (options.errors.length < 200) options.errors.push(chunk.toString('utf8'));
  });
  return child;
}

function stopAgent(agent: ChildProcess): void {
  if (agent.pid === undefined || agent.exitCode !== null) return;
  try {
    process.kill(-agent.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
