/**
 * TEST FAKE — a Kafka-protocol test broker (no real Kafka broker can run here). It reads a real server.properties,
 * binds every listener on loopback, speaks real Kafka protocol bytes (see protocol.ts for the APIs and versions) with
 * TLS and SASL (PLAIN, SCRAM-SHA-256/512) where the listener's security protocol asks for them, and answers from a
 * shared, stateful TestCluster. Answers are listener-aware like Kafka's: Metadata and DescribeCluster list every live
 * broker with its advertised endpoint of the listener the request arrived on.
 *
 * A restart re-reads server.properties (that is how a config push takes effect); while stopped or restarting the
 * broker is fenced from the cluster and its ports refuse connections.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { BrokerRegistration, Endpoint, PartitionState, TestCluster, TopicState } from './cluster.ts';
import { Reader } from './codec.ts';
import { BrokerStartFailed, ProtocolViolation } from './errors.ts';
import { type BrokerProperties, readBrokerProperties, type SecurityProtocol } from './properties.ts';
import {
  ApiKeys,
  type BrokerEndpoint,
  type ConfigEntry,
  ConfigSources,
  ConfigTypes,
  type DescribeConfigsResult,
  decodeApiVersionsRequest,
  decodeDescribeClusterRequest,
  decodeDescribeConfigsRequest,
  decodeDescribeQuorumRequest,
  decodeFetchRequest,
  decodeListOffsetsRequest,
  decodeMetadataRequest,
  decodeProduceRequest,
  decodeRequestHeader,
  decodeSaslAuthenticateRequest,
  decodeSaslHandshakeRequest,
  EndpointTypes,
  ErrorCodes,
  encodeApiVersionsResponse,
  encodeDescribeClusterResponse,
  encodeDescribeConfigsResponse,
  encodeDescribeQuorumResponse,
  encodeFetchResponse,
  encodeListOffsetsResponse,
  encodeMetadataResponse,
  encodeProduceResponse,
  encodeSaslAuthenticateResponse,
  encodeSaslHandshakeResponse,
  type FetchPartitionResult,
  FrameSplitter,
  frameResponse,
  type MetadataTopic,
  type RequestHeader,
  ResourceTypes,
  responseHeaderVersion,
  SUPPORTED_APIS,
} from './protocol.ts';
import {
  createSaslServer,
  SASL_MECHANISMS,
  SaslAuthenticationFailed,
  type SaslMechanism,
  type SaslServer,
  type ScramCredential,
  scramCredential,
} from './sasl.ts';

export interface TestBrokerTls {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA for client certificates when requestCert is set. */
  ca?: string | Buffer;
  requestCert?: boolean;
}

export interface TestBrokerSasl {
  /** username → password; used for PLAIN and to derive SCRAM credentials. */
  users: Record<string, string>;
  /** Enabled mechanisms (sasl.enabled.mechanisms); default all three. */
  mechanisms?: SaslMechanism[];
}

export interface TestBrokerOptions {
  propertiesPath: string;
  cluster: TestCluster;
  tls?: TestBrokerTls;
  sasl?: TestBrokerSasl;
  /** How long restart() stays down before starting again (a slow JVM restart). */
  restartDelayMs?: number;
  /**
   * The address of the "host" this broker plays (a loopback address such as 127.0.0.11). A wildcard listener
   * (`0.0.0.0`, `::`, empty) binds and advertises it, as on a VM; several brokers can then share one machine
   * with the same listener ports. Default 127.0.0.1.
   */
  hostAddress?: string;
}

export interface TestBroker {
  readonly nodeId: number;
  /** Bound port per listener name (normalised upper case). Empty while stopped. */
  readonly ports: Record<string, number>;
  /** Process up and listeners bound (it may still be unregistered, see TestCluster.neverHealthy). */
  readonly running: boolean;
  /** The server.properties read at the last start. */
  readonly properties: BrokerProperties;
  stop(): Promise<void>;
  /** Re-reads server.properties, binds listeners, registers with the cluster. */
  start(): Promise<void>;
  restart(options?: { delayMs?: number }): Promise<void>;
  close(): Promise<void>;
}

interface ListenerRuntime {
  name: string;
  protocol: SecurityProtocol;
  isController: boolean;
  server: net.Server;
  port: number;
}

interface ConnState {
  listener: ListenerRuntime;
  sasl: 'none' | 'handshake' | 'authenticate' | 'authenticated';
  saslServer: SaslServer | null;
  close: boolean;
}

const LOOPBACK = '127.0.0.1';

/** A wildcard listener host stands for the host's own address, for binding and advertising alike. */
function concreteHost(host: string, hostAddress: string = LOOPBACK): string {
  return host === '' || host === '0.0.0.0' || host === '::' ? hostAddress : host;
}

export async function startTestBroker(options: TestBrokerOptions): Promise<TestBroker> {
  const broker = new Broker(options);
  await broker.start();
  return broker;
}

class Broker implements TestBroker {
  private props!: BrokerProperties;
  private listeners: ListenerRuntime[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly boundPorts = new Map<string, number>();
  private registration: BrokerRegistration | null = null;
  private closed = false;
  private restartTimer: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  private readonly users: Map<string, string>;
  private readonly scramCache = new Map<string, ScramCredential>();
  private readonly mechanisms: SaslMechanism[];
  private readonly options: TestBrokerOptions;

  constructor(options: TestBrokerOptions) {
    this.options = options;
    this.users = new Map(Object.entries(options.sasl?.users ?? {}));
    this.mechanisms = options.sasl?.mechanisms ?? [...SASL_MECHANISMS];
  }

  get nodeId(): number {
    return this.props.nodeId;
  }
  get properties(): BrokerProperties {
    return this.props;
  }
  get running(): boolean {
    return this.listeners.length > 0;
  }
  get ports(): Record<string, number> {
    return Object.fromEntries(this.listeners.map((l) => [l.name, l.port]));
  }
  private get cluster(): TestCluster {
    return this.options.cluster;
  }

  async start(): Promise<void> {
    if (this.closed) throw new BrokerStartFailed('broker is closed');
    if (this.running) return;
    this.props = await readBrokerProperties(this.options.propertiesPath);
    const reason = this.cluster.takeStartFailure(this.props.nodeId);
    if (reason !== null) throw new BrokerStartFailed(`broker ${this.props.nodeId} failed to start: ${reason}`);
    const bound: ListenerRuntime[] = [];
    try {
      for (const l of this.props.listeners) {
        const protocol = this.props.protocolMap.get(l.name)!;
        if ((protocol === 'SSL' || protocol === 'SASL_SSL') && !this.options.tls) {
          throw new BrokerStartFailed(`listener ${l.name} is ${protocol} but no tls cert/key was given`);
        }
        if ((protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') && !this.options.sasl) {
          throw new BrokerStartFailed(`listener ${l.name} is ${protocol} but no sasl users were given`);
        }
        const port = l.port === 0 ? (this.boundPorts.get(l.name) ?? 0) : l.port;
        bound.push(await this.bind(l.name, protocol, concreteHost(l.host, this.options.hostAddress), port));
      }
    } catch (err) {
      await Promise.all(bound.map((b) => closeServer(b.server)));
      if (err instanceof BrokerStartFailed) throw err;
      throw new BrokerStartFailed(`broker ${this.props.nodeId} cannot bind its listeners`, { cause: err });
    }
    this.listeners = bound;
    for (const l of bound) this.boundPorts.set(l.name, l.port);
    this.registration = this.buildRegistration();
    if (!this.cluster.register(this.registration)) this.registration = null;
  }

  private buildRegistration(): BrokerRegistration {
    const advertised = this.props.advertisedListeners ?? this.props.listeners;
    const endpoints = new Map<string, Endpoint>();
    const controllerEndpoints = new Map<string, Endpoint>();
    const controllerNames = new Set(this.props.controllerListenerNames);
    for (const a of advertised) {
      const port = a.port === 0 ? (this.boundPorts.get(a.name) ?? 0) : a.port;
      const ep = { host: concreteHost(a.host, this.options.hostAddress), port };
      if (controllerNames.has(a.name)) controllerEndpoints.set(a.name, ep);
      else endpoints.set(a.name, ep);
    }
    for (const l of this.listeners) {
      if (l.isController && !controllerEndpoints.has(l.name)) {
        const def = this.props.listeners.find((x) => x.name === l.name)!;
        controllerEndpoints.set(l.name, { host: concreteHost(def.host, this.options.hostAddress), port: l.port });
      }
    }
    return {
      nodeId: this.props.nodeId,
      rack: this.props.rack,
      roles: this.props.roles,
      endpoints,
      controllerEndpoints,
    };
  }

  private bind(name: string, protocol: SecurityProtocol, host: string, port: number): Promise<ListenerRuntime> {
    const useTls = protocol === 'SSL' || protocol === 'SASL_SSL';
    const server: net.Server = useTls
      ? tls.createServer({
          cert: this.options.tls!.cert,
          key: this.options.tls!.key,
          ca: this.options.tls!.ca,
          requestCert: this.options.tls!.requestCert ?? false,
          rejectUnauthorized: this.options.tls!.requestCert ?? false,
        })
      : net.createServer();
    const runtime: ListenerRuntime = {
      name,
      protocol,
      isController: this.props.controllerListenerNames.includes(name),
      server,
      port,
    };
    server.on(useTls ? 'secureConnection' : 'connection', (socket: net.Socket) => this.accept(runtime, socket));
    if (useTls) server.on('tlsClientError', () => {});
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        runtime.port = (server.address() as net.AddressInfo).port;
        resolve(runtime);
      });
    });
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    if (this.registration) this.cluster.unregister(this.props.nodeId);
    this.registration = null;
    const listeners = this.listeners;
    this.listeners = [];
    for (const s of this.sockets) s.destroy();
    await Promise.all(listeners.map((l) => closeServer(l.server)));
  }

  async restart(options: { delayMs?: number } = {}): Promise<void> {
    await this.stop();
    const delay = options.delayMs ?? this.options.restartDelayMs ?? 0;
    if (delay > 0) {
      await new Promise<void>((resolve) => {
        this.restartTimer = { timer: setTimeout(resolve, delay), resolve };
      });
      this.restartTimer = null;
    }
    if (this.closed) return;
    await this.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.restartTimer) {
      clearTimeout(this.restartTimer.timer);
      this.restartTimer.resolve();
    }
    await this.stop();
  }

  // ---- connections ---------------------------------------------------------------------------------------------

  private accept(listener: ListenerRuntime, socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    const saslListener = listener.protocol === 'SASL_PLAINTEXT' || listener.protocol === 'SASL_SSL';
    const state: ConnState = { listener, sasl: saslListener ? 'handshake' : 'none', saslServer: null, close: false };
    const splitter = new FrameSplitter();
    let chain: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = splitter.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        chain = chain.then(async () => {
          if (socket.destroyed || state.close) return;
          try {
            const out = await this.handle(state, frame);
            if (out && !socket.destroyed) socket.write(out);
          } catch {
            state.close = true;
          }
          if (state.close) socket.end();
        });
      }
    });
  }

  /** Handles one request frame; returns the response frame, or null for no response. Sets state.close to hang up. */
  private async handle(state: ConnState, frame: Buffer): Promise<Buffer | null> {
    if (!this.registration) {
      // Process up but not registered: like a broker whose request processing was never enabled, no answer.
      return null;
    }
    const r = new Reader(frame);
    const header = decodeRequestHeader(r);
    if (!header.known) {
      state.close = true; // Kafka closes the connection on an unknown API key.
      return null;
    }
    const offered = this.offeredApis(state.listener);
    const range = offered.find((a) => a.key === header.apiKey);
    const { apiKey, apiVersion: v } = header;

    if (apiKey === ApiKeys.ApiVersions) {
      if (!range || v < range.minVersion || v > range.maxVersion) {
        // KIP-511: answer with v0 body, UNSUPPORTED_VERSION and our ranges.
        return this.respond(
          header,
          0,
          encodeApiVersionsResponse(0, this.apiVersionsBody(offered, ErrorCodes.UNSUPPORTED_VERSION)),
        );
      }
      decodeApiVersionsRequest(r, v);
      return this.respond(header, v, encodeApiVersionsResponse(v, this.apiVersionsBody(offered, ErrorCodes.NONE)));
    }
    if (!range || v < range.minVersion || v > range.maxVersion) {
      state.close = true; // unsupported version of a non-ApiVersions request: Kafka drops the connection
      return null;
    }
    if (state.sasl === 'handshake' && apiKey !== ApiKeys.SaslHandshake) {
      state.close = true; // Kafka: unexpected request during SASL handshake → disconnect
      return null;
    }
    if (state.sasl === 'authenticate' && apiKey !== ApiKeys.SaslAuthenticate) {
      state.close = true;
      return null;
    }

    switch (apiKey) {
      case ApiKeys.SaslHandshake:
        return this.respond(header, v, this.saslHandshake(state, r));
      case ApiKeys.SaslAuthenticate:
        return this.respond(header, v, this.saslAuthenticate(state, r, v));
      case ApiKeys.Metadata:
        return this.respond(header, v, this.metadata(state, r, v));
      case ApiKeys.DescribeConfigs:
        return this.respond(header, v, this.describeConfigs(r, v));
      case ApiKeys.DescribeCluster:
        return this.respond(header, v, this.describeCluster(state, r, v));
      case ApiKeys.DescribeQuorum:
        return this.respond(header, v, this.describeQuorum(r, v));
      case ApiKeys.Produce: {
        const body = this.produce(r, v);
        return body ? this.respond(header, v, body) : null;
      }
      case ApiKeys.Fetch:
        return this.respond(header, v, await this.fetch(r, v));
      case ApiKeys.ListOffsets:
        return this.respond(header, v, this.listOffsets(r, v));
      default:
        throw new ProtocolViolation(`no handler for api key ${apiKey}`);
    }
  }

  private respond(header: RequestHeader, bodyVersion: number, body: Buffer): Buffer {
    return frameResponse(header.correlationId, responseHeaderVersion(header.apiKey, bodyVersion), body);
  }

  /** APIs offered on a listener: controller listeners get the controller set; DescribeQuorum only in KRaft. */
  private offeredApis(listener: ListenerRuntime) {
    const saslOnly = [ApiKeys.SaslHandshake, ApiKeys.SaslAuthenticate];
    const controllerSet = new Set<number>([
      ApiKeys.ApiVersions,
      ApiKeys.DescribeQuorum,
      ApiKeys.DescribeCluster,
      ApiKeys.DescribeConfigs,
      ...saslOnly,
    ]);
    // Kafka advertises SaslHandshake/SaslAuthenticate on every listener, SASL or not.
    return SUPPORTED_APIS.filter((a) => {
      if (a.key === ApiKeys.DescribeQuorum && !this.props.kraft) return false;
      return !listener.isController || controllerSet.has(a.key);
    });
  }

  private apiVersionsBody(
    offered: readonly { key: number; minVersion: number; maxVersion: number }[],
    errorCode: number,
  ) {
    return {
      errorCode,
      apiKeys: offered.map((a) => ({ apiKey: a.key, minVersion: a.minVersion, maxVersion: a.maxVersion })),
      throttleTimeMs: 0,
    };
  }

  // ---- SASL ----------------------------------------------------------------------------------------------------

  private saslHandshake(state: ConnState, r: Reader): Buffer {
    const { mechanism } = decodeSaslHandshakeRequest(r);
    if (state.sasl !== 'handshake') {
      state.close = state.sasl !== 'none';
      return encodeSaslHandshakeResponse(ErrorCodes.ILLEGAL_SASL_STATE, this.mechanisms);
    }
    if (!this.mechanisms.includes(mechanism as SaslMechanism)) {
      state.close = true;
      return encodeSaslHandshakeResponse(ErrorCodes.UNSUPPORTED_SASL_MECHANISM, this.mechanisms);
    }
    state.saslServer = createSaslServer(mechanism as SaslMechanism, this.users, (mech, user) => this.scram(mech, user));
    state.sasl = 'authenticate';
    return encodeSaslHandshakeResponse(ErrorCodes.NONE, this.mechanisms);
  }

  private scram(mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', user: string): ScramCredential | undefined {
    const password = this.users.get(user);
    if (password === undefined) return undefined;
    const key = `${mechanism}\u0000${user}`;
    let cred = this.scramCache.get(key);
    if (!cred) {
      cred = scramCredential(mechanism, password);
      this.scramCache.set(key, cred);
    }
    return cred;
  }

  private saslAuthenticate(state: ConnState, r: Reader, v: number): Buffer {
    const { authBytes } = decodeSaslAuthenticateRequest(r, v);
    if (state.sasl !== 'authenticate' || !state.saslServer) {
      state.close = true;
      return encodeSaslAuthenticateResponse(v, {
        errorCode: ErrorCodes.ILLEGAL_SASL_STATE,
        errorMessage: 'Unexpected SaslAuthenticate request',
        authBytes: Buffer.alloc(0),
        sessionLifetimeMs: 0n,
      });
    }
    try {
      const step = state.saslServer.step(authBytes);
      if (step.done) state.sasl = 'authenticated';
      return encodeSaslAuthenticateResponse(v, {
        errorCode: ErrorCodes.NONE,
        errorMessage: null,
        authBytes: step.response,
        sessionLifetimeMs: 0n,
      });
    } catch (err) {
      state.close = true;
      return encodeSaslAuthenticateResponse(v, {
        errorCode: ErrorCodes.SASL_AUTHENTICATION_FAILED,
        errorMessage: err instanceof SaslAuthenticationFailed ? err.message : 'Authentication failed',
        authBytes: Buffer.alloc(0),
        sessionLifetimeMs: 0n,
      });
    }
  }

  // ---- Metadata, DescribeCluster, DescribeQuorum --------------------------------------------------------------

  /** Live brokers' endpoints of this listener (brokers without that listener are left out, as in Kafka). */
  private brokersOn(listenerName: string): BrokerEndpoint[] {
    const out: BrokerEndpoint[] = [];
    for (const b of this.cluster.liveBrokers()) {
      const ep = b.endpoints.get(listenerName);
      if (ep) out.push({ nodeId: b.nodeId, host: ep.host, port: ep.port, rack: b.rack });
    }
    return out;
  }

  private metadata(state: ConnState, r: Reader, v: number): Buffer {
    const req = decodeMetadataRequest(r, v);
    const listenerName = state.listener.name;
    const live = new Map(this.cluster.liveBrokers().map((b) => [b.nodeId, b]));
    const describe = (t: TopicState): MetadataTopic => ({
      errorCode: ErrorCodes.NONE,
      name: t.name,
      topicId: t.topicId,
      isInternal: t.isInternal,
      partitions: t.partitions.map((p) => {
        const leader = live.get(p.leader);
        let errorCode: number = ErrorCodes.NONE;
        if (!leader) errorCode = ErrorCodes.LEADER_NOT_AVAILABLE;
        else if (!leader.endpoints.has(listenerName)) errorCode = 72; // LISTENER_NOT_FOUND
        return {
          errorCode,
          partitionIndex: p.index,
          leaderId: p.leader,
          leaderEpoch: p.leaderEpoch,
          replicaNodes: p.replicas,
          isrNodes: p.isr,
          offlineReplicas: this.cluster.offlineReplicas(p),
        };
      }),
    });
    const topics: MetadataTopic[] = [];
    if (req.topics === null) {
      for (const t of this.cluster.topics()) topics.push(describe(t));
    } else {
      for (const wanted of req.topics) {
        const byName = wanted.name !== null ? this.cluster.topic(wanted.name) : undefined;
        const byId =
          wanted.name === null && wanted.topicId !== null
            ? this.cluster.topics().find((t) => t.topicId === wanted.topicId)
            : undefined;
        const found = byName ?? byId;
        if (found) {
          topics.push(describe(found));
          continue;
        }
        if (wanted.name === null) {
          topics.push({
            errorCode: 100,
            name: null,
            topicId: wanted.topicId ?? '0'.repeat(32),
            isInternal: false,
            partitions: [],
          }); // UNKNOWN_TOPIC_ID
          continue;
        }
        let errorCode: number = ErrorCodes.UNKNOWN_TOPIC_OR_PARTITION;
        if (req.allowAutoTopicCreation && this.props.autoCreateTopics && v >= 4) {
          try {
            this.cluster.createTopic(wanted.name, this.props.numPartitions, {
              replicationFactor: this.props.defaultReplicationFactor,
            });
            errorCode = ErrorCodes.LEADER_NOT_AVAILABLE; // like Kafka: the first answer after auto-creation
          } catch {
            errorCode = ErrorCodes.UNKNOWN_TOPIC_OR_PARTITION;
          }
        }
        topics.push({ errorCode, name: wanted.name, topicId: '0'.repeat(32), isInternal: false, partitions: [] });
      }
    }
    return encodeMetadataResponse(v, {
      brokers: this.brokersOn(listenerName),
      clusterId: this.cluster.clusterId,
      controllerId: this.cluster.reportedControllerId(),
      topics,
    });
  }

  private describeCluster(state: ConnState, r: Reader, v: number): Buffer {
    const req = decodeDescribeClusterRequest(r, v);
    const here = state.listener.isController ? EndpointTypes.CONTROLLER : EndpointTypes.BROKER;
    const label = (t: number) => (t === EndpointTypes.CONTROLLER ? 'CONTROLLER' : 'BROKER');
    if (req.endpointType !== here) {
      return encodeDescribeClusterResponse(v, {
        errorCode: ErrorCodes.MISMATCHED_ENDPOINT_TYPE,
        errorMessage: `The request was sent to an endpoint of type ${label(here)}, but we wanted an endpoint of type ${label(req.endpointType)}`,
        endpointType: here,
        clusterId: this.cluster.clusterId,
        controllerId: -1,
        brokers: [],
      });
    }
    if (here === EndpointTypes.CONTROLLER) {
      const voters = this.cluster
        .quorum()
        .voters.filter((vt) => this.cluster.isLive(vt.nodeId))
        .flatMap((vt) => {
          const ep = vt.controllerEndpoints.get(state.listener.name);
          return ep ? [{ nodeId: vt.nodeId, host: ep.host, port: ep.port, rack: null }] : [];
        });
      return encodeDescribeClusterResponse(v, {
        errorCode: ErrorCodes.NONE,
        errorMessage: null,
        endpointType: here,
        clusterId: this.cluster.clusterId,
        controllerId: this.cluster.activeControllerId(),
        brokers: voters,
      });
    }
    return encodeDescribeClusterResponse(v, {
      errorCode: ErrorCodes.NONE,
      errorMessage: null,
      endpointType: here,
      clusterId: this.cluster.clusterId,
      controllerId: this.cluster.reportedControllerId(),
      brokers: this.brokersOn(state.listener.name),
    });
  }

  private describeQuorum(r: Reader, v: number): Buffer {
    const req = decodeDescribeQuorumRequest(r, v);
    const q = this.cluster.quorum();
    const replica = (
      s: { nodeId: number; logEndOffset: bigint; lastFetchTimestamp: bigint; lastCaughtUpTimestamp: bigint },
      dir?: string,
    ) => ({
      replicaId: s.nodeId,
      replicaDirectoryId: dir ?? '0'.repeat(32),
      logEndOffset: s.logEndOffset,
      lastFetchTimestamp: s.lastFetchTimestamp,
      lastCaughtUpTimestamp: s.lastCaughtUpTimestamp,
    });
    return encodeDescribeQuorumResponse(v, {
      errorCode: ErrorCodes.NONE,
      errorMessage: null,
      topics: req.topics.map((t) => ({
        topicName: t.topicName,
        partitions: t.partitions.map((p) => {
          if (t.topicName !== '__cluster_metadata' || p !== 0) {
            return {
              partitionIndex: p,
              errorCode: ErrorCodes.UNKNOWN_TOPIC_OR_PARTITION,
              errorMessage: 'This server does not host this topic-partition.',
              leaderId: -1,
              leaderEpoch: -1,
              highWatermark: -1n,
              currentVoters: [],
              observers: [],
            };
          }
          return {
            partitionIndex: 0,
            errorCode: ErrorCodes.NONE,
            errorMessage: null,
            leaderId: q.leaderId,
            leaderEpoch: q.leaderEpoch,
            highWatermark: q.highWatermark,
            currentVoters: q.voters.map((vt) => replica(vt, vt.directoryId)),
            observers: q.observers.map((o) => replica(o)),
          };
        }),
      })),
      nodes: q.voters.map((vt) => ({
        nodeId: vt.nodeId,
        listeners: [...vt.controllerEndpoints].map(([name, ep]) => ({ name, host: ep.host, port: ep.port })),
      })),
    });
  }

  // ---- DescribeConfigs -----------------------------------------------------------------------------------------

  private describeConfigs(r: Reader, v: number): Buffer {
    const req = decodeDescribeConfigsRequest(r, v);
    const results: DescribeConfigsResult[] = req.resources.map((res) => {
      const base = { resourceType: res.resourceType, resourceName: res.resourceName };
      const fail = (errorCode: number, errorMessage: string): DescribeConfigsResult => ({
        ...base,
        errorCode,
        errorMessage,
        configs: [],
      });
      let entries: ConfigEntry[];
      if (res.resourceType === ResourceTypes.BROKER) {
        const self = String(this.props.nodeId);
        if (res.resourceName !== '') {
          const n = Number(res.resourceName);
          if (!/^-?\d+$/.test(res.resourceName.trim()) || !Number.isInteger(n)) {
            return fail(ErrorCodes.INVALID_REQUEST, `Broker id must be an integer, but it is: ${res.resourceName}`);
          }
          if (n !== this.props.nodeId) {
            return fail(
              ErrorCodes.INVALID_REQUEST,
              `Unexpected broker id, expected ${self} or empty string, but received ${res.resourceName}`,
            );
          }
        }
        entries = this.brokerConfigs(req.includeSynonyms);
      } else if (res.resourceType === ResourceTypes.TOPIC) {
        const topic = this.cluster.topic(res.resourceName);
        if (!topic) return fail(ErrorCodes.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${res.resourceName} does not exist.`);
        entries = this.topicConfigs(topic, req.includeSynonyms);
      } else {
        return fail(ErrorCodes.INVALID_REQUEST, `Unsupported resource type ${res.resourceType} in this test broker`);
      }
      if (res.configurationKeys !== null) {
        const keys = new Set(res.configurationKeys);
        entries = entries.filter((e) => keys.has(e.name));
      }
      return { ...base, errorCode: ErrorCodes.NONE, errorMessage: null, configs: entries };
    });
    return encodeDescribeConfigsResponse(v, results);
  }

  private brokerConfigs(includeSynonyms: boolean): ConfigEntry[] {
    const raw = this.props.raw;
    const out = new Map<string, ConfigEntry>();
    const entry = (name: string, value: string | null, source: number, type: number): ConfigEntry => {
      const sensitive = /password|sasl\.jaas\.config|\.secret/i.test(name);
      return {
        name,
        value: sensitive ? null : value,
        readOnly: true,
        isDefault: source === ConfigSources.DEFAULT_CONFIG,
        configSource: source,
        isSensitive: sensitive,
        synonyms: includeSynonyms ? [{ name, value: sensitive ? null : value, source }] : [],
        configType: sensitive ? ConfigTypes.PASSWORD : type,
        documentation: null,
      };
    };
    for (const [k, value] of raw) out.set(k, entry(k, value, ConfigSources.STATIC_BROKER_CONFIG, ConfigTypes.STRING));
    const id = String(this.props.nodeId);
    const defaults: [string, string | null, number][] = [
      ['node.id', id, ConfigTypes.INT],
      ['broker.id', id, ConfigTypes.INT],
      ['listeners', 'PLAINTEXT://:9092', ConfigTypes.STRING],
      ['advertised.listeners', null, ConfigTypes.STRING],
      [
        'listener.security.protocol.map',
        'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT',
        ConfigTypes.STRING,
      ],
      ['min.insync.replicas', '1', ConfigTypes.INT],
      ['auto.create.topics.enable', 'true', ConfigTypes.BOOLEAN],
      ['num.partitions', '1', ConfigTypes.INT],
      ['default.replication.factor', '1', ConfigTypes.INT],
    ];
    for (const [k, value, type] of defaults) {
      const existing = out.get(k);
      if (existing) existing.configType = type;
      // broker.id/node.id mirror each other in KRaft, as KafkaConfig does.
      else if (k === 'node.id' || k === 'broker.id')
        out.set(k, entry(k, value, ConfigSources.STATIC_BROKER_CONFIG, type));
      else out.set(k, entry(k, value, ConfigSources.DEFAULT_CONFIG, type));
    }
    return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private topicConfigs(topic: TopicState, includeSynonyms: boolean): ConfigEntry[] {
    const override = topic.minInsyncReplicas;
    const brokerValue = this.props.raw.get('min.insync.replicas');
    const source =
      override !== null
        ? ConfigSources.TOPIC_CONFIG
        : brokerValue !== undefined
          ? ConfigSources.STATIC_BROKER_CONFIG
          : ConfigSources.DEFAULT_CONFIG;
    const value = String(override ?? this.cluster.effectiveMinInsyncReplicas(topic));
    const synonyms: ConfigEntry['synonyms'] = [];
    if (includeSynonyms) {
      if (override !== null)
        synonyms.push({ name: 'min.insync.replicas', value: String(override), source: ConfigSources.TOPIC_CONFIG });
      if (brokerValue !== undefined)
        synonyms.push({ name: 'min.insync.replicas', value: brokerValue, source: ConfigSources.STATIC_BROKER_CONFIG });
      synonyms.push({ name: 'min.insync.replicas', value: '1', source: ConfigSources.DEFAULT_CONFIG });
    }
    const plain = (name: string, v: string, type: number): ConfigEntry => ({
      name,
      value: v,
      readOnly: false,
      isDefault: true,
      configSource: ConfigSources.DEFAULT_CONFIG,
      isSensitive: false,
      synonyms: includeSynonyms ? [{ name, value: v, source: ConfigSources.DEFAULT_CONFIG }] : [],
      configType: type,
      documentation: null,
    });
    return [
      plain('cleanup.policy', 'delete', ConfigTypes.LIST),
      {
        name: 'min.insync.replicas',
        value,
        readOnly: false,
        isDefault: source === ConfigSources.DEFAULT_CONFIG,
        configSource: source,
        isSensitive: false,
        synonyms,
        configType: ConfigTypes.INT,
        documentation: null,
      },
      plain('retention.ms', '604800000', ConfigTypes.LONG),
    ];
  }

  // ---- Produce / Fetch / ListOffsets (smoke-test depth) --------------------------------------------------------

  private leaderPartition(topic: string, partition: number): { p?: PartitionState; errorCode: number } {
    const t = this.cluster.topic(topic);
    const p = t?.partitions[partition];
    if (!t || !p) return { errorCode: ErrorCodes.UNKNOWN_TOPIC_OR_PARTITION };
    if (p.leader !== this.props.nodeId) return { errorCode: ErrorCodes.NOT_LEADER_OR_FOLLOWER };
    return { p, errorCode: ErrorCodes.NONE };
  }

  private produce(r: Reader, v: number): Buffer | null {
    const req = decodeProduceRequest(r, v);
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((pd) => {
        const result = {
          index: pd.index,
          errorCode: 0,
          baseOffset: -1n,
          logStartOffset: -1n,
          errorMessage: null as string | null,
        };
        if (req.acks !== 0 && req.acks !== 1 && req.acks !== -1) {
          result.errorCode = ErrorCodes.INVALID_REQUIRED_ACKS;
          return result;
        }
        const { p, errorCode } = this.leaderPartition(t.name, pd.index);
        if (!p) {
          result.errorCode = errorCode;
          return result;
        }
        const topic = this.cluster.topic(t.name)!;
        if (req.acks === -1 && p.isr.length < this.cluster.effectiveMinInsyncReplicas(topic)) {
          result.errorCode = ErrorCodes.NOT_ENOUGH_REPLICAS;
          return result;
        }
        try {
          result.baseOffset = this.cluster.append(p, pd.records ?? Buffer.alloc(0));
          result.logStartOffset = 0n;
        } catch (err) {
          result.errorCode = ErrorCodes.CORRUPT_MESSAGE;
          result.errorMessage = (err as Error).message;
        }
        return result;
      }),
    }));
    if (req.acks === 0) return null; // Kafka sends no response for acks=0
    return encodeProduceResponse(v, topics);
  }

  private async fetch(r: Reader, v: number): Promise<Buffer> {
    const req = decodeFetchRequest(r, v);
    const collect = () => {
      let total = 0;
      const topics = req.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((fp): FetchPartitionResult => {
          const { p, errorCode } = this.leaderPartition(t.topic, fp.partition);
          if (!p)
            return { partitionIndex: fp.partition, errorCode, highWatermark: -1n, logStartOffset: -1n, records: null };
          if (fp.fetchOffset < 0n || fp.fetchOffset > p.logEndOffset) {
            return {
              partitionIndex: fp.partition,
              errorCode: ErrorCodes.OFFSET_OUT_OF_RANGE,
              highWatermark: p.logEndOffset,
              logStartOffset: 0n,
              records: null,
            };
          }
          const records = this.cluster.read(p, fp.fetchOffset, Math.min(fp.partitionMaxBytes, req.maxBytes));
          total += records.length;
          return {
            partitionIndex: fp.partition,
            errorCode: 0,
            highWatermark: p.logEndOffset,
            logStartOffset: 0n,
            records,
          };
        }),
      }));
      return { topics, total };
    };
    let out = collect();
    if (out.total < Math.max(1, req.minBytes) && req.maxWaitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, req.maxWaitMs);
        timer.unref();
        const off = this.cluster.on('append', done);
        function done() {
          clearTimeout(timer);
          off();
          resolve();
        }
      });
      out = collect();
    }
    return encodeFetchResponse(v, out.topics);
  }

  private listOffsets(r: Reader, v: number): Buffer {
    const req = decodeListOffsetsRequest(r, v);
    return encodeListOffsetsResponse(
      v,
      req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((lp) => {
          const { p, errorCode } = this.leaderPartition(t.name, lp.partitionIndex);
          const none = { partitionIndex: lp.partitionIndex, errorCode, timestamp: -1n, offset: -1n, leaderEpoch: -1 };
          if (!p) return none;
          const ok = { ...none, errorCode: 0, leaderEpoch: p.leaderEpoch };
          if (lp.timestamp === -1n) return { ...ok, offset: p.logEndOffset };
          if (lp.timestamp === -2n) return { ...ok, offset: 0n };
          const batch = p.log.find((b) => b.maxTimestamp >= lp.timestamp);
          return batch ? { ...ok, offset: batch.baseOffset, timestamp: batch.maxTimestamp } : ok;
        }),
      })),
    );
  }
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
