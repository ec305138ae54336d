/**
 * Reads a Kafka server.properties the way the broker does: java.util.Properties syntax (comments, `=`/`:`/space
 * separators, line continuations, escapes), then the listener-related settings the test broker needs.
 */
import { readFile } from 'node:fs/promises';
import { parseProperties, propertiesToMap } from '../../shared/properties/document.ts';
import { BrokerConfigInvalid } from './errors.ts';

/** java.util.Properties.load semantics (the project's reader, checked against the JDK); later keys win. */
export function parseJavaProperties(text: string): Map<string, string> {
  return propertiesToMap(parseProperties(text));
}

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
const PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
export type ProcessRole = 'broker' | 'controller';

export interface ListenerAddress {
  /** Normalised (upper-case) listener name. */
  name: string;
  host: string;
  port: number;
}

export interface BrokerProperties {
  raw: Map<string, string>;
  nodeId: number;
  /** Which key held the id. */
  idKey: 'node.id' | 'broker.id';
  /** From process.roles; empty = ZooKeeper mode. */
  roles: ProcessRole[];
  kraft: boolean;
  listeners: ListenerAddress[];
  /** advertised.listeners when set, else null (then listeners are advertised). */
  advertisedListeners: ListenerAddress[] | null;
  protocolMap: Map<string, SecurityProtocol>;
  controllerListenerNames: string[];
  interBrokerListenerName: string | null;
  rack: string | null;
  autoCreateTopics: boolean;
  numPartitions: number;
  defaultReplicationFactor: number;
  minInsyncReplicas: number;
}

const LISTENER_RE = /^([A-Za-z0-9_.-]+):\/\/(\[[^\]]*\]|[^:/]*):(\d+)$/;

export function parseListenerList(value: string, key: string): ListenerAddress[] {
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const seen = new Set<string>();
  return list.map((entry) => {
    const m = LISTENER_RE.exec(entry);
    if (!m) {
      throw new BrokerConfigInvalid(`${key}: "${entry}" is not NAME://host:port`);
    }
    const name = m[1]!.toUpperCase();
    if (seen.has(name)) throw new BrokerConfigInvalid(`${key}: listener name ${name} appears twice`);
    seen.add(name);
    const port = Number(m[3]);
    if (port > 65_535) throw new BrokerConfigInvalid(`${key}: port ${port} of ${name} is out of range`);
    return { name, host: m[2]!.replace(/^\[|\]$/g, ''), port };
  });
}

function intProp(raw: Map<string, string>, key: string, fallback: number): number {
  const v = raw.get(key);
  if (v === undefined || v.trim() === '') return fallback;
  const n = Number(v.trim());
  if (!Number.isInteger(n)) throw new BrokerConfigInvalid(`${key}: "${v}" is not an integer`);
  return n;
}

export function brokerPropertiesFrom(raw: Map<string, string>): BrokerProperties {
  const rolesRaw = raw.get('process.roles')?.trim() ?? '';
  const roles = rolesRaw === '' ? [] : rolesRaw.split(',').map((r) => r.trim());
  for (const r of roles) {
    if (r !== 'broker' && r !== 'controller') {
      throw new BrokerConfigInvalid(`process.roles: unknown role "${r}" (use broker, controller or both)`);
    }
  }
  const kraft = roles.length > 0;
  const hasNode = raw.has('node.id') && raw.get('node.id')!.trim() !== '';
  const hasBroker = raw.has('broker.id') && raw.get('broker.id')!.trim() !== '';
  const idKey = kraft || (hasNode && !hasBroker) ? 'node.id' : 'broker.id';
  if (!hasNode && !hasBroker) {
    throw new BrokerConfigInvalid(`${kraft ? 'node.id' : 'broker.id'} is missing: the test broker needs a fixed id`);
  }
  const nodeId = intProp(raw, hasNode ? 'node.id' : 'broker.id', -1);
  if (hasNode && hasBroker && intProp(raw, 'broker.id', -1) !== nodeId) {
    throw new BrokerConfigInvalid('node.id and broker.id differ: set only one, or the same value');
  }
  if (nodeId < 0) throw new BrokerConfigInvalid(`${idKey}: must be >= 0`);

  const listeners = parseListenerList(raw.get('listeners') ?? 'PLAINTEXT://:9092', 'listeners');
  const advRaw = raw.get('advertised.listeners');
  const advertisedListeners =
    advRaw === undefined || advRaw.trim() === '' ? null : parseListenerList(advRaw, 'advertised.listeners');

  const protocolMap = new Map<string, SecurityProtocol>();
  const mapRaw = raw.get('listener.security.protocol.map');
  if (mapRaw === undefined || mapRaw.trim() === '') {
    for (const p of PROTOCOLS) protocolMap.set(p, p);
  } else {
    for (const pair of mapRaw.split(',').map((s) => s.trim())) {
      if (pair === '') continue;
      const [name, proto] = pair.split(':').map((s) => s.trim());
      if (!name || !proto || !PROTOCOLS.includes(proto.toUpperCase() as SecurityProtocol)) {
        throw new BrokerConfigInvalid(`listener.security.protocol.map: "${pair}" is not NAME:PROTOCOL`);
      }
      protocolMap.set(name.toUpperCase(), proto.toUpperCase() as SecurityProtocol);
    }
  }
  for (const l of listeners) {
    if (!protocolMap.has(l.name)) {
      throw new BrokerConfigInvalid(
        `listener.security.protocol.map: no security protocol for listener ${l.name} (add ${l.name}:PLAINTEXT or similar)`,
      );
    }
  }
  const names = new Set(listeners.map((l) => l.name));
  for (const a of advertisedListeners ?? []) {
    if (!names.has(a.name)) {
      throw new BrokerConfigInvalid(
        `advertised.listeners: ${a.name} is not one of listeners (${[...names].join(', ')})`,
      );
    }
    if (a.host === '0.0.0.0') {
      throw new BrokerConfigInvalid(`advertised.listeners: ${a.name} cannot advertise the meta-address 0.0.0.0`);
    }
  }
  const controllerListenerNames = (raw.get('controller.listener.names') ?? '')
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '');
  if (roles.includes('controller') && controllerListenerNames.length === 0) {
    throw new BrokerConfigInvalid('controller.listener.names is required when process.roles contains controller');
  }
  return {
    raw,
    nodeId,
    idKey,
    roles: roles as ProcessRole[],
    kraft,
    listeners,
    advertisedListeners,
    protocolMap,
    controllerListenerNames,
    interBrokerListenerName: raw.get('inter.broker.listener.name')?.trim().toUpperCase() || null,
    rack: raw.get('broker.rack')?.trim() || null,
    autoCreateTopics: (raw.get('auto.create.topics.enable') ?? 'true').trim() === 'true',
    numPartitions: intProp(raw, 'num.partitions', 1),
    defaultReplicationFactor: intProp(raw, 'default.replication.factor', 1),
    minInsyncReplicas: intProp(raw, 'min.insync.replicas', 1),
  };
}

export async function readBrokerProperties(path: string): Promise<BrokerProperties> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new BrokerConfigInvalid(`cannot read ${path}`, { cause: err });
  }
  try {
    return brokerPropertiesFrom(parseJavaProperties(text));
  } catch (err) {
    if (err instanceof BrokerConfigInvalid) throw new BrokerConfigInvalid(`${path}: ${err.message}`, { cause: err });
    throw err;
  }
}
