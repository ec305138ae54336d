import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  cataloguedError,
  ERROR_CATALOGUE,
  ERROR_NAMES,
  errorNamesWith,
  isErrorName,
  retryPolicyOfName,
} from './error-catalogue.ts';
import { BrokerlinkError, DISPOSITIONS, dispositionOf, retryPolicyOf } from './errors.ts';
import { ProbeTimedOut } from './kafka/probe/errors.ts';
import { AwsThrottled } from './providers/aws/errors.ts';
import { type DeclaredErrorClass, declaredErrorClasses } from './testing/error-classes.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const declared = declaredErrorClasses(ROOT);
const concrete = declared.filter((error) => !error.abstract);
const where = (error: DeclaredErrorClass) => `${error.className} (${error.file})`;

async function classOf(error: DeclaredErrorClass): Promise<unknown> {
  const module = (await import(pathToFileURL(join(ROOT, error.file)).href)) as Record<string, unknown>;
  return module[error.className];
}

describe('error catalogue', () => {
  it('finds the error classes of the tree (the scan itself works)', () => {
    expect(concrete.length).toBeGreaterThan(70);
    expect(declared.map((error) => error.className)).toEqual(
      expect.arrayContaining(['SpecInvalid', 'AwsThrottled', 'LedgerConflict', 'UsageError', 'ProtocolViolation']),
    );
  });

  it('every error class declared anywhere extends BrokerlinkError, not Error', () => {
    const direct = declared.filter((error) => error.baseName === 'Error').map(where);
    expect(direct).toEqual([]);
    expect(declared.filter((error) => !error.exported).map(where)).toEqual([]);
  });

  it('every concrete error class declares its own disposition and its name as the class name', async () => {
    const problems: string[] = [];
    for (const error of concrete) {
      if (!error.declaresDisposition) problems.push(`${where(error)}: no static readonly disposition`);
      if (error.nameLiteral !== error.className) {
        problems.push(`${where(error)}: name is ${JSON.stringify(error.nameLiteral)}, expected '${error.className}'`);
      }
      const errorClass = await classOf(error);
      if (!(typeof errorClass === 'function' && errorClass.prototype instanceof BrokerlinkError)) {
        problems.push(`${where(error)}: not exported as a BrokerlinkError subclass`);
        continue;
      }
      try {
        retryPolicyOf(errorClass);
      } catch (failure) {
        problems.push(`${where(error)}: ${(failure as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('no two error classes share a name (a workflow could not tell them apart)', () => {
    const byName = new Map<string, string[]>();
    for (const error of concrete) byName.set(error.className, [...(byName.get(error.className) ?? []), error.file]);
    expect([...byName].filter(([, files]) => files.length > 1)).toEqual([]);
  });

  it('lists every production error class, and no test-support or CLI error', async () => {
    const missing: string[] = [];
    const intruders: string[] = [];
    for (const error of concrete) {
      const errorClass = await classOf(error);
      const listed = isErrorName(error.className) && ERROR_CATALOGUE[error.className] === errorClass;
      if (error.area === 'production' && !listed) missing.push(where(error));
      if (error.area !== 'production' && isErrorName(error.className)) intruders.push(where(error));
    }
    expect(missing).toEqual([]);
    expect(intruders).toEqual([]);
  });

  it('keys every class by its own name, with a valid disposition and retry policy', () => {
    for (const name of ERROR_NAMES) {
      const errorClass = ERROR_CATALOGUE[name];
      expect(errorClass.name, name).toBe(name);
      expect(DISPOSITIONS).toContain(dispositionOf(errorClass));
      const policy = retryPolicyOfName(name);
      expect(policy === undefined, name).toBe(dispositionOf(errorClass) === 'fail');
    }
  });

  it('classifies the errors the workflows depend on as they are used', () => {
    expect(errorNamesWith('wait').sort()).toEqual(['CloudAssistantAgentNotReady', 'LockHeld', 'VerificationFailed']);
    expect(errorNamesWith('retry')).toEqual(
      expect.arrayContaining([
        'AwsThrottled',
        'AwsServiceUnavailable',
        'KafkaUnavailable',
        'ConfigConflict',
        'LocalStateBusyRetryable',
        'LocalLbNotServingRetryable',
        'ProbeTimedOut',
      ]),
    );
    // Thrown only after their deadline: before it the gates answer ok/ready false and the workflow waits.
    for (const name of ['UnsafeToRoll', 'BrokerNotReady', 'WriterFailed', 'CommandFailed', 'SpecInvalid'] as const) {
      expect(errorNamesWith('fail'), name).toContain(name);
    }
  });

  it('recognises a catalogued error by class, never by a borrowed name', () => {
    const real = new AwsThrottled('ssm:SendCommand');
    expect(cataloguedError(real)).toBe(real);
    expect(cataloguedError(new ProbeTimedOut('h:1', 'Metadata', 10))).toBeDefined();
    expect(cataloguedError(Object.assign(new Error('x'), { name: 'AwsThrottled' }))).toBeUndefined();
    expect(cataloguedError(Object.assign(new Error('x'), { name: 'States.Timeout' }))).toBeUndefined();
    expect(cataloguedError('AwsThrottled')).toBeUndefined();
  });
});

describe('error class scan', () => {
  it('reports a forgotten disposition, a wrong name, a plain Error subclass and a new module (the checks can fail)', () => {
    const root = mkdtempSync(join(tmpdir(), 'brokerlink-errors-'));
    try {
      mkdirSync(join(root, 'shared', 'newcloud'), { recursive: true });
      writeFileSync(
        join(root, 'shared', 'newcloud', 'errors.ts'),
        [
          "import { BrokerlinkError } from '../errors.ts';",
          'export class Forgot extends BrokerlinkError {',
          "  override readonly name = 'Forgot';",
          // a template literal whose placeholder holds a closing brace: the scan must not end the class there
          '  describe() { return `{ $' + "{'}'} }`; }",
          '}',
          'export class Misnamed extends BrokerlinkError {',
          "  static readonly disposition = 'fail';",
          "  override readonly name = 'SomethingElse';",
          '}',
          'export class Plain extends Error {}',
          'export class Child extends Misnamed {}',
        ].join('\n'),
      );
      const found = declaredErrorClasses(root);
      expect(found.map((error) => [error.className, error.declaresDisposition, error.nameLiteral, error.area])).toEqual(
        [
          ['Forgot', false, 'Forgot', 'production'],
          ['Misnamed', true, 'SomethingElse', 'production'],
          ['Plain', false, undefined, 'production'],
          ['Child', false, undefined, 'production'],
        ],
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
