import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { WriterFailed } from '../../shared/broker-writer/errors.ts';
import { ProbeTimedOut } from '../../shared/kafka/probe/errors.ts';
import { AwsServiceUnavailable, AwsThrottled } from '../../shared/providers/aws/errors.ts';
import type { StepDeps } from '../../shared/steps/deps.ts';
import { ConfigConflict, KafkaUnavailable, LockHeld } from '../../shared/steps/errors.ts';
import { toStableError, UnexpectedError } from './errors.ts';
import { createLogger } from './log.ts';
import { createAwsNotifier, DRIFT_METRIC } from './notifier.ts';
import { createTaskHandler } from './task-handler.ts';

const context = { awsRequestId: 'req-1', functionName: 'brokerlink-dev-acquireLock' };

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: createLogger({ write: (line) => lines.push(JSON.parse(line)) }) };
}

/** Deps whose lock behaves like a real one for the calls made here; everything else is untouched by these tasks. */
function lockDeps(lock: Partial<StepDeps['lock']>): StepDeps {
  const untouched = new Proxy(
    {},
    {
      get: (_target, property) => {
        throw new Error(`unexpected use of deps.${String(property)}`);
      },
    },
  );
  return {
    discovery: untouched,
    loadBalancer: untouched,
    commands: untouched,
    secrets: untouched,
    specs: untouched,
    notifier: untouched,
    kafka: async () => untouched as never,
    clock: { now: () => new Date('2026-01-10T00:00:00Z') },
    lock,
  } as unknown as StepDeps;
}

describe('task handlers', () => {
  it('runs the task with validated input and logs start and done with the execution id', async () => {
    const { lines, logger } = capture();
    const held = new Map<string, string>();
    const handler = createTaskHandler('acquireLock', {
      logger,
      deps: () =>
        lockDeps({
          acquire: async (cluster, owner) => {
            held.set(cluster, owner);
            return { acquired: true, owner, expiresAt: '2026-01-10T06:00:00.000Z', generation: 1 };
          },
          release: async () => undefined,
        }),
    });
    const owner = 'arn:aws:states:us-west-2:123456789012:execution:brokerlink-provision-dev:run-1';
    const result = await handler({ cluster: 'orders', owner }, context as never);
    expect(result).toMatchObject({ cluster: 'orders', owner });
    expect(held.get('orders')).toBe(owner);
    expect(lines.map((line) => line['message'])).toEqual(['start', 'done']);
    expect(lines[0]).toMatchObject({
      task: 'acquireLock',
      executionId: owner,
      cluster: 'orders',
      awsRequestId: 'req-1',
    });
  });

  it('reports invalid input as StepInputInvalid and never reaches the deps', async () => {
    const { lines, logger } = capture();
    const handler = createTaskHandler('acquireLock', { logger, deps: () => lockDeps(undefined as never) });
    const failure = await handler({ cluster: 'orders', owner: 'x', extra: 1 }, context as never).catch((e) => e);
    expect(failure.name).toBe('StepInputInvalid');
    expect(failure.message).toContain('extra');
    expect(lines.at(-1)).toMatchObject({ level: 'error', message: 'failed', error: { name: 'StepInputInvalid' } });
  });

  it('keeps the LockHeld name so the state machine can match it', async () => {
    const handler = createTaskHandler('acquireLock', {
      logger: capture().logger,
      deps: () =>
        lockDeps({
          acquire: async () => ({
            acquired: false,
            holder: 'other-execution',
            expiresAt: '2026-01-10T06:00:00.000Z',
            status: {
              holder: {
                owner: 'other-execution',
                acquiredAt: '2026-01-10T00:00:00.000Z',
                expiresAt: '2026-01-10T06:00:00.000Z',
                generation: 3,
              },
              state: 'unknown',
              expired: false,
              detail: 'other-execution is not a Step Functions execution',
            },
          }),
          release: async () => undefined,
        }),
    });
    const failure = await handler({ cluster: 'orders', owner: 'me' }, context as never).catch((e) => e);
    expect(failure.name).toBe('LockHeld');
  });

  it('turns an unexpected error into UnexpectedError, which no Retry matches', async () => {
    const { lines, logger } = capture();
    const handler = createTaskHandler('releaseLock', {
      logger,
      deps: () =>
        lockDeps({
          acquire: async () => ({ acquired: true, owner: 'x', expiresAt: 'x', generation: 1 }),
          release: async () => {
            throw new TypeError("Cannot read properties of undefined (reading 'Value')");
          },
        }),
    });
    const failure = await handler({ cluster: 'orders', owner: 'me' }, context as never).catch((e) => e);
    expect(failure).toBeInstanceOf(UnexpectedError);
    expect(failure.message).toContain('TypeError');
    expect(lines.at(-1)).toMatchObject({ error: { name: 'UnexpectedError', cause: { name: 'TypeError' } } });
  });
});

describe('toStableError', () => {
  it('passes brokerlink retryable errors by class', () => {
    for (const error of [
      new AwsThrottled('ssm:SendCommand'),
      new AwsServiceUnavailable('elbv2:CreateListener', '503'),
      new KafkaUnavailable('no broker answered'),
      new ConfigConflict('changed under us'),
    ]) {
      expect(toStableError(error)).toBe(error);
    }
  });

  it('does not let a foreign error borrow a retryable name', () => {
    const impostor = Object.assign(new Error('socket hang up'), { name: 'KafkaUnavailable' });
    const mapped = toStableError(impostor);
    expect(mapped.name).toBe('UnexpectedError');
    expect(mapped.cause).toBe(impostor);
    const lambdaish = Object.assign(new Error('x'), { name: 'Lambda.TooManyRequestsException' });
    expect(toStableError(lambdaish).name).toBe('UnexpectedError');
  });

  it('passes every catalogued error under its own name, including probe and writer errors', () => {
    // These two used to reach Step Functions as UnexpectedError: they were in neither hand-kept list.
    for (const error of [
      new ProbeTimedOut('10.0.0.11:9092', 'Metadata', 5000),
      new WriterFailed('io', 'write failed: No space left on device', 3),
    ]) {
      expect(toStableError(error)).toBe(error);
    }
    const impostor = Object.assign(new Error('x'), { name: 'SpecInvalid' });
    expect(toStableError(impostor).name).toBe('UnexpectedError');
  });

  it('keeps fatal brokerlink names and wraps non-errors', () => {
    const held = new LockHeld('orders', 'other', '2026-01-10T06:00:00Z');
    expect(toStableError(held)).toBe(held);
    expect(toStableError('boom').name).toBe('UnexpectedError');
  });
});

describe('drift notifier', () => {
  const sns = mockClient(SNSClient);
  afterEach(() => sns.reset());
  const report = {
    cluster: 'orders',
    drift: 2,
    details: ['register broker 3 on port 9095', 'broker 2: listener differs'],
  };

  it('writes an EMF metric line and publishes to the topic', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const metrics: string[] = [];
    const notifier = createAwsNotifier({
      log: capture().logger,
      sns: new SNSClient({ region: 'us-west-2' }),
      topicArn: 'arn:aws:sns:us-west-2:123456789012:brokerlink-drift-dev',
      writeMetric: (line) => metrics.push(line),
    });
    await notifier.driftFound(report);
    const emf = JSON.parse(metrics[0]!);
    expect(emf._aws.CloudWatchMetrics[0]).toEqual({
      Namespace: 'Brokerlink',
      Dimensions: [['Cluster']],
      Metrics: [{ Name: DRIFT_METRIC, Unit: 'Count' }],
    });
    expect(emf).toMatchObject({ Cluster: 'orders', [DRIFT_METRIC]: 2 });
    const publish = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(publish.TopicArn).toBe('arn:aws:sns:us-west-2:123456789012:brokerlink-drift-dev');
    expect(publish.Message).toContain('register broker 3 on port 9095');
  });

  it('logs a failed publish instead of throwing (the metric already went out)', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('denied'), { name: 'AuthorizationErrorException' }));
    const { lines, logger } = capture();
    const metrics: string[] = [];
    const notifier = createAwsNotifier({
      log: logger,
      sns: new SNSClient({ region: 'us-west-2' }),
      topicArn: 'arn:aws:sns:us-west-2:123456789012:brokerlink-drift-dev',
      writeMetric: (line) => metrics.push(line),
    });
    await expect(notifier.driftFound(report)).resolves.toBeUndefined();
    expect(metrics).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({ level: 'error', error: { name: 'AuthorizationErrorException' } });
  });
});
