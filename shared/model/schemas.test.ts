import { describe, expect, it } from 'vitest';
import { observedStateSchema } from '../plan/observed-schema.ts';
import { isPort, MAX_NODE_ID, nodeIdSchema, portSchema } from './schemas.ts';

const messageOf = (schema: typeof portSchema | typeof nodeIdSchema, value: unknown) =>
  schema.safeParse(value).error?.issues[0]?.message;

describe('the port and node id schemas', () => {
  it('accept TCP ports 1-65535 and say what is wrong with anything else', () => {
    expect(portSchema.parse(1)).toBe(1);
    expect(portSchema.parse(65_535)).toBe(65_535);
    expect(messageOf(portSchema, 0)).toBe('must be a TCP port number (1-65535)');
    expect(messageOf(portSchema, 65_536)).toBe('must be a TCP port number (1-65535)');
    expect(messageOf(portSchema, 90.5)).toBe('must be a whole number');
    expect(messageOf(portSchema, '9092')).toBe(
      'must be a TCP port number (1-65535), got the string "9092" — write it without quotes',
    );
    expect(messageOf(portSchema, undefined)).toBe('is required: a TCP port number (1-65535)');
    expect([0, 1, 65_535, 65_536, 1.5].map(isPort)).toEqual([false, true, true, false, false]);
  });

  it('accept Kafka node ids 0 to int32 max', () => {
    expect(nodeIdSchema.parse(0)).toBe(0);
    expect(nodeIdSchema.parse(MAX_NODE_ID)).toBe(2_147_483_647);
    expect(messageOf(nodeIdSchema, -1)).toBe('must be ≥ 0');
    expect(messageOf(nodeIdSchema, MAX_NODE_ID + 1)).toBe('must fit a Kafka node id (int32)');
    expect(messageOf(nodeIdSchema, 'one')).toBe('must be a Kafka node id');
  });

  it('are the ones an observed-state snapshot is checked with', () => {
    const result = observedStateSchema.safeParse({
      observedAt: '2026-05-01T12:00:00Z',
      brokers: [{ id: -1, host: '10.0.0.1' }],
      loadBalancer: { mappings: [], openPorts: [70_000] },
    });
    expect(result.error?.issues.map((issue) => issue.message).sort()).toEqual([
      'must be a TCP port number (1-65535)',
      'must be ≥ 0',
    ]);
  });
});
