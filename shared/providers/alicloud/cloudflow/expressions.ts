/*
 * The part of CloudFlow's FDL expression language that brokerlink's flows use, written from the public FDL
 * reference ("Inputs and outputs", "Data passing", "Choice", "Built-in functions"):
 *  - paths: `$Input`, `$Output`, `$Item`, `$Global`, `$Context.Execution.Input`, `$Context.Execution.Name`,
 *    `$Context.Current.Error.Code` / `.Detail`, then `.field` and `[index]` steps; a step into an absent value reads
 *    as absent (and compares equal to `null`);
 *  - conditions (Choice): `==  !=  <  <=  >  >=`, `&&  ||`, prefix `!`, parentheses, string constants in double
 *    quotes or backticks, numbers, `true`, `false`, `null`;
 *  - built-in functions (in constructors): `length(x)` (array, map or string), `get(array, index)`,
 *    `intAdd(a, b)`. Their names and purpose are the reference's; the argument order is our reading of it;
 *  - constructors (InputConstructor, OutputConstructor, ItemConstructor, Parameters): a key ending in `.$` takes the
 *    value of its expression, other keys their literal value, recursively.
 * Anything else is refused with FdlUnsupported, so a flow cannot silently rely on something this interpreter
 * does not implement.
 */
import { FdlUnsupported } from './errors.ts';

export type Scope = Readonly<Record<string, unknown>>;

type Token =
  | { kind: 'path'; text: string }
  | { kind: 'literal'; value: unknown }
  | { kind: 'op'; text: string }
  | { kind: 'call'; name: string };

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', ','];

const BUILT_INS: Readonly<Record<string, (args: unknown[], source: string) => unknown>> = {
  length: ([value], source) => {
    if (typeof value === 'string' || Array.isArray(value)) return value.length;
    if (value !== null && typeof value === 'object') return Object.keys(value).length;
    throw new FdlUnsupported(`expression "${source}": length() of something that is not an array, map or string`);
  },
  get: ([collection, key], source) => {
    if (Array.isArray(collection) && Number.isInteger(key)) return collection[key as number];
    if (collection !== null && typeof collection === 'object' && typeof key === 'string') {
      return (collection as Record<string, unknown>)[key];
    }
    throw new FdlUnsupported(`expression "${source}": get() needs an array and an index, or a map and a key`);
  },
  intAdd: ([a, b], source) => {
    if (!Number.isInteger(a) || !Number.isInteger(b)) {
      throw new FdlUnsupported(`expression "${source}": intAdd() adds two integers`);
    }
    return (a as number) + (b as number);
  },
};

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
    const call = /^([A-Za-z][A-Za-z0-9]*)\s*\(/.exec(source.slice(i));
    if (call !== null) {
      if (!Object.hasOwn(BUILT_INS, call[1]!)) {
        throw new FdlUnsupported(`expression "${source}": built-in function ${call[1]}() is outside the subset`);
      }
      tokens.push({ kind: 'call', name: call[1]! });
      i += call[0].length;
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

const isOp = (token: Token | undefined, text: string) => token?.kind === 'op' && token.text === text;

/** Evaluates an expression (a path, a built-in call, or a condition). */
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
    if (token.kind === 'call') {
      const args: unknown[] = [];
      if (!isOp(peek(), ')')) {
        for (;;) {
          args.push(or());
          if (!isOp(peek(), ',')) break;
          take();
        }
      }
      if (!isOp(take(), ')')) throw new FdlUnsupported(`expression "${source}": missing ")" after arguments`);
      return BUILT_INS[token.name]!(args, source);
    }
    if (token.text === '(') {
      const value = or();
      if (!isOp(take(), ')')) throw new FdlUnsupported(`expression "${source}": missing ")"`);
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
      const same = left === right || (left == null && right === null);
      switch (next.text) {
        case '==':
          return same;
        case '!=':
          return !same;
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
    while (isOp(peek(), '&&')) {
      take();
      const right = comparison();
      value = Boolean(value) && Boolean(right);
    }
    return value;
  };
  function or(): unknown {
    let value = and();
    while (isOp(peek(), '||')) {
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
