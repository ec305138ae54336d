/**
 * Pure parsing for broker identity: the id named in Kafka's DescribeConfigs(BROKER) refusal, and
 * `listeners` / `advertised.listeners` values.
 */

/**
 * Kafka (apache/kafka ConfigHelper, unchanged since 2.0) refuses DescribeConfigs for another broker's id with
 * INVALID_REQUEST "Unexpected broker id, expected M or empty string, but received N", where M is the id of the
 * broker that answered. Returns M, or null when the message does not carry it. Kafka 1.x said
 * "expected M but received N"; that form is accepted too.
 */
export function parseUnexpectedBrokerId(message: string | null | undefined): number | null {
  if (!message) return null;
  const match = /Unexpected broker id, expected (-?\d+)(?: or empty string)?,? but received/i.exec(message);
  if (!match?.[1]) return null;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) ? id : null;
}

export interface ListenerEndpoint {
  /** Listener name as written (e.g. `EXTERNAL`, `PLAINTEXT`). */
  name: string;
  /** Host as written; empty string for "all interfaces" (`PLAINTEXT://:9092`). IPv6 brackets are removed. */
  host: string;
  port: number;
}

/**
 * Parses a `listeners`/`advertised.listeners` value: comma-separated `NAME://host:port`. Entries that do not
 * parse are returned in `invalid` rather than dropped silently.
 */
export function parseListeners(value: string | null | undefined): { endpoints: ListenerEndpoint[]; invalid: string[] } {
  const endpoints: ListenerEndpoint[] = [];
  const invalid: string[] = [];
  if (!value) return { endpoints, invalid };
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const match = /^([A-Za-z0-9_.-]+):\/\/(\[[^\]]*\]|[^:/\s]*):(\d{1,5})$/.exec(entry);
    const port = match ? Number(match[3]) : Number.NaN;
    if (!match?.[1] || match[2] === undefined || !(port >= 0 && port <= 65535)) {
      invalid.push(entry);
      continue;
    }
    const host = match[2].startsWith('[') ? match[2].slice(1, -1) : match[2];
    endpoints.push({ name: match[1], host, port });
  }
  return { endpoints, invalid };
}

/** `host:port`, with brackets around IPv6 literals. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Parses `host:port` (IPv6 in brackets). Returns null when it does not parse. */
export function parseHostPort(value: string): { host: string; port: number } | null {
  const match = /^(\[[^\]]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(value.trim());
  if (!match?.[1] || !match[2]) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return null;
  const host = match[1].startsWith('[') ? match[1].slice(1, -1) : match[1];
  return { host, port };
}
