/**
 * Verification through the consumer-facing path: connect to the load balancer exactly as the consumer would and
 * check that (a) every bootstrap port returns exactly the planned advertised addresses, (b) every broker port
 * reaches the planned broker, and optionally (c) a record can be produced and fetched with the advertised names
 * mapped to the LB address (what the consumer's private DNS does).
 *
 * TLS names: a bootstrap port is checked with SNI/certificate name `tls.serverName` (default: `lbHost` when it
 * is a name), a broker port with the planned advertised host, because that is the name a consumer connects to.
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { mapLimit } from '../../util/map-limit.ts';
import { ProbeError } from '../probe/errors.ts';
import { formatHostPort, parseHostPort } from '../probe/identity.ts';
import type { ProbeOptions } from '../probe/options.ts';
import { createProbe as defaultCreateProbe, type KafkaProbe } from '../probe/probe.ts';
import { VerificationFailed } from './errors.ts';
import { parseVerificationInput, type ResolvedVerificationInput, type VerificationInput } from './input.ts';
import type {
  AddressedBroker,
  BootstrapCheck,
  BrokerPortCheck,
  CheckError,
  SmokeCheck,
  VerificationCheck,
  VerificationReport,
} from './report.ts';

export interface VerificationDeps {
  /** Opens a probe; replaced in tests or to add instrumentation. */
  createProbe?: (options: ProbeOptions) => KafkaProbe;
  now?: () => number;
}

type Exposure = ResolvedVerificationInput['exposures'][number];

const normaliseAddress = (address: string): string => {
  const parsed = parseHostPort(address);
  return parsed ? formatHostPort(parsed.host.toLowerCase().replace(/\.$/, ''), parsed.port) : address.toLowerCase();
};

function checkError(error: unknown): CheckError {
  if (error instanceof ProbeError) return { kind: error.kind, message: error.message };
  return { kind: 'unexpected', message: error instanceof Error ? error.message : String(error) };
}

function hint(error: CheckError): string {
  switch (error.kind) {
    case 'connection-refused':
      return ' — is the LB listener there and does it have a healthy target?';
    case 'timeout':
      return ' — nothing answered Kafka in time: firewall/security group, or the target is not a Kafka listener?';
    case 'tls':
      return ' — check the CA, the certificate names and that the listener protocol matches';
    case 'authentication':
      return ' — check the SASL mechanism and credentials for this listener';
    default:
      return '';
  }
}

class Verifier {
  readonly #input: ResolvedVerificationInput;
  readonly #createProbe: (options: ProbeOptions) => KafkaProbe;
  readonly #now: () => number;

  constructor(input: ResolvedVerificationInput, deps: VerificationDeps) {
    this.#input = input;
    this.#createProbe = deps.createProbe ?? defaultCreateProbe;
    this.#now = deps.now ?? (() => performance.now());
  }

  #probeOptions(port: number, serverName: string | undefined, via: string | undefined): ProbeOptions {
    const { tls, sasl, timeoutMs } = this.#input;
    const lbHost = via ?? this.#input.lbHost;
    // SNI carries names only; for an IP the certificate is checked against the address connected to.
    const name = serverName && isIP(serverName) === 0 ? serverName : undefined;
    const { serverName: _bootstrapName, ...tlsRest } = tls ?? {};
    return {
      host: lbHost,
      port,
      timeoutMs,
      clientId: 'brokerlink-verify',
      ...(tls ? { tls: { ...tlsRest, ...(name ? { serverName: name } : {}) } } : {}),
      ...(sasl ? { sasl } : {}),
    };
  }

  async #withProbe<T>(
    port: number,
    serverName: string | undefined,
    fn: (p: KafkaProbe) => Promise<T>,
    via?: string,
  ): Promise<T> {
    const probe = this.#createProbe(this.#probeOptions(port, serverName, via));
    try {
      return await fn(probe);
    } finally {
      await probe.close();
    }
  }

  async bootstrap(exposure: Exposure, lbPort: number, via?: string): Promise<BootstrapCheck> {
    const started = this.#now();
    const expected: AddressedBroker[] = exposure.brokers.map((b) => ({ id: b.id, address: b.advertised }));
    const check: BootstrapCheck = {
      kind: 'bootstrap',
      status: 'fail',
      listener: exposure.listener,
      lbPort,
      ...(via === undefined ? {} : { via }),
      reasons: [],
      error: null,
      durationMs: 0,
      expected,
      returned: null,
      missing: [],
      extra: [],
      wrong: [],
    };
    try {
      const metadata = await this.#withProbe(
        lbPort,
        this.#input.tls?.serverName ?? this.#input.lbHost,
        (p) => p.metadata(),
        via,
      );
      const returned = metadata.brokers.map((b) => ({ id: b.id, address: formatHostPort(b.host, b.port) }));
      check.returned = returned;
      const byId = new Map(returned.map((b) => [b.id, b]));
      const plannedIds = new Set(expected.map((b) => b.id));
      for (const planned of expected) {
        const got = byId.get(planned.id);
        if (!got) {
          check.missing.push(planned);
          check.reasons.push(
            `broker ${planned.id} missing from metadata (planned ${planned.address}): not live, or not on listener ${exposure.listener}`,
          );
        } else if (normaliseAddress(got.address) !== normaliseAddress(planned.address)) {
          check.wrong.push({ id: planned.id, expected: planned.address, returned: got.address });
          check.reasons.push(`broker ${planned.id} advertises ${got.address}, planned ${planned.address}`);
        }
      }
      for (const got of returned) {
        if (!plannedIds.has(got.id)) {
          check.extra.push(got);
          check.reasons.push(`unplanned broker ${got.id} in metadata at ${got.address}`);
        }
      }
      const seen = new Map<string, number>();
      for (const got of returned) {
        const key = normaliseAddress(got.address);
        const other = seen.get(key);
        if (other !== undefined) check.reasons.push(`brokers ${other} and ${got.id} both advertise ${got.address}`);
        seen.set(key, got.id);
      }
    } catch (error) {
      check.error = checkError(error);
      const where = via === undefined ? '' : ` via ${via}`;
      check.reasons.push(`bootstrap LB port ${lbPort}${where}: ${check.error.message}${hint(check.error)}`);
    }
    check.status = check.reasons.length === 0 ? 'pass' : 'fail';
    check.durationMs = Math.round(this.#now() - started);
    return check;
  }

  async brokerPort(exposure: Exposure, broker: Exposure['brokers'][number]): Promise<BrokerPortCheck> {
    const started = this.#now();
    const advertisedHost = parseHostPort(broker.advertised)?.host;
    const check: BrokerPortCheck = {
      kind: 'broker-port',
      status: 'fail',
      listener: exposure.listener,
      lbPort: broker.port,
      ...(broker.via === undefined ? {} : { via: broker.via }),
      reasons: [],
      error: null,
      durationMs: 0,
      expectedBrokerId: broker.id,
      reachedBrokerId: null,
      expectedAdvertised: broker.advertised,
      configuredAdvertised: null,
    };
    try {
      // DescribeConfigs proves the node; every listener of a node (controller listeners included) answers it. What
      // the same port answers Metadata with proves the listener: there broker N is listed with the endpoint of the
      // listener the request arrived on, which must be the planned one.
      const { identity, served } = await this.#withProbe(
        broker.port,
        advertisedHost,
        async (p) => {
          const found = await p.brokerIdentity(broker.id);
          if (!found.reachedExpected) return { identity: found, served: undefined };
          const metadata = await p.metadata();
          const self = metadata.brokers.find((b) => b.id === broker.id);
          return { identity: found, served: self ? formatHostPort(self.host, self.port) : null };
        },
        broker.via,
      );
      if (identity.reachedExpected) {
        check.reachedBrokerId = broker.id;
        check.servedAdvertised = served ?? null;
        if (served === null) {
          check.reasons.push(
            `LB port ${broker.port} reaches broker ${broker.id}, but on a listener whose Metadata does not list it: not its ${exposure.listener} listener`,
          );
        } else if (served !== undefined && normaliseAddress(served) !== normaliseAddress(broker.advertised)) {
          check.reasons.push(
            `LB port ${broker.port} reaches broker ${broker.id} on the wrong listener: Metadata there lists it at ${served}, planned ${exposure.listener} ${broker.advertised}`,
          );
        }
        const entry = identity.advertisedListeners.find(
          (l) => l.name.toUpperCase() === exposure.listener.toUpperCase(),
        );
        if (identity.advertisedListeners.length > 0) {
          if (!entry) {
            check.reasons.push(`broker ${broker.id} has no ${exposure.listener} entry in advertised.listeners`);
          } else {
            check.configuredAdvertised = formatHostPort(entry.host, entry.port);
            if (normaliseAddress(check.configuredAdvertised) !== normaliseAddress(broker.advertised)) {
              check.reasons.push(
                `broker ${broker.id} is configured to advertise ${exposure.listener}://${check.configuredAdvertised}, planned ${broker.advertised}`,
              );
            }
          }
        }
      } else {
        check.reachedBrokerId = identity.reachedId;
        check.reasons.push(
          identity.reachedId === null
            ? `LB port ${broker.port} did not reach broker ${broker.id} (the broker that answered did not tell its id)`
            : `LB port ${broker.port} reached broker ${identity.reachedId}, expected broker ${broker.id}`,
        );
      }
    } catch (error) {
      check.error = checkError(error);
      const where = broker.via === undefined ? '' : ` via ${broker.via}`;
      check.reasons.push(
        `LB port ${broker.port}${where} (broker ${broker.id}): ${check.error.message}${hint(check.error)}`,
      );
    }
    check.status = check.reasons.length === 0 ? 'pass' : 'fail';
    check.durationMs = Math.round(this.#now() - started);
    return check;
  }

  async smoke(exposure: Exposure, smoke: NonNullable<ResolvedVerificationInput['smoke']>): Promise<SmokeCheck> {
    const started = this.#now();
    const lbPort = exposure.bootstrapPorts[0] ?? exposure.brokers[0]!.port;
    const check: SmokeCheck = {
      kind: 'smoke',
      status: 'fail',
      listener: exposure.listener,
      lbPort,
      reasons: [],
      error: null,
      durationMs: 0,
      topic: smoke.topic,
      partition: smoke.partition,
      leaderId: null,
      leaderAddress: null,
      offset: null,
    };
    let step = `bootstrap LB port ${lbPort}`;
    try {
      const bootstrapName =
        exposure.bootstrapPorts.length > 0
          ? (this.#input.tls?.serverName ?? this.#input.lbHost)
          : parseHostPort(exposure.brokers[0]!.advertised)?.host;
      const metadata = await this.#withProbe(lbPort, bootstrapName, (p) => p.metadata({ topics: [smoke.topic] }));
      const topic = metadata.topics.find((t) => t.name === smoke.topic);
      const partition = topic?.partitions.find((p) => p.index === smoke.partition);
      if (topic?.errorCode !== 0 || !partition) {
        check.reasons.push(
          `topic ${smoke.topic} partition ${smoke.partition} not found through the LB${topic?.errorCode ? ` (error ${topic.errorCode})` : ''}`,
        );
      } else if (partition.leader < 0) {
        check.reasons.push(`topic ${smoke.topic} partition ${smoke.partition} has no leader`);
      } else {
        check.leaderId = partition.leader;
        const leader = metadata.brokers.find((b) => b.id === partition.leader);
        if (!leader) {
          check.reasons.push(
            `leader ${partition.leader} of ${smoke.topic}-${smoke.partition} is not in the metadata brokers`,
          );
        } else {
          // The consumer's DNS resolves every advertised name to the LB; the port is kept.
          check.leaderAddress = formatHostPort(leader.host, leader.port);
          step = `leader ${leader.id} via ${check.leaderAddress} → LB port ${leader.port}`;
          const value = Buffer.from(`brokerlink-verify ${randomUUID()}`);
          const key = Buffer.from('brokerlink-verify');
          await this.#withProbe(leader.port, leader.host, async (p) => {
            const { baseOffset } = await p.produce(smoke.topic, smoke.partition, key, value);
            check.offset = baseOffset.toString();
            const deadline = this.#now() + this.#input.timeoutMs;
            for (;;) {
              const records = await p.fetch(smoke.topic, smoke.partition, baseOffset, 200);
              const found = records.find((r) => r.offset === baseOffset);
              if (found) {
                if (!found.value?.equals(value)) {
                  check.reasons.push(`fetched offset ${baseOffset} holds another value than the one produced`);
                }
                return;
              }
              if (this.#now() > deadline) {
                check.reasons.push(
                  `produced offset ${baseOffset} but could not fetch it back within ${this.#input.timeoutMs} ms`,
                );
                return;
              }
            }
          });
        }
      }
    } catch (error) {
      check.error = checkError(error);
      check.reasons.push(`smoke (${step}): ${check.error.message}${hint(check.error)}`);
    }
    check.status = check.reasons.length === 0 ? 'pass' : 'fail';
    check.durationMs = Math.round(this.#now() - started);
    return check;
  }
}

/**
 * Verifies the LB wiring from the consumer's side. Never throws for a failed check (see `report.ok`); throws
 * VerificationInputInvalid for bad input before contacting anything.
 */
export async function verifyThroughLoadBalancer(
  input: VerificationInput,
  deps: VerificationDeps = {},
): Promise<VerificationReport> {
  const resolved = parseVerificationInput(input);
  const verifier = new Verifier(resolved, deps);
  const now = deps.now ?? (() => performance.now());
  const startedAt = new Date().toISOString();
  const started = now();

  const tasks: (() => Promise<VerificationCheck>)[] = [];
  for (const exposure of resolved.exposures) {
    for (const port of exposure.bootstrapPorts) {
      for (const via of exposure.bootstrapVia ?? [undefined]) tasks.push(() => verifier.bootstrap(exposure, port, via));
    }
    for (const broker of exposure.brokers) tasks.push(() => verifier.brokerPort(exposure, broker));
    if (resolved.smoke) {
      const smoke = resolved.smoke;
      tasks.push(() => verifier.smoke(exposure, smoke));
    }
  }
  const checks = await mapLimit(tasks, resolved.concurrency, (task) => task());
  const failed = checks.filter((c) => c.status === 'fail').length;
  return {
    ok: failed === 0,
    lbHost: resolved.lbHost,
    startedAt,
    durationMs: Math.round(now() - started),
    checks,
    summary: { total: checks.length, passed: checks.length - failed, failed },
  };
}

/** Throws VerificationFailed (carrying the report) unless every check passed; for orchestrators that gate on it. */
export function assertVerified(report: VerificationReport): VerificationReport {
  if (!report.ok) throw new VerificationFailed(report);
  return report;
}
