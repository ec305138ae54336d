import { z } from 'zod';
import type { RackTopology, RestartBatch } from '../kafka/safety/batches.ts';
import { nodeIdSchema } from './schemas.ts';

/*
 * Strict schemas of the batched roll's data as it travels between steps: the rack topology in the observed state
 * (discover → plan) and the batches in the plan (plan → the CLI, the report, a stored plan).
 */

const nodeIds = z.array(nodeIdSchema);
const byNodeId = <T extends z.ZodType>(value: T) =>
  z.record(z.string().regex(/^\d+$/, 'keys are node ids written as strings, such as "1"'), value);

const witness = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('partition'),
    partition: z.string().min(1),
    replicas: nodeIds,
    isr: nodeIds,
    minIsr: z.number().int(),
    rule: z.enum(['min-isr', 'one-replica']),
    alike: z.number().int().min(0),
  }),
  z.strictObject({ kind: z.literal('quorum'), voters: nodeIds, caughtUp: nodeIds, needed: z.number().int().min(1) }),
]);

export const rackTopologySchema = z.strictObject({
  racks: byNodeId(z.string().min(1)),
  blocked: byNodeId(z.string()),
  constraints: z.array(
    z.strictObject({
      rack: z.string().min(1),
      members: nodeIds,
      capacity: z.number().int().min(1),
      witness,
    }),
  ),
}) satisfies z.ZodType<RackTopology>;

export const restartBatchSchema = z.strictObject({
  phase: z.enum(['controllers', 'brokers', 'active-controller']),
  rack: z.string().nullable(),
  brokers: nodeIds.min(1),
  deferred: z.array(z.strictObject({ broker: nodeIdSchema, reason: z.string() })),
  blocked: z.string().optional(),
  largest: z.boolean(),
  note: z.string().optional(),
}) satisfies z.ZodType<RestartBatch>;
