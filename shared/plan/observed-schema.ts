import { parseDocument } from 'yaml';
import { z } from 'zod';
import { rackTopologySchema } from '../model/batch-schemas.ts';
import type { ObservedState } from '../model/observed.ts';
import { nodeIdSchema, portSchema } from '../model/schemas.ts';
import { formatIssuePath } from '../util/issues.ts';
import { type ObservedIssue, ObservedStateInvalid } from './errors.ts';

/*
 * Strict schema of an ObservedState snapshot (see docs/observed-state.md): what `brokerlink plan --observed <file>`
 * reads to plan offline, and what the `plan` task accepts from `discover`. Unknown keys are rejected everywhere,
 * so a misspelt `retiredAt` cannot silently turn a port in cool-down into a free one.
 */

const port = portSchema;
const nodeId = nodeIdSchema;

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time such as 2026-05-01T12:00:00Z' });

const hostPort = z.strictObject({ host: z.string().min(1, 'must not be empty'), port });

const listenerView = z.strictObject({
  bind: z.strictObject({ host: z.string(), port }).optional(),
  advertised: hostPort.optional(),
  securityProtocol: z.string().min(1).optional(),
});

const listenersByName = z.record(z.string().min(1), listenerView);

const discoveredBroker = z.strictObject({
  id: nodeId,
  host: z.string().min(1, 'must not be empty'),
  instanceId: z.string().min(1).optional(),
  az: z.string().min(1).optional(),
  azId: z.string().min(1).optional(),
  state: z.enum(['pending', 'running', 'stopping', 'stopped', 'terminated', 'unknown']).optional(),
  commandReady: z.boolean().optional(),
  configPresent: z.boolean().optional(),
});

const observedTarget = z.strictObject({
  id: z.string().min(1, 'must not be empty'),
  port,
  health: z.enum(['healthy', 'unhealthy', 'initial', 'draining', 'unused', 'unknown']).optional(),
});

const observedMapping = z
  .strictObject({
    exposure: z.string().min(1, 'must name the exposure (listener) the mapping belongs to'),
    role: z.enum(['broker', 'bootstrap'], { error: 'must be "broker" or "bootstrap"' }),
    port,
    brokerId: nodeId.optional(),
    targets: z.array(observedTarget),
    retiredAt: isoTime.optional(),
    resourceIds: z.record(z.string(), z.string()).optional(),
  })
  .superRefine((mapping, ctx) => {
    if (mapping.role === 'bootstrap' && mapping.brokerId !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['brokerId'], message: 'is only valid on a broker mapping' });
    }
    if (mapping.role === 'bootstrap' && mapping.retiredAt !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['retiredAt'], message: 'is only valid on a broker mapping' });
    }
  });

export const observedStateSchema = z.strictObject({
  observedAt: isoTime,
  brokers: z.array(discoveredBroker),
  loadBalancer: z.strictObject({
    mappings: z.array(observedMapping),
    openPorts: z.array(port),
    zones: z.array(z.string().min(1)).optional(),
  }),
  brokerConfigs: z
    .record(
      z.string().regex(/^\d+$/, 'keys are node ids written as strings, such as "1"'),
      z.strictObject({ file: listenersByName.optional(), running: listenersByName.optional() }),
    )
    .optional(),
  kafka: z
    .strictObject({
      controllerId: z.number().int().min(-1).nullable().optional(),
      nodeRoles: z
        .record(
          z.string().regex(/^\d+$/, 'keys are node ids written as strings, such as "1"'),
          z.array(z.enum(['broker', 'controller'], { error: 'must be "broker" or "controller"' })),
        )
        .optional(),
      topology: rackTopologySchema.optional(),
      liveBrokers: z.array(nodeId).optional(),
    })
    .optional(),
});

// The schema's output must be usable wherever an ObservedState is expected.
type SchemaOutput = z.output<typeof observedStateSchema>;
const _assignable: (value: SchemaOutput) => ObservedState = (value) => value;
void _assignable;

export type ObservedValidation = { ok: true; observed: ObservedState } | { ok: false; issues: ObservedIssue[] };

export function validateObservedState(value: unknown): ObservedValidation {
  // reportInput: tells a missing field ("is required") from one of the wrong type.
  const parsed = observedStateSchema.safeParse(value, { reportInput: true });
  if (parsed.success) return { ok: true, observed: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => ({
      path: formatIssuePath(issue.path),
      message:
        issue.code === 'invalid_key'
          ? (issue.issues[0]?.message ?? issue.message)
          : issue.code === 'unrecognized_keys'
            ? `has unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((key) => `"${key}"`).join(', ')}; remove or fix the spelling`
            : issue.code === 'invalid_type' && issue.input === undefined
              ? `is required (${issue.expected})`
              : issue.message,
    })),
  };
}

/** Parses and validates a snapshot; throws ObservedStateInvalid naming every bad field. */
export function parseObservedState(value: unknown, source = 'observed state'): ObservedState {
  const result = validateObservedState(value);
  if (!result.ok) throw new ObservedStateInvalid(result.issues, source);
  return result.observed;
}

/** Parses JSON or YAML text (a file written by `brokerlink discover --json`, or by hand). */
export function parseObservedStateText(text: string, source = 'observed state'): ObservedState {
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ObservedStateInvalid(
      document.errors.map((error) => ({
        path: error.linePos ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '(document)',
        message: `is not valid JSON/YAML: ${error.message.split('\n')[0]}`,
      })),
      source,
    );
  }
  return parseObservedState(document.toJS(), source);
}
