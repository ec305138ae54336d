import { z } from 'zod';
import { PROVIDER_KINDS, SECURITY_PROTOCOLS } from '../spec/schema.ts';
import { restartBatchSchema } from './batch-schemas.ts';
import type { Plan } from './plan.ts';
import { nodeIdSchema, portSchema } from './schemas.ts';

/*
 * Strict schema of a Plan as it travels between orchestrator states (Step Functions passes JSON from one
 * task to the next; a hand-edited execution input must not reach a broker). Kept in step with ./plan.ts by
 * the `satisfies` clause at the bottom: a field added there and not here fails the type check.
 */

const port = portSchema;
const nodeId = nodeIdSchema;
const isoTime = z.iso.datetime({ offset: true });
const role = z.enum(['broker', 'bootstrap']);

const planTarget = z.strictObject({
  brokerId: nodeId,
  instanceId: z.string().optional(),
  host: z.string().min(1),
  port,
});

const lbAction = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('createMapping'),
    exposure: z.string(),
    role,
    port,
    brokerId: nodeId.optional(),
    targets: z.array(planTarget),
  }),
  z.strictObject({
    kind: z.literal('registerTargets'),
    exposure: z.string(),
    role,
    port,
    targets: z.array(planTarget),
  }),
  z.strictObject({
    kind: z.literal('deregisterTargets'),
    exposure: z.string(),
    role,
    port,
    targets: z.array(z.strictObject({ id: z.string(), port })),
  }),
  z.strictObject({
    kind: z.literal('retireMapping'),
    exposure: z.string(),
    port,
    brokerId: nodeId,
    retiredAt: isoTime,
  }),
  z.strictObject({ kind: z.literal('reviveMapping'), exposure: z.string(), port, brokerId: nodeId }),
  z.strictObject({ kind: z.literal('deleteMapping'), exposure: z.string(), port, brokerId: nodeId.optional() }),
  z.strictObject({ kind: z.literal('openPort'), port, cidrs: z.array(z.string()) }),
  z.strictObject({ kind: z.literal('closePort'), port, cidrs: z.array(z.string()) }),
]);

const desiredListener = z.strictObject({
  name: z.string(),
  bindHost: z.string(),
  bindPort: port,
  advertisedHost: z.string(),
  advertisedPort: port,
  securityProtocol: z.enum(SECURITY_PROTOCOLS),
});

const zoned = {
  az: z.string().optional(),
  azId: z.string().optional(),
};

export const planSchema = z.strictObject({
  version: z.literal(1),
  cluster: z.string(),
  provider: z.enum(PROVIDER_KINDS),
  generatedAt: isoTime,
  exposures: z.array(
    z.strictObject({
      listener: z.string(),
      brokerPort: port,
      bootstrapPorts: z.array(port),
      securityProtocol: z.enum(SECURITY_PROTOCOLS),
      brokers: z.array(
        z.strictObject({
          id: nodeId,
          host: z.string(),
          instanceId: z.string().optional(),
          ...zoned,
          port,
          advertised: z.string().nullable(),
          lb: z.enum(['ok', 'create', 'register', 'revive']),
        }),
      ),
      retired: z.array(z.strictObject({ port, brokerId: nodeId, retiredAt: isoTime, reusableAt: isoTime })),
    }),
  ),
  brokers: z.array(
    z.strictObject({
      id: nodeId,
      host: z.string(),
      instanceId: z.string().optional(),
      ...zoned,
      desiredListeners: z.array(desiredListener),
      configChange: z.enum(['none', 'update', 'unknown', 'pending', 'down']),
      restart: z.boolean(),
      reasons: z.array(z.string()),
    }),
  ),
  actions: z.array(lbAction),
  restartOrder: z.array(nodeId),
  restartBatches: z.array(restartBatchSchema).optional(),
  pending: z.array(z.strictObject({ exposure: z.string(), placeholders: z.array(z.string()), message: z.string() })),
  portMoves: z.array(z.strictObject({ exposure: z.string(), brokerId: nodeId, from: port, to: port })).default([]),
  unmanaged: z
    .array(
      z.strictObject({
        port,
        listener: z.string(),
        role: z.enum(['broker', 'bootstrap']),
        insideRangeOf: z.string(),
        why: z.string(),
      }),
    )
    .default([]),
  warnings: z.array(z.string()),
  summary: z.strictObject({
    lbActions: z.number().int().min(0),
    configChanges: z.number().int().min(0),
    restarts: z.number().int().min(0),
    inSync: z.boolean(),
  }),
}) satisfies z.ZodType<Plan>;
