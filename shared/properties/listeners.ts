/**
 * Reading and editing the listener keys of server.properties (`listeners`, `advertised.listeners`,
 * `listener.security.protocol.map`) the way Kafka interprets them, including its implicit defaults:
 *
 * - `listeners` absent → `PLAINTEXT://:9092`;
 * - `advertised.listeners` absent → `listeners` without the KRaft controller listeners;
 * - `listener.security.protocol.map` absent → PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL mapped to themselves, plus
 *   (KRaft, when no listener name is SSL/SASL_*) every `controller.listener.names` entry mapped to PLAINTEXT;
 * - `inter.broker.listener.name` absent → `security.inter.broker.protocol` (default PLAINTEXT).
 *
 * When an exposure has to add one of these keys, the implicit value is written out first, so every existing
 * listener keeps working exactly as before. Listener names compare case-insensitively (Kafka upper-cases them).
 */
import { formatPatch, structuredPatch } from 'diff';
import { z } from 'zod';
import type { ListenerView } from '../model/observed.ts';
import { portSchema } from '../model/schemas.ts';
import { SECURITY_PROTOCOLS, type SecurityProtocol } from '../spec/schema.ts';
import { editDocument, type PropertyEdit, parseProperties, propertiesToMap } from './document.ts';
import {
  ExposureInvalid,
  ListenerConfigInvalid,
  ListenerConflict,
  PropertiesEditUnsafe,
  UnsupportedListenerConfig,
} from './errors.ts';

/** Kafka's listener security protocols (one list for the whole project: the spec's). */
export const securityProtocols = SECURITY_PROTOCOLS;
export type { SecurityProtocol };

export const KEYS = {
  listeners: 'listeners',
  advertised: 'advertised.listeners',
  protocolMap: 'listener.security.protocol.map',
  interBrokerName: 'inter.broker.listener.name',
  interBrokerProtocol: 'security.inter.broker.protocol',
  controllerNames: 'controller.listener.names',
  processRoles: 'process.roles',
  nodeId: 'node.id',
  brokerId: 'broker.id',
  zookeeper: 'zookeeper.connect',
} as const;

export const DEFAULT_LISTENERS = 'PLAINTEXT://:9092';
export const DEFAULT_PROTOCOL_MAP: readonly (readonly [string, SecurityProtocol])[] = securityProtocols.map(
  (p) => [p, p] as const,
);

/** Kafka's EndPoint regex: `NAME://host:port`, host optionally in brackets (IPv6), may be empty (all interfaces). */
const ENDPOINT = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/;
const HOST = /^[0-9a-zA-Z\-%._:]*$/;

export interface ListenerEndpoint {
  /** Listener name as written in the file. */
  name: string;
  /** Host without IPv6 brackets; '' means all interfaces. */
  host: string;
  port: number;
}

export interface ListenerConfig {
  /** 'kraft' when process.roles is set, 'zookeeper' when zookeeper.connect is, otherwise 'unknown'. */
  mode: 'kraft' | 'zookeeper' | 'unknown';
  /** node.id (KRaft) or broker.id (ZooKeeper mode); null when absent or auto-generated (-1). */
  nodeId: number | null;
  processRoles: ('broker' | 'controller')[] | null;
  /** Effective values (Kafka's defaults applied); `explicit` tells whether the file sets the key. */
  listeners: { explicit: boolean; endpoints: ListenerEndpoint[] };
  advertisedListeners: { explicit: boolean; endpoints: ListenerEndpoint[] };
  /** Upper-cased listener name → security protocol. */
  securityProtocolMap: { explicit: boolean; entries: Record<string, string> };
  interBrokerListenerName: string;
  controllerListenerNames: string[];
}

const csv = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

const upper = (s: string): string => s.toUpperCase();

export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export function formatEndpoint(name: string, host: string, port: number): string {
  return `${name}://${formatHost(host)}:${port}`;
}

export function parseEndpoint(text: string, key: string): ListenerEndpoint {
  const m = ENDPOINT.exec(text.trim());
  if (m === null) {
    throw new ListenerConfigInvalid(
      key,
      `"${text}" is not NAME://host:port (IPv6 hosts in brackets: NAME://[::1]:9092)`,
    );
  }
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ListenerConfigInvalid(key, `"${text}" has port ${m[3]}, outside 0-65535`);
  }
  return { name: m[1]!, host: m[2]!, port };
}

function parseEndpoints(value: string, key: string): ListenerEndpoint[] {
  const endpoints = csv(value).map((item) => parseEndpoint(item, key));
  const seen = new Set<string>();
  for (const e of endpoints) {
    if (seen.has(upper(e.name))) throw new ListenerConfigInvalid(key, `listener name ${e.name} appears twice`);
    seen.add(upper(e.name));
  }
  return endpoints;
}

function parseProtocolMap(value: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const item of csv(value)) {
    const at = item.lastIndexOf(':');
    if (at <= 0) throw new ListenerConfigInvalid(KEYS.protocolMap, `"${item}" is not NAME:PROTOCOL`);
    const protocol = upper(item.slice(at + 1).trim());
    if (!(securityProtocols as readonly string[]).includes(protocol)) {
      throw new ListenerConfigInvalid(KEYS.protocolMap, `"${item}" maps to an unknown security protocol`);
    }
    entries[upper(item.slice(0, at).trim())] = protocol;
  }
  return entries;
}

const isSslOrSasl = (name: string): boolean => ['SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(upper(name));

/** Parses the listener-related keys of a server.properties text, with Kafka's defaults applied. */
export function readListenerConfig(fileText: string): ListenerConfig {
  return readFromMap(propertiesToMap(parseProperties(fileText)));
}

function readFromMap(props: Map<string, string>): ListenerConfig {
  const rolesText = props.get(KEYS.processRoles);
  let processRoles: ('broker' | 'controller')[] | null = null;
  if (rolesText !== undefined) {
    processRoles = [];
    for (const role of csv(rolesText)) {
      if (role !== 'broker' && role !== 'controller') {
        throw new ListenerConfigInvalid(KEYS.processRoles, `"${role}" is not broker or controller`);
      }
      processRoles.push(role);
    }
  }
  const mode = processRoles !== null ? 'kraft' : props.has(KEYS.zookeeper) ? 'zookeeper' : 'unknown';
  const idKey = props.has(KEYS.nodeId) ? KEYS.nodeId : props.has(KEYS.brokerId) ? KEYS.brokerId : null;
  let nodeId: number | null = null;
  if (idKey !== null) {
    const raw = props.get(idKey)!.trim();
    if (!/^-?\d+$/.test(raw)) throw new ListenerConfigInvalid(idKey, `"${raw}" is not an integer`);
    nodeId = Number(raw) < 0 ? null : Number(raw);
  }
  const controllerListenerNames = csv(props.get(KEYS.controllerNames) ?? '');
  const controllerSet = new Set(controllerListenerNames.map(upper));

  const listenersText = props.get(KEYS.listeners);
  const listeners = parseEndpoints(listenersText ?? DEFAULT_LISTENERS, KEYS.listeners);
  const advertisedText = props.get(KEYS.advertised);
  const advertised =
    advertisedText !== undefined
      ? parseEndpoints(advertisedText, KEYS.advertised)
      : listeners.filter((e) => !controllerSet.has(upper(e.name)));

  const mapText = props.get(KEYS.protocolMap);
  let entries: Record<string, string>;
  if (mapText !== undefined) entries = parseProtocolMap(mapText);
  else {
    entries = Object.fromEntries(DEFAULT_PROTOCOL_MAP);
    const sslOrSasl = controllerListenerNames.some(isSslOrSasl) || listeners.some((e) => isSslOrSasl(e.name));
    if (mode === 'kraft' && !sslOrSasl) for (const name of controllerSet) entries[name] ??= 'PLAINTEXT';
  }
  const interBrokerListenerName = (
    props.get(KEYS.interBrokerName) ??
    props.get(KEYS.interBrokerProtocol) ??
    'PLAINTEXT'
  ).trim();
  return {
    mode,
    nodeId,
    processRoles,
    listeners: { explicit: listenersText !== undefined, endpoints: listeners },
    advertisedListeners: { explicit: advertisedText !== undefined, endpoints: advertised },
    securityProtocolMap: { explicit: mapText !== undefined, entries },
    interBrokerListenerName,
    controllerListenerNames,
  };
}

/** Per listener name (upper-cased): bind, advertised address and protocol, for the planner and drift check. */
export function listenerViews(config: ListenerConfig): Record<string, ListenerView> {
  const views: Record<string, ListenerView> = {};
  const view = (name: string): ListenerView => {
    const key = upper(name);
    views[key] ??= {};
    return views[key];
  };
  for (const e of config.listeners.endpoints) view(e.name).bind = { host: e.host, port: e.port };
  for (const e of config.advertisedListeners.endpoints) view(e.name).advertised = { host: e.host, port: e.port };
  for (const name of Object.keys(views)) {
    const protocol = config.securityProtocolMap.entries[name];
    if (protocol !== undefined) views[name]!.securityProtocol = protocol;
  }
  return views;
}

// ---------------------------------------------------------------- exposures

const hostSchema = z
  .string()
  .max(253, 'must be at most 253 characters')
  .transform((h) => (h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h))
  .refine((h) => HOST.test(h), 'must be a host name or IP address (letters, digits, - . _ % :; IPv6 may be bracketed)');

export const listenerExposureSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be a listener name such as EXTERNAL (letters, digits, _)'),
  bindHost: hostSchema,
  bindPort: portSchema,
  advertisedHost: hostSchema.refine(
    (h) => h !== '' && h !== '0.0.0.0' && h !== '::',
    'must be a routable host (not empty, 0.0.0.0 or ::)',
  ),
  advertisedPort: portSchema,
  securityProtocol: z.enum(securityProtocols, { error: `must be one of ${securityProtocols.join(', ')}` }),
});

export type ListenerExposure = z.input<typeof listenerExposureSchema>;
type ParsedExposure = z.output<typeof listenerExposureSchema>;

export const listenerExposuresSchema = z.array(listenerExposureSchema).superRefine((list, ctx) => {
  const names = new Set<string>();
  const ports = new Set<number>();
  list.forEach((e, i) => {
    if (names.has(upper(e.name))) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'is used twice' });
    if (ports.has(e.bindPort)) ctx.addIssue({ code: 'custom', path: [i, 'bindPort'], message: 'is used twice' });
    names.add(upper(e.name));
    ports.add(e.bindPort);
  });
});

export function parseExposures(exposures: unknown): ParsedExposure[] {
  const result = listenerExposuresSchema.safeParse(exposures);
  if (!result.success) {
    throw new ExposureInvalid(
      result.error.issues.map(
        (i) =>
          `exposures${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`,
      ),
      { cause: result.error },
    );
  }
  return result.data;
}

export interface ApplyResult {
  /** The new file text (equal to the input when nothing changes). */
  text: string;
  changed: boolean;
  /** Unified diff of the change; '' when unchanged. */
  diff: string;
}

export interface ApplyOptions {
  /** File name shown in the diff header (default `server.properties`). */
  fileName?: string;
}

/** Replaces the CSV item `matches` selects (keeping its surrounding whitespace) or appends `item`. */
function upsertCsvItem(value: string, matches: (trimmed: string) => boolean, item: string): string {
  const items = value.split(',');
  const index = items.findIndex((it) => it.trim() !== '' && matches(it.trim()));
  if (index !== -1) {
    const old = items[index]!;
    items[index] = old.slice(0, old.length - old.trimStart().length) + item + old.slice(old.trimEnd().length);
    return items.join(',');
  }
  while (items.length > 0 && items[items.length - 1]!.trim() === '') items.pop();
  items.push(item);
  return items.join(',');
}

const endpointNamed = (name: string) => (item: string) => {
  const m = ENDPOINT.exec(item);
  return m !== null && upper(m[1]!) === upper(name);
};

const mapEntryNamed = (name: string) => (item: string) => {
  const at = item.lastIndexOf(':');
  return at > 0 && upper(item.slice(0, at).trim()) === upper(name);
};

function checkExposure(config: ListenerConfig, e: ParsedExposure): void {
  const name = upper(e.name);
  if (config.processRoles !== null && !config.processRoles.includes('broker')) {
    throw new ListenerConflict(
      'not-a-broker',
      e.name,
      'this node is a KRaft controller only (process.roles has no "broker"); expose broker nodes only',
    );
  }
  if (name === upper(config.interBrokerListenerName)) {
    throw new ListenerConflict(
      'name-is-inter-broker',
      e.name,
      `is the inter-broker listener (inter.broker.listener.name=${config.interBrokerListenerName}); choose another exposure listener name`,
    );
  }
  if (config.controllerListenerNames.some((c) => upper(c) === name)) {
    throw new ListenerConflict(
      'name-is-controller',
      e.name,
      `is a controller listener (controller.listener.names=${config.controllerListenerNames.join(',')}); choose another exposure listener name`,
    );
  }
  for (const l of config.listeners.endpoints) {
    if (upper(l.name) === name && (l.host !== e.bindHost || l.port !== e.bindPort)) {
      throw new ListenerConflict(
        'name-bound-elsewhere',
        e.name,
        `already exists as ${formatEndpoint(l.name, l.host, l.port)}, not ${formatEndpoint(e.name, e.bindHost, e.bindPort)}: ` +
          "it is not brokerlink's; rename the exposure or remove that listener by hand",
      );
    }
    if (upper(l.name) !== name && l.port === e.bindPort) {
      throw new ListenerConflict(
        'port-in-use',
        e.name,
        `port ${e.bindPort} is already bound by listener ${formatEndpoint(l.name, l.host, l.port)}; choose another brokerPort`,
      );
    }
  }
}

/**
 * Makes the file carry every exposure's listener, advertised address and protocol-map entry, leaving every other
 * listener, `inter.broker.listener.name` and `controller.listener.names` untouched. Idempotent: applying the same
 * exposures to its own output gives `changed: false`. Throws (and returns no text) on `ExposureInvalid`,
 * `ListenerConflict`, `ListenerConfigInvalid`, `UnsupportedListenerConfig`, `PropertiesSyntaxError`.
 */
export function applyListenerExposures(
  fileText: string,
  exposures: readonly ListenerExposure[],
  options: ApplyOptions = {},
): ApplyResult {
  const parsed = parseExposures(exposures);
  const doc = parseProperties(fileText);
  const props = propertiesToMap(doc);
  const config = readFromMap(props);

  const legacy = [
    ...(config.listeners.explicit ? [] : ['port', 'host.name']),
    ...(config.advertisedListeners.explicit ? [] : ['advertised.port', 'advertised.host.name']),
  ].filter((k) => props.has(k));
  if (legacy.length > 0) {
    throw new UnsupportedListenerConfig(
      legacy,
      `server.properties sets the pre-Kafka-3.0 key(s) ${legacy.join(', ')} instead of listeners/advertised.listeners; ` +
        'rewrite them as listeners=/advertised.listeners= by hand first',
    );
  }
  for (const e of parsed) checkExposure(config, e);

  const endpointsText = (endpoints: readonly ListenerEndpoint[]) =>
    endpoints.map((l) => formatEndpoint(l.name, l.host, l.port)).join(',');
  let listeners = props.get(KEYS.listeners) ?? DEFAULT_LISTENERS;
  let advertised = props.get(KEYS.advertised) ?? endpointsText(config.advertisedListeners.endpoints);
  let protocolMap =
    props.get(KEYS.protocolMap) ??
    Object.entries(config.securityProtocolMap.entries)
      .map(([n, p]) => `${n}:${p}`)
      .join(',');

  for (const e of parsed) {
    const existing = config.listeners.endpoints.find((l) => upper(l.name) === upper(e.name));
    if (existing === undefined) {
      listeners = upsertCsvItem(listeners, endpointNamed(e.name), formatEndpoint(e.name, e.bindHost, e.bindPort));
    }
    const current = config.advertisedListeners.endpoints.find((l) => upper(l.name) === upper(e.name));
    if (current === undefined || current.host !== e.advertisedHost || current.port !== e.advertisedPort) {
      const name = current?.name ?? existing?.name ?? e.name;
      advertised = upsertCsvItem(
        advertised,
        endpointNamed(e.name),
        formatEndpoint(name, e.advertisedHost, e.advertisedPort),
      );
    }
    if (config.securityProtocolMap.entries[upper(e.name)] !== e.securityProtocol) {
      const name = existing?.name ?? e.name;
      protocolMap = upsertCsvItem(protocolMap, mapEntryNamed(e.name), `${name}:${e.securityProtocol}`);
    }
  }

  const edits: PropertyEdit[] = [];
  const addEdit = (key: string, value: string, insertAfter: string[]) => {
    if (props.get(key) !== value) edits.push({ key, value, insertAfter });
  };
  addEdit(KEYS.listeners, listeners, [KEYS.processRoles, KEYS.nodeId, KEYS.brokerId]);
  addEdit(KEYS.advertised, advertised, [KEYS.listeners]);
  addEdit(KEYS.protocolMap, protocolMap, [KEYS.listeners, KEYS.advertised, KEYS.interBrokerName, KEYS.controllerNames]);
  if (edits.length === 0) return { text: fileText, changed: false, diff: '' };

  const { text, document } = editDocument(doc, edits);
  assertEffective(readFromMap(propertiesToMap(document)), parsed, config);
  const diff = unifiedDiff(fileText, text, options.fileName ?? 'server.properties');
  return { text, changed: text !== fileText, diff };
}

const CONTEXT = 3;

/** Lines with their '\n' kept (a '\r' stays part of its line, as the `diff` package treats CRLF). */
function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
    lines.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

/**
 * Unified diff (`diff` package) computed on the changed middle only: the common leading and trailing lines
 * (beyond the context) are cut off first and the hunk line numbers shifted back, which keeps a 2,000-line file
 * with a three-line change cheap.
 */
export function unifiedDiff(before: string, after: string, fileName: string): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const skipHead = Math.max(0, head - CONTEXT);
  const skipTail = Math.max(0, tail - CONTEXT);
  const patch = structuredPatch(
    `a/${fileName}`,
    `b/${fileName}`,
    a.slice(skipHead, a.length - skipTail).join(''),
    b.slice(skipHead, b.length - skipTail).join(''),
    undefined,
    undefined,
    { context: CONTEXT },
  );
  for (const hunk of patch.hunks) {
    hunk.oldStart += skipHead;
    hunk.newStart += skipHead;
  }
  return formatPatch(patch);
}

/** Re-reads the result the way Kafka would and checks it says what we meant, and that old listeners kept their values. */
function assertEffective(after: ListenerConfig, exposures: readonly ParsedExposure[], before: ListenerConfig): void {
  const wrong: string[] = [];
  const find = (list: ListenerEndpoint[], name: string) => list.find((l) => upper(l.name) === upper(name));
  for (const e of exposures) {
    const bind = find(after.listeners.endpoints, e.name);
    const adv = find(after.advertisedListeners.endpoints, e.name);
    if (bind?.host !== e.bindHost || bind.port !== e.bindPort) wrong.push(`listeners[${e.name}]`);
    if (adv?.host !== e.advertisedHost || adv.port !== e.advertisedPort) wrong.push(`advertised.listeners[${e.name}]`);
    if (after.securityProtocolMap.entries[upper(e.name)] !== e.securityProtocol) wrong.push(`protocol map[${e.name}]`);
  }
  const ours = new Set(exposures.map((e) => upper(e.name)));
  const others = (c: ListenerConfig) =>
    JSON.stringify({
      l: c.listeners.endpoints.filter((l) => !ours.has(upper(l.name))),
      a: c.advertisedListeners.endpoints.filter((l) => !ours.has(upper(l.name))),
      m: Object.entries(c.securityProtocolMap.entries).filter(([n]) => !ours.has(n)),
      i: c.interBrokerListenerName,
      c: c.controllerListenerNames,
    });
  if (others(after) !== others(before)) wrong.push('existing listeners');
  if (wrong.length > 0) {
    throw new PropertiesEditUnsafe(
      wrong,
      `internal check failed after editing listeners: ${wrong.join(', ')} not as planned`,
    );
  }
}
