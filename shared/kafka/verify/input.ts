/** Input of LB verification: plain data, validated before anything is contacted. */
import { z } from 'zod';
import { nodeIdSchema, portSchema } from '../../model/schemas.ts';
import { formatIssuePath } from '../../util/issues.ts';
import { parseHostPort } from '../probe/identity.ts';
import { saslOptionsSchema, tlsOptionsSchema } from '../probe/options.ts';
import { VerificationInputInvalid } from './errors.ts';

const port = portSchema;

const brokerSchema = z.strictObject({
  id: nodeIdSchema,
  /** LB port that must reach exactly this broker. */
  port,
  /** Planned advertised address on this listener, `host:port` as the consumer sees it. */
  advertised: z.string().refine((v) => parseHostPort(v) !== null, {
    message: 'must be host:port (IPv6 in brackets), e.g. b1.example.com:9093',
  }),
  /**
   * Load balancer address to dial for this broker's port, when it is not `lbHost`: on an AWS NLB without
   * cross-zone load balancing a port reaches its one target only through the node of the target's zone.
   */
  via: z.string().min(1).optional(),
});

const exposureSchema = z
  .strictObject({
    listener: z.string().regex(/^[A-Za-z0-9_]+$/, 'must be a Kafka listener name such as EXTERNAL'),
    /** LB ports that fan out to every broker. Empty for GCP PSC, which has no fan-out port. */
    bootstrapPorts: z.array(port),
    /** Addresses to check every bootstrap port through (one per load balancer zone); default: `lbHost` only. */
    bootstrapVia: z.array(z.string().min(1)).min(1).optional(),
    brokers: z.array(brokerSchema).min(1, 'list at least one broker'),
  })
  .superRefine((exposure, ctx) => {
    const ids = new Set<number>();
    const ports = new Map<number, string>();
    exposure.bootstrapPorts.forEach((p, i) => {
      if (ports.has(p))
        ctx.addIssue({ code: 'custom', path: ['bootstrapPorts', i], message: `port ${p} appears twice` });
      ports.set(p, 'bootstrap');
    });
    exposure.brokers.forEach((b, i) => {
      if (ids.has(b.id))
        ctx.addIssue({ code: 'custom', path: ['brokers', i, 'id'], message: `broker ${b.id} appears twice` });
      ids.add(b.id);
      const other = ports.get(b.port);
      if (other) {
        ctx.addIssue({
          code: 'custom',
          path: ['brokers', i, 'port'],
          message: `port ${b.port} is already used by ${other}`,
        });
      }
      ports.set(b.port, `broker ${b.id}`);
    });
  });

export const verificationInputSchema = z.strictObject({
  /** Address of the load balancer as the consumer reaches it (loopback forwarder, endpoint DNS, …). */
  lbHost: z.string().min(1),
  tls: tlsOptionsSchema.optional(),
  sasl: saslOptionsSchema.optional(),
  exposures: z.array(exposureSchema).min(1, 'list at least one exposure'),
  /** Opt-in produce/consume round trip through the LB. Off when absent. */
  smoke: z
    .strictObject({
      topic: z.string().min(1),
      partition: z.number().int().min(0).default(0),
    })
    .optional(),
  /** Limit per connection and per request. */
  timeoutMs: z.number().int().positive().max(600_000).default(5_000),
  /** How many checks run at once. */
  concurrency: z.number().int().min(1).max(512).default(32),
});

export type VerificationInput = z.input<typeof verificationInputSchema>;
export type ResolvedVerificationInput = z.output<typeof verificationInputSchema>;

export function parseVerificationInput(input: unknown): ResolvedVerificationInput {
  const result = verificationInputSchema.safeParse(input);
  if (!result.success) {
    throw new VerificationInputInvalid(
      result.error.issues.map((i) => ({ path: formatIssuePath(i.path), message: i.message })),
      { cause: result.error },
    );
  }
  return result.data;
}
