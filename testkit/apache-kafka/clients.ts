/**
 * The consumer's side, with clients nobody here wrote: @platformatic/kafka's high-level Producer/Consumer (in this
 * process) and Apache Kafka's own command-line tools (JVMs). The advertised names (`b1.kafka.demo.internal`) do not
 * resolve on this machine, as they would not on a consumer's without its private DNS zone: a hosts mapping plays
 * that zone, pointing each advertised name at the load balancer. Nothing bypasses the advertised addresses: the
 * clients bootstrap through the LB, read the advertised endpoints from Metadata and connect to those.
 *  - Node clients: `withHostsMapping` resolves the mapped names in this process's `dns.lookup` (what `net.connect`
 *    calls), and nothing else;
 *  - Java tools: `javaHostsFile` writes a hosts file for the JDK's `-Djdk.net.hosts.file`.
 */
import dns from 'node:dns';
import { writeFile } from 'node:fs/promises';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: unknown, family?: number) => void;

/**
 * Runs `work` with `names` resolving to `address` in this process (every other name resolves as before);
 * `resolved` collects every mapped name the clients looked up, so a test can show they used the advertised names.
 */
export async function withHostsMapping<T>(
  names: readonly string[],
  address: string,
  work: () => Promise<T>,
  resolved: Set<string> = new Set(),
): Promise<T> {
  const mapped = new Set(names.map((n) => n.toLowerCase()));
  const original = dns.lookup;
  const lookup = (hostname: string, options: unknown, callback?: LookupCallback): void => {
    const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
    const opts = (typeof options === 'object' && options !== null ? options : {}) as { all?: boolean };
    if (!mapped.has(hostname.toLowerCase())) {
      (original as (h: string, o: unknown, c: LookupCallback) => void)(hostname, opts, cb);
      return;
    }
    resolved.add(hostname.toLowerCase());
    process.nextTick(() => (opts.all ? cb(null, [{ address, family: 4 }]) : cb(null, address, 4)));
  };
  (dns as { lookup: unknown }).lookup = lookup;
  try {
    return await work();
  } finally {
    (dns as { lookup: unknown }).lookup = original;
  }
}

/** Writes a hosts file mapping `names` to `address`, for `java -Djdk.net.hosts.file=<file>`. */
export async function javaHostsFile(file: string, names: readonly string[], address: string): Promise<string> {
  await writeFile(file, `${names.map((n) => `${address} ${n}`).join('\n')}\n`);
  return file;
}

/** `host:port` → host, for building the mapping from advertised addresses. */
export function hostOf(hostPort: string): string {
  return hostPort.slice(0, hostPort.lastIndexOf(':'));
}
