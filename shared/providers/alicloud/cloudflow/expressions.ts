/*
 * The part of CloudFlow's FDL expression language that brokerlink's flows use, written from the public FDL
 * reference ("Inputs and outputs", "Choice"):
 *  - paths: `$Input`, `$Output`, `$Item`, `$Context.Execution.Input`, `$Context.Execution.Name`, then `.field`
 *    and `[index]` steps;
 *  - conditions (Choice): `==  !=  <  <=  >  >=`, `&&  ||`, prefix `!`, parentheses, string constants in double
 *    quotes or backticks, numbers, `true`, `false`, `null`;
 *  - constructors (InputConstructor, OutputConstructor, ItemConstructor, Parameters): a key ending in `.$` takes the
 *    value of its expression, other keys their literal value, recursively.
 * Anything else is refused with FdlUnsupported, so a flow cannot silently rely on something this interpreter
 * does not implement.
 */
import { FdlUnsupported } from './errors.ts';

export type Scope = Readonly<Record<string, unknown>>;

type Token = { kind: 'path'; text: string } | { kind: 'literal'; value: unknown } | { kind: 'op'; text: string };

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '$') {
      const match = /^\$[A-Za-z]+(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*/.exec(source.slice(i));
      if (match === null) throw new FdlUnsupported(`expression "${source}": cannot read a path at ${i}`);
      tokens.push({ kind: 'path', text: match[0] });
      i += match[0].length;
      continue;
    }
    if (c === '"' || c === '`') {
      const end = source.indexOf(c, i + 1);
      if (end < 0) throw new FdlUnsupported(`expression "${source}": unterminated string`);
      tokens.push({ kind: 'literal', value: source.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const number = /^-?\d+(?:\.\d+)?/.exec(source.slice(i));
    if (number !== null) {
      tokens.push({ kind: 'literal', value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const word = /^(true|false|null)\b/.exec(source.slice(i));
    if (word !== null) {
      tokens.push({ kind: 'literal', value: word[1] === 'true' ? true : word[1] === 'false' ? false : null });
      i += word[0].length;
      continue;
    }
    const op = OPERATORS.find((candidate) => source.startsWith(candidate, i));
    if (op === undefined) throw new FdlUnsupported(`expression "${source}": "${c}" is outside the supported subset`);
    tokens.push({ kind: 'op', text: op });
    i += op.length;
  }
  return tokens;
}

export function resolvePath(path: string, scope: Scope): unknown {
  const [, root, rest = ''] = /^\$([A-Za-z]+)(.*)$/.exec(path) ?? [];
  if (root === undefined || !(root in scope)) throw new FdlUnsupported(`path ${path}: $${root} is not available here`);
  let value: unknown = scope[root];
  for (const step of rest.match(/\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\]/g) ?? []) {
    if (value === null || value === undefined) return undefined;
    value = step.startsWith('[')
      ? (value as unknown[])[Number(step.slice(1, -1))]
      : (value as Record<string, unknown>)[step.slice(1)];
  }
  return value;
}

/** Evaluates an expression (a path alone, or a condition). */
export function evaluate(source: string, scope: Scope): unknown {
  const tokens = tokenize(source);
  let at = 0;
  const peek = () => tokens[at];
  const take = () => tokens[at++];
  const primary = (): unknown => {
    const token = take();
    if (token === undefined) throw new FdlUnsupported(`expression "${source}" ends early`);
    if (token.kind === 'literal') return token.value;
    if (token.kind === 'path') return resolvePath(token.text, scope);
    if (token.text === '(') {
      const value = or();
      if (take()?.kind !== 'op') throw new FdlUnsupported(`expression "${source}": missing ")"`);
      return value;
    }
    if (token.text === '!') return !primary();
    throw new FdlUnsupported(`expression "${source}": unexpected "${token.text}"`);
  };
  const comparison = (): unknown => {
    const left = primary();
    const next = peek();
    if (next?.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(next.text)) {
      take();
      const right = primary();
      switch (next.text) {
        case '==':
          return left === right || (left === undefined && right === null);
        case '!=':
          return !(left === right || (left === undefined && right === null));
        case '<':
          return (left as number) < (right as number);
        case '<=':
          return (left as number) <= (right as number);
        case '>':
          return (left as number) > (right as number);
        default:
          return (left as number) >= (right as number);
      }
    }
    return left;
  };
  const and = (): unknown => {
    let value = comparison();
    while (peek()?.kind === 'op' && (peek() as { text: string }).text === '&&') {
      take();
      const right = comparison();
      value = Boolean(value) && Boolean(right);
    }
    return value;
  };
  function or(): unknown {
    let value = and();
    while (peek()?.kind === 'op' && (peek() as { text: string }).text === '||') {
      take();
      const right = and();
      value = Boolean(value) || Boolean(right);
    }
    return value;
  }
  const value = or();
  if (at !== tokens.length) throw new FdlUnsupported(`expression "${source}": unexpected text after the expression`);
  return value;
}

/** Builds an object from a constructor (`key.$: expression`, `key: literal`, nested). */
export function construct(template: unknown, scope: Scope): unknown {
  if (Array.isArray(template)) return template.map((item) => construct(item, scope));
  if (template === null || typeof template !== 'object') return template;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) {
      if (typeof value !== 'string') throw new FdlUnsupported(`constructor key ${key} must hold an expression string`);
      out[key.slice(0, -2)] = evaluate(value, scope);
    } else {
      out[key] = construct(value, scope);
    }
  }
  return out;
}
