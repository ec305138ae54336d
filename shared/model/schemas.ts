import { z } from 'zod';

/*
 * The two numbers every input of brokerlink's names, with one rule and one set of messages wherever they are
 * validated (spec, observed state, plan, task inputs, the local state file, probe and verification input,
 * server.properties rendering): a TCP port and a Kafka node id.
 */

/** Kafka's node ids (`node.id` / `broker.id`) are int32, never negative. */
export const MAX_NODE_ID = 2_147_483_647;

export const portSchema = z
  .number({
    error: (issue) =>
      typeof issue.input === 'string' && /^\d+$/.test(issue.input)
        ? `must be a TCP port number (1-65535), got the string "${issue.input}" — write it without quotes`
        : issue.input === undefined
          ? 'is required: a TCP port number (1-65535)'
          : 'must be a TCP port number (1-65535)',
  })
  .int('must be a whole number')
  .min(1, 'must be a TCP port number (1-65535)')
  .max(65_535, 'must be a TCP port number (1-65535)');

export const nodeIdSchema = z
  .number({ error: 'must be a Kafka node id' })
  .int('must be a whole number')
  .min(0, 'must be ≥ 0')
  .max(MAX_NODE_ID, 'must fit a Kafka node id (int32)');

/** Whether `value` is a TCP port number (for hand-parsed text such as `host:port`). */
export function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65_535;
}
