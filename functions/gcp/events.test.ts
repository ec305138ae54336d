import { describe, expect, it } from 'vitest';
import { parseInstanceInsert, parseObjectFinalized, TriggerEventInvalid } from './events.ts';

/* Eventarc CloudEvents as the trigger functions receive them; bad events are named errors. */

function insertEvent(
  overrides: { last?: boolean; methodName?: string; status?: { code: number; message: string } } = {},
) {
  return {
    specversion: '1.0',
    id: 'projects/kafka-prod-1/logs/cloudaudit.googleapis.com%2Factivity1234',
    source: '//cloudaudit.googleapis.com/projects/kafka-prod-1/logs/activity',
    type: 'google.cloud.audit.log.v1.written',
    time: '2026-12-01T10:00:00Z',
    data: {
      protoPayload: {
        serviceName: 'compute.googleapis.com',
        methodName: overrides.methodName ?? 'v1.compute.instances.insert',
        resourceName: 'projects/kafka-prod-1/zones/us-west1-b/instances/broker-node4',
        ...(overrides.status ? { status: overrides.status } : {}),
      },
      operation: {
        id: 'operation-1',
        producer: 'compute.googleapis.com',
        ...(overrides.last === false ? { first: true } : { last: true }),
      },
      resource: { type: 'gce_instance', labels: { zone: 'us-west1-b', instance_id: '123' } },
    },
  };
}

describe('instance insert (Cloud Audit Logs)', () => {
  it('enrols on the last entry of a successful insert', () => {
    expect(parseInstanceInsert(insertEvent())).toEqual({
      eventId: insertEvent().id,
      instanceId: 'us-west1-b/broker-node4',
      project: 'kafka-prod-1',
      done: true,
    });
  });

  it('ignores the first entry, a failed insert and other methods, saying why', () => {
    expect(parseInstanceInsert(insertEvent({ last: false }))).toMatchObject({
      done: false,
      ignored: expect.stringContaining('not finished'),
    });
    expect(parseInstanceInsert(insertEvent({ status: { code: 8, message: 'QUOTA_EXCEEDED' } }))).toMatchObject({
      done: false,
      ignored: expect.stringContaining('QUOTA_EXCEEDED'),
    });
    expect(parseInstanceInsert(insertEvent({ methodName: 'v1.compute.instances.delete' }))).toMatchObject({
      done: false,
      ignored: 'method v1.compute.instances.delete',
    });
  });

  it('refuses an event that is not a Compute audit log entry, naming the field', () => {
    const wrong = insertEvent();
    (wrong.data.protoPayload as Record<string, unknown>).resourceName =
      'projects/p/zones/us-west1-b/instances/$(reboot)';
    expect(() => parseInstanceInsert(wrong)).toThrow(TriggerEventInvalid);
    expect(() => parseInstanceInsert(wrong)).toThrow(
      /data\.protoPayload\.resourceName: must be projects\/P\/zones\/Z\/instances\/NAME/,
    );
    expect(() =>
      parseInstanceInsert({ ...insertEvent(), type: 'google.cloud.pubsub.topic.v1.messagePublished' }),
    ).toThrow(/type/);
    expect(() => parseInstanceInsert('{}')).toThrow(TriggerEventInvalid);
  });
});

describe('spec change (Cloud Storage object finalized)', () => {
  it('reads the object, and refuses an event without one', () => {
    const event = {
      id: '1234',
      source: '//storage.googleapis.com/projects/_/buckets/b',
      type: 'google.cloud.storage.object.v1.finalized',
      data: { bucket: 'kafka-prod-1-brokerlink', name: 'specs/orders.yaml', generation: '1733047200123456' },
    };
    expect(parseObjectFinalized(event)).toEqual({
      eventId: '1234',
      bucket: 'kafka-prod-1-brokerlink',
      name: 'specs/orders.yaml',
      generation: '1733047200123456',
    });
    expect(() => parseObjectFinalized({ ...event, data: { bucket: 'b1x' } })).toThrow(/data\.name/);
  });
});
