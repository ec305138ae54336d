import { isErrorName } from '../../error-catalogue.ts';
import type { CatchRule, Condition, Fields, Json, StatePath, Value } from '../contract.ts';
import {
  catchText,
  conditionText,
  type FlowGraph,
  type FlowNode,
  fieldsText,
  pathText,
  policyText,
  valueText,
} from '../graph.ts';
import { START_EXECUTION_RESOURCE } from './generate.ts';

/*
 * Reads a Step Functions definition back into the flow graph (../graph.ts): the checker half of the ASL engine,
 * and the model for an engine whose files are checked against the contract rather than generated. It understands
 * what the generator writes (and what a person writing ASL by hand in the same style would); anything else is
 * reported as `unsupported …` in the graph, so a comparison with the contract fails and says where.
 */

type AslState = Record<string, unknown>;

function path(jsonPath: unknown): StatePath {
  if (typeof jsonPath !== 'string' || !jsonPath.startsWith('$')) return [`unsupported path ${String(jsonPath)}`];
  return jsonPath === '$' ? [] : jsonPath.slice(2).split('.');
}

function value(text: string): Value {
  if (text === '$$.Execution.Id') return { kind: 'executionId' };
  if (text === '$$.Map.Item.Value') return { kind: 'item' };
  return { kind: 'state', path: path(text) };
}

function fields(parameters: unknown): Fields {
  const out: Record<string, Value> = {};
  for (const [key, raw] of Object.entries((parameters ?? {}) as Record<string, unknown>)) {
    if (key.endsWith('.$')) out[key.slice(0, -2)] = value(String(raw));
    else out[key] = { kind: 'literal', value: raw as Json };
  }
  return out;
}

function condition(rule: Record<string, unknown>): Condition {
  if (Array.isArray(rule['And']))
    return { kind: 'and', all: (rule['And'] as Record<string, unknown>[]).map(condition) };
  if (Array.isArray(rule['Or'])) return { kind: 'or', any: (rule['Or'] as Record<string, unknown>[]).map(condition) };
  const variable = path(rule['Variable']);
  if (typeof rule['StringEquals'] === 'string') return { kind: 'equals', path: variable, value: rule['StringEquals'] };
  if (rule['BooleanEquals'] === true) return { kind: 'isTrue', path: variable };
  if (rule['IsPresent'] === true) return { kind: 'isPresent', path: variable };
  if (typeof rule['NumericLessThan'] === 'number') {
    return { kind: 'lessThan', path: variable, value: rule['NumericLessThan'] };
  }
  return { kind: 'equals', path: [`unsupported rule ${JSON.stringify(rule)}`], value: '' };
}

function catches(state: AslState): string[] {
  return ((state['Catch'] as Record<string, unknown>[] | undefined) ?? []).map((c) => {
    const errors = c['ErrorEquals'] as string[];
    const rule: CatchRule = {
      errors: errors.includes('States.ALL') ? 'any' : (errors as CatchRule['errors'] & string[]),
      errorAt: c['ResultPath'] === null ? null : path(c['ResultPath']),
      next: String(c['Next']),
    };
    return catchText(rule);
  });
}

/** Catalogued names per Retry block, with the block's policy; the engine's own names are dropped. */
function retries(state: AslState): string[] {
  return ((state['Retry'] as Record<string, unknown>[] | undefined) ?? []).flatMap((r) => {
    const names = (r['ErrorEquals'] as string[]).filter(isErrorName).sort();
    if (names.length === 0) return [];
    const policy = {
      intervalSeconds: (r['IntervalSeconds'] as number | undefined) ?? 1,
      maxAttempts: (r['MaxAttempts'] as number | undefined) ?? 3,
      backoffRate: (r['BackoffRate'] as number | undefined) ?? 2,
    };
    return [`${names.join(',')} ${policyText(policy)}`];
  });
}

function result(state: AslState): string {
  return state['ResultPath'] === null ? '' : ` → ${pathText(path(state['ResultPath']))}`;
}

/** `DriftCheckName` in the startExecution ARN's Fn::Sub → `drift-check`. */
function startedWorkflow(parameters: Record<string, unknown>): string {
  const sub = (parameters['StateMachineArn'] as { 'Fn::Sub'?: [string, Record<string, unknown>] } | undefined)?.[
    'Fn::Sub'
  ];
  const variable = Object.keys(sub?.[1] ?? {})[0] ?? 'unsupported';
  return variable
    .replace(/Name$/, '')
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

function node(id: string, state: AslState): FlowNode {
  const edges = catches(state);
  let does: string;
  let body: FlowGraph | undefined;
  const type = state['Type'];
  if (type === 'Task' && state['Resource'] === START_EXECUTION_RESOURCE) {
    const parameters = state['Parameters'] as Record<string, unknown>;
    does = `start ${startedWorkflow(parameters)} ${fieldsText(fields(parameters['Input']))}${result(state)}`;
  } else if (type === 'Task') {
    const getAtt = (state['Resource'] as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
    does = `task ${getAtt?.[0] ?? 'unsupported resource'} ${fieldsText(fields(state['Parameters']))}${result(state)}`;
  } else if (type === 'Choice') {
    does = 'choice';
    for (const choice of state['Choices'] as Record<string, unknown>[]) {
      edges.push(`case ${conditionText(condition(choice))} → ${String(choice['Next'])}`);
    }
    edges.push(`otherwise → ${String(state['Default'])}`);
  } else if (type === 'Wait') {
    does = `wait ${String(state['Seconds'])}`;
  } else if (type === 'Pass' && state['End'] === true) {
    does =
      state['OutputPath'] !== undefined
        ? `succeed ${valueText(value(String(state['OutputPath'])))}`
        : `succeed ${fieldsText(fields(state['Parameters']))}`;
  } else if (type === 'Pass' && 'Result' in state) {
    does = `set ${pathText(path(state['ResultPath']))} := ${JSON.stringify(state['Result'])}`;
  } else if (type === 'Pass') {
    const [key, expression] = Object.entries((state['Parameters'] ?? {}) as Record<string, string>)[0] ?? ['', ''];
    const counted = /^States\.MathAdd\((\$[\w.]+), 1\)$/.exec(expression)?.[1];
    const parent = path(state['ResultPath']);
    does =
      counted !== undefined && pathText([...parent, key.replace(/\.\$$/, '')]) === pathText(path(counted))
        ? `count ${pathText(path(counted))}`
        : `unsupported Pass ${JSON.stringify(state)}`;
  } else if (type === 'Fail') {
    does =
      typeof state['ErrorPath'] === 'string'
        ? `fail rethrow ${pathText(path(state['ErrorPath']).slice(0, -1))}`
        : `fail ${String(state['Error'])}: ${String(state['Cause'])}`;
  } else if (type === 'Map') {
    const processor = state['ItemProcessor'] as { StartAt: string; States: Record<string, AslState> };
    does = `forEach ${pathText(path(state['ItemsPath']))} ×${String(state['MaxConcurrency'])} ${fieldsText(fields(state['ItemSelector']))}${result(state)}`;
    body = readAslGraph({ StartAt: processor.StartAt, States: processor.States });
  } else {
    does = `unsupported ${String(type)}`;
  }
  if (typeof state['Next'] === 'string') edges.push(`→ ${state['Next']}`);
  return { id, does, edges: edges.sort(), retries: retries(state).sort(), ...(body === undefined ? {} : { body }) };
}

/** The flow graph of an ASL definition (or of a Map's item processor). */
export function readAslGraph(definition: { StartAt: unknown; States: unknown }): FlowGraph {
  const states = definition.States as Record<string, AslState>;
  return {
    start: String(definition.StartAt),
    nodes: Object.entries(states)
      .map(([id, state]) => node(id, state))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  };
}
