import type { ListenerView } from '../model/observed.ts';
import type { HostedPartitions, KafkaAdmin, OwnView, SecretResolver } from '../ports.ts';
import type { ClusterSpec } from '../spec/schema.ts';
import { resolveKafkaAccess } from './access.ts';
import { parseHostPort } from './probe/identity.ts';
import { createProbe, type KafkaProbe } from './probe/probe.ts';
import type { ClusterSnapshot } from './snapshot.ts';

/**
 * KafkaAdmin over the probe, through the internal listener of `kafka.bootstrap`: the cluster snapshot comes
 * from the first bootstrap address that answers; a broker's running listeners come from DescribeConfigs sent
 * to that broker's own internal address (from Metadata), which is the only broker allowed to answer for itself.
 */
export async function createKafkaAdmin(spec: ClusterSpec, secrets: SecretResolver): Promise<KafkaAdmin> {
  const access = await resolveKafkaAccess(spec, secrets);
  const open = (host: string, port: number): KafkaProbe =>
    createProbe({
      host,
      port,
      timeoutMs: access.timeoutMs,
      ...(access.tls ? { tls: access.tls } : {}),
      ...(access.sasl ? { sasl: access.sasl } : {}),
    });

  let bootstrap: KafkaProbe | undefined;
  const bootstrapProbe = async (): Promise<KafkaProbe> => {
    if (bootstrap !== undefined) return bootstrap;
    let lastError: unknown;
    for (const address of spec.kafka.bootstrap) {
      const target = parseHostPort(address)!;
      const probe = open(target.host, target.port);
      try {
        await probe.apiVersions();
        bootstrap = probe;
        return probe;
      } catch (error) {
        lastError = error;
        await probe.close().catch(() => undefined);
      }
    }
    throw lastError;
  };

  let brokerAddresses: Map<number, { host: string; port: number }> | undefined;
  const addressOf = async (brokerId: number, fresh = false): Promise<{ host: string; port: number } | undefined> => {
    if (brokerAddresses === undefined || fresh) {
      const metadata = await (await bootstrapProbe()).metadata();
      brokerAddresses = new Map(
        metadata.brokers.map((broker) => [broker.id, { host: broker.host, port: broker.port }]),
      );
    }
    return brokerAddresses.get(brokerId);
  };

  return {
    async snapshot(): Promise<ClusterSnapshot> {
      return (await bootstrapProbe()).snapshotCluster();
    },
    async runningListeners(brokerId: number): Promise<Record<string, ListenerView> | null> {
      const address = await addressOf(brokerId);
      if (address === undefined) return null;
      const probe = open(address.host, address.port);
      try {
        const identity = await probe.brokerIdentity(brokerId);
        if (!identity.reachedExpected) return null;
        const views: Record<string, ListenerView> = {};
        for (const endpoint of identity.listeners) {
          views[endpoint.name] = { bind: { host: endpoint.host, port: endpoint.port } };
        }
        for (const endpoint of identity.advertisedListeners) {
          views[endpoint.name] = { ...views[endpoint.name], advertised: { host: endpoint.host, port: endpoint.port } };
        }
        for (const [name, view] of Object.entries(views)) {
          const protocol = identity.securityProtocols[name.toUpperCase()];
          if (protocol !== undefined) view.securityProtocol = protocol;
        }
        return views;
      } finally {
        await probe.close().catch(() => undefined);
      }
    },
    async ownView(brokerId: number): Promise<OwnView> {
      const address = await addressOf(brokerId, true);
      if (address === undefined) {
        return { serves: false, address: null, reason: `broker ${brokerId} is not among the live brokers in metadata` };
      }
      const where = `${address.host}:${address.port}`;
      const probe = open(address.host, address.port);
      try {
        const metadata = await probe.metadata();
        return metadata.brokers.some((b) => b.id === brokerId)
          ? { serves: true, address: where }
          : {
              serves: false,
              address: where,
              reason: `broker ${brokerId} at ${where} does not list itself as live yet`,
            };
      } catch (error) {
        return {
          serves: false,
          address: where,
          reason: `broker ${brokerId}'s own listener ${where} does not answer: ${(error as Error).message}`,
        };
      } finally {
        await probe.close().catch(() => undefined);
      }
    },
    async hostedPartitions(brokerId: number): Promise<HostedPartitions> {
      const address = await addressOf(brokerId, true);
      if (address === undefined)
        return { known: false, reason: `broker ${brokerId} is not live, so it cannot list its partitions` };
      const probe = open(address.host, address.port);
      try {
        return { known: true, topics: await probe.hostedPartitions() };
      } catch (error) {
        return { known: false, reason: `DescribeLogDirs on broker ${brokerId} failed: ${(error as Error).message}` };
      } finally {
        await probe.close().catch(() => undefined);
      }
    },
    async close(): Promise<void> {
      await bootstrap?.close().catch(() => undefined);
      bootstrap = undefined;
    },
  };
}
