/**
 * TEST FAKE — a Kafka-protocol test broker (for fast tests and `npm start` without a JVM; the real-Kafka suite runs Apache Kafka itself). It reads a real server.properties,
 * binds every listener on loopback, speaks real Kafka protocol bytes (see protocol.ts for the APIs and versions) with
 * TLS and SASL (PLAIN, SCRAM-SHA-256/512) where the listener's security protocol asks for them, and answers from a
 * shared, stateful TestCluster. Answers are listener-aware like Kafka's: Metadata and DescribeCluster list every live
 * broker with its advertised endpoint of the listener the request arrived on.
 *
 * A restart re-reads server.properties (that is how a config push takes effect); while stopped or restarting the
 * broker is fenced from the cluster and its ports refuse connections.
 *
 * This file is the broker's lifecycle (listeners, registration, restart) and the request dispatch; each API family
 * answers in its own file under api/: sasl.ts, cluster-info.ts (Metadata, DescribeCluster, DescribeQuorum),
 * configs.ts (DescribeConfigs), records.ts (Produce, Fetch, ListOffsets).
 */
import net from 'node:net';
import tls from 'node:tls';
import { describeCluster, describeQuorum, metadata } from './api/cluster-info.ts';
import { describeConfigs } from './api/configs.ts';
import type { BrokerView, ConnState, ListenerRuntime } from './api/context.ts';
import { describeLogDirs } from './api/log-dirs.ts';
import { fetch, listOffsets, produce } from './api/records.ts';
import { SaslAuthority } from './api/sasl.ts';
import type { BrokerRegistration, Endpoint, TestCluster } from './cluster.ts';
import { Reader } from './codec.ts';
import { BrokerStartFailed, ProtocolViolation } from './errors.ts';
import { type BrokerProperties, readBrokerProperties, type SecurityProtocol } from './properties.ts';
import {
  ApiKeys,
  decodeApiVersionsRequest,
  decodeRequestHeader,
  ErrorCodes,
  encodeApiVersionsResponse,
  FrameSplitter,
  frameResponse,
  type RequestHeader,
  responseHeaderVersion,
  SUPPORTED_APIS,
} from './protocol.ts';
import type { SaslMechanism } from './sasl.ts';

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
  private readonly sasl: SaslAuthority;
  private readonly options: TestBrokerOptions;
  /** What the API families (api/*.ts) see of this broker. */
  private readonly view: BrokerView;

  constructor(options: TestBrokerOptions) {
    this.options = options;
    this.sasl = new SaslAuthority({
      ...(options.sasl?.users ? { users: options.sasl.users } : {}),
      ...(options.sasl?.mechanisms ? { mechanisms: options.sasl.mechanisms } : {}),
    });
    const self = this;
    this.view = {
      get cluster() {
        return self.options.cluster;
      },
      get props() {
        return self.props;
      },
    };
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
        return this.respond(header, v, this.sasl.handshake(state, r));
      case ApiKeys.SaslAuthenticate:
        return this.respond(header, v, this.sasl.authenticate(state, r, v));
      case ApiKeys.Metadata:
        return this.respond(header, v, metadata(this.view, state, r, v));
      case ApiKeys.DescribeConfigs:
        return this.respond(header, v, describeConfigs(this.view, r, v));
      case ApiKeys.DescribeCluster:
        return this.respond(header, v, describeCluster(this.view, state, r, v));
      case ApiKeys.DescribeQuorum:
        return this.respond(header, v, describeQuorum(this.view, r, v));
      case ApiKeys.DescribeLogDirs:
        return this.respond(header, v, describeLogDirs(this.view, r, v));
      case ApiKeys.Produce: {
        const body = produce(this.view, r, v);
        return body ? this.respond(header, v, body) : null;
      }
      case ApiKeys.Fetch:
        return this.respond(header, v, await fetch(this.view, r, v));
      case ApiKeys.ListOffsets:
        return this.respond(header, v, listOffsets(this.view, r, v));
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
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
