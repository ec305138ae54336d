import { resolveKafkaAccess } from '../kafka/access.ts';
import { VerificationFailed } from '../kafka/verify/errors.ts';
import type { VerificationReport } from '../kafka/verify/report.ts';
import type { Plan } from '../model/plan.ts';
import type { ClusterSpec } from '../spec/schema.ts';
import type { StepDeps } from './deps.ts';

export type { VerificationReport };

/**
 * Verifies from the consumer's point of view, through the load balancer: bootstrap returns exactly the planned
 * advertised addresses, and every broker port reaches its planned broker. Brokers whose address is still pending
 * (an unknown placeholder) are left out: they do not advertise the exposure yet.
 */
export async function verifyPlan(
  spec: ClusterSpec,
  plan: Plan,
  deps: Pick<StepDeps, 'loadBalancer' | 'secrets'>,
  options: { failOnProblems?: boolean } = {},
): Promise<VerificationReport> {
  const lbHost = await deps.loadBalancer.consumerAddress(spec);
  // A load balancer that routes within each zone only is dialled where the consumer's traffic enters: each broker
  // port through its broker's zone, each bootstrap port through every zone (docs/aws.md, "Zones").
  const routes = (await deps.loadBalancer.consumerRoutes?.(spec)) ?? undefined;
  const zoneOf = new Map(plan.brokers.map((broker) => [broker.id, broker.azId ?? broker.az]));
  const viaFor = (brokerId: number) => {
    const zone = zoneOf.get(brokerId);
    const via = zone === undefined ? undefined : routes?.byZone[zone];
    return via === undefined ? {} : { via };
  };
  const exposures = plan.exposures
    .map((exposure) => ({
      listener: exposure.listener,
      bootstrapPorts: exposure.bootstrapPorts,
      ...(routes === undefined || routes.bootstrap.length === 0 ? {} : { bootstrapVia: routes.bootstrap }),
      brokers: exposure.brokers.flatMap((broker) =>
        broker.advertised === null
          ? []
          : [{ id: broker.id, port: broker.port, advertised: broker.advertised, ...viaFor(broker.id) }],
      ),
    }))
    .filter((exposure) => exposure.brokers.length > 0);
  if (exposures.length === 0) {
    // Every address is pending (an unknown placeholder): no broker advertises an exposure yet, so there is nothing
    // to verify through the load balancer; the report lists what is pending.
    const now = new Date().toISOString();
    return { ok: true, lbHost, startedAt: now, durationMs: 0, checks: [], summary: { total: 0, passed: 0, failed: 0 } };
  }
  // The consumer connects with the exposure's protocol; we use the cluster's own credentials for it.
  const secured = spec.exposures.some((exposure) => exposure.securityProtocol !== 'PLAINTEXT');
  const access = secured ? await resolveKafkaAccess(spec, deps.secrets) : { timeoutMs: spec.kafka.requestTimeoutMs };
  // Loaded on first use: the Kafka client library takes most of a cold start, and only this step needs it here.
  const { verifyThroughLoadBalancer } = await import('../kafka/verify/verify.ts');
  const report = await verifyThroughLoadBalancer({ lbHost, exposures, ...access });
  if (!report.ok && options.failOnProblems !== false) throw new VerificationFailed(report);
  return report;
}
