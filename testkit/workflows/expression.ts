/*
 * Cloud Workflows expressions (`${...}`), the subset brokerlink's workflow files use, written against the public
 * syntax reference (Expressions, Data types, Operators, Standard library): literals (null, true, false, ints,
 * doubles, strings in double or single quotes), variables, `a.b`, `a["b"]`, `a[0]`, calls of standard-library
 * functions, unary `-` and `not`, `* / % //`, `+ -`, comparisons and `in`, `and`, `or` (in that order of
 * precedence, loosest last). Type rules follow the reference: `+` adds numbers or concatenates two strings, never
 * a string and a number (TypeError); ordering compares two numbers or two strings; `and`/`or`/`not` take booleans;
 * a missing map key is a KeyError, an index out of range an IndexError, an unknown variable a ValueError... raised
 * as Workflows error maps `{message, tags}` so `except` and retry predicates see what a real execution sees.
 */

import { BrokerlinkError } from '../../shared/errors.ts';

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

/** An error raised inside a workflow execution (its value is what `except: as: e` sees). */
export class WorkflowError extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'WorkflowError';
  readonly value: Value;
  constructor(value: Value) {
    super(
      typeof value === 'string'
        ? value
        : typeof value === 'object' && value !== null && !Array.isArray(value)
          ? String(value.message ?? JSON.stringify(value))
          : JSON.stringify(value),
    );
    this.value = value;
  }
}

export function raiseTagged(tag: string, message: string): never {
  throw new WorkflowError({ message, tags: [tag] });
}

export interface Scope {
  get(name: string): Value;
  has(name: string): boolean;
}

export type Library = Record<string, (...args: Value[]) => Value>;

type Node =
  | { kind: 'literal'; value: Value }
  | { kind: 'variable'; name: string }
  | { kind: 'member'; target: Node; key: Node }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'unary'; op: '-' | 'not'; operand: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node }
  | { kind: 'list'; items: Node[] }
  | { kind: 'map'; entries: Array<[Node, Node]> };

interface Token {
  type: 'number' | 'string' | 'name' | 'op' | 'end';
  text: string;
  value?: Value;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const number = /^(?:\d+\.\d*(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?|\.\d+)/.exec(source.slice(i));
    if (number) {
      tokens.push({ type: 'number', text: number[0], value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let text = '';
      while (j < source.length && source[j] !== c) {
        if (source[j] === '\\') {
          const next = source[j + 1];
          text += next === 'n' ? '\n' : next === 't' ? '\t' : (next ?? '');
          j += 2;
        } else text += source[j++];
      }
      if (j >= source.length) raiseTagged('ParseError', `unterminated string in expression: ${source}`);
      tokens.push({ type: 'string', text, value: text });
      i = j + 1;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i));
    if (name) {
      tokens.push({ type: 'name', text: name[0] });
      i += name[0].length;
      continue;
    }
    const op = /^(?:\/\/|==|!=|<=|>=|[-+*/%<>()[\]{},.:])/.exec(source.slice(i));
    if (!op) raiseTagged('ParseError', `unexpected character ${c} in expression: ${source}`);
    tokens.push({ type: 'op', text: op[0] });
    i += op[0].length;
  }
  tokens.push({ type: 'end', text: '' });
  return tokens;
}

const BINARY: Record<string, number> = {
  or: 1,
  and: 2,
  '==': 3,
  '!=': 3,
  '<': 3,
  '>': 3,
  '<=': 3,
  '>=': 3,
  in: 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  '//': 5,
};

class Parser {
  readonly #tokens: Token[];
  #at = 0;
  readonly #source: string;
  constructor(source: string) {
    this.#source = source;
    this.#tokens = tokenize(source);
  }

  parse(): Node {
    const node = this.#expression(0);
    if (this.#peek().type !== 'end') this.#fail(`unexpected ${this.#peek().text}`);
    return node;
  }

  #peek(): Token {
    return this.#tokens[this.#at]!;
  }
  #next(): Token {
    return this.#tokens[this.#at++]!;
  }
  #expect(text: string): void {
    if (this.#next().text !== text) this.#fail(`expected ${text}`);
  }
  #fail(why: string): never {
    raiseTagged('ParseError', `${why} in expression: ${this.#source}`);
  }

  #expression(minimum: number): Node {
    let left = this.#unary();
    for (;;) {
      const token = this.#peek();
      const op = token.type === 'op' || token.type === 'name' ? token.text : '';
      const precedence = BINARY[op];
      if (precedence === undefined || precedence < minimum) break;
      this.#next();
      const right = this.#expression(precedence + 1);
      left = { kind: 'binary', op, left, right };
    }
    return left;
  }

  #unary(): Node {
    const token = this.#peek();
    if (token.text === '-' && token.type === 'op') {
      this.#next();
      return { kind: 'unary', op: '-', operand: this.#unary() };
    }
    if (token.type === 'name' && token.text === 'not') {
      this.#next();
      return { kind: 'unary', op: 'not', operand: this.#unary() };
    }
    return this.#postfix(this.#primary());
  }

  #primary(): Node {
    const token = this.#next();
    if (token.type === 'number' || token.type === 'string') return { kind: 'literal', value: token.value! };
    if (token.type === 'name') {
      if (token.text === 'null') return { kind: 'literal', value: null };
      if (token.text === 'true' || token.text === 'True' || token.text === 'TRUE')
        return { kind: 'literal', value: true };
      if (token.text === 'false' || token.text === 'False' || token.text === 'FALSE')
        return { kind: 'literal', value: false };
      // A dotted name followed by "(" is a library call (map.get, list.concat, sys.now, ...).
      let name = token.text;
      let look = this.#at;
      while (this.#tokens[look]?.text === '.' && this.#tokens[look + 1]?.type === 'name') look += 2;
      if (this.#tokens[look]?.text === '(') {
        while (this.#at < look) {
          this.#next();
          name += `.${this.#next().text}`;
        }
        this.#expect('(');
        const args: Node[] = [];
        if (this.#peek().text !== ')') {
          do args.push(this.#expression(0));
          while (this.#peek().text === ',' && this.#next());
        }
        this.#expect(')');
        return { kind: 'call', name, args };
      }
      return { kind: 'variable', name };
    }
    if (token.text === '(') {
      const inner = this.#expression(0);
      this.#expect(')');
      return inner;
    }
    if (token.text === '[') {
      const items: Node[] = [];
      if (this.#peek().text !== ']') {
        do items.push(this.#expression(0));
        while (this.#peek().text === ',' && this.#next());
      }
      this.#expect(']');
      return { kind: 'list', items };
    }
    if (token.text === '{') {
      const entries: Array<[Node, Node]> = [];
      if (this.#peek().text !== '}') {
        do {
          const key = this.#expression(0);
          this.#expect(':');
          entries.push([key, this.#expression(0)]);
        } while (this.#peek().text === ',' && this.#next());
      }
      this.#expect('}');
      return { kind: 'map', entries };
    }
    this.#fail(`unexpected ${token.text || 'end'}`);
  }

  #postfix(node: Node): Node {
    for (;;) {
      const token = this.#peek();
      if (token.text === '.') {
        this.#next();
        const key = this.#next();
        if (key.type !== 'name') this.#fail('expected a key after "."');
        node = { kind: 'member', target: node, key: { kind: 'literal', value: key.text } };
      } else if (token.text === '[') {
        this.#next();
        const key = this.#expression(0);
        this.#expect(']');
        node = { kind: 'member', target: node, key };
      } else return node;
    }
  }
}

const cache = new Map<string, Node>();
export function parseExpression(source: string): Node {
  let node = cache.get(source);
  if (!node) {
    node = new Parser(source).parse();
    cache.set(source, node);
  }
  return node;
}

export function typeOf(value: Value): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'map';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'double';
  return typeof value === 'boolean' ? 'boolean' : 'string';
}

function isMap(value: Value): value is { [key: string]: Value } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bool(value: Value, op: string): boolean {
  if (typeof value !== 'boolean') raiseTagged('TypeError', `${op} needs a boolean, got ${typeOf(value)}`);
  return value;
}

function equal(a: Value, b: Value): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function member(target: Value, key: Value): Value {
  if (isMap(target)) {
    if (typeof key !== 'string') raiseTagged('TypeError', `map keys are strings, got ${typeOf(key)}`);
    if (!Object.hasOwn(target, key)) raiseTagged('KeyError', `key not found: ${key}`);
    return target[key]!;
  }
  if (Array.isArray(target)) {
    if (typeof key !== 'number' || !Number.isInteger(key))
      raiseTagged('TypeError', `list indexes are integers, got ${typeOf(key)}`);
    if (key < 0 || key >= target.length)
      raiseTagged('IndexError', `index ${key} out of range (length ${target.length})`);
    return target[key]!;
  }
  raiseTagged('TypeError', `cannot read ${JSON.stringify(key)} of a ${typeOf(target)}`);
}

export function evaluate(node: Node, scope: Scope, library: Library): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'variable':
      if (!scope.has(node.name)) raiseTagged('ValueError', `variable not defined: ${node.name}`);
      return scope.get(node.name);
    case 'member':
      return member(evaluate(node.target, scope, library), evaluate(node.key, scope, library));
    case 'list':
      return node.items.map((item) => evaluate(item, scope, library));
    case 'map': {
      const out: { [key: string]: Value } = {};
      for (const [k, v] of node.entries) {
        const key = k.kind === 'variable' ? k.name : evaluate(k, scope, library);
        if (typeof key !== 'string') raiseTagged('TypeError', 'map keys are strings');
        out[key] = evaluate(v, scope, library);
      }
      return out;
    }
    case 'call': {
      // default() must see a missing key or variable as "no value", so it evaluates its first argument itself.
      if (node.name === 'default') {
        if (node.args.length !== 2) raiseTagged('TypeError', 'default takes 2 arguments');
        try {
          const value = evaluate(node.args[0]!, scope, library);
          return value === null ? evaluate(node.args[1]!, scope, library) : value;
        } catch (error) {
          if (error instanceof WorkflowError && hasTag(error.value, ['KeyError', 'ValueError'])) {
            return evaluate(node.args[1]!, scope, library);
          }
          throw error;
        }
      }
      const fn = library[node.name];
      if (!fn) raiseTagged('ValueError', `unknown function ${node.name}`);
      return fn(...node.args.map((arg) => evaluate(arg, scope, library)));
    }
    case 'unary': {
      const value = evaluate(node.operand, scope, library);
      if (node.op === 'not') return !bool(value, 'not');
      if (typeof value !== 'number') raiseTagged('TypeError', `unary - needs a number, got ${typeOf(value)}`);
      return -value;
    }
    case 'binary': {
      if (node.op === 'and')
        return bool(evaluate(node.left, scope, library), 'and') && bool(evaluate(node.right, scope, library), 'and');
      if (node.op === 'or')
        return bool(evaluate(node.left, scope, library), 'or') || bool(evaluate(node.right, scope, library), 'or');
      const left = evaluate(node.left, scope, library);
      const right = evaluate(node.right, scope, library);
      return binary(node.op, left, right);
    }
  }
}

function binary(op: string, left: Value, right: Value): Value {
  switch (op) {
    case '==':
      return equal(left, right);
    case '!=':
      return !equal(left, right);
    case 'in':
      if (Array.isArray(right)) return right.some((item) => equal(item, left));
      if (isMap(right)) {
        if (typeof left !== 'string') raiseTagged('TypeError', '"in" on a map needs a string key');
        return Object.hasOwn(right, left);
      }
      return raiseTagged('TypeError', `"in" needs a list or map, got ${typeOf(right)}`);
    case '+':
      if (typeof left === 'string' && typeof right === 'string') return left + right;
      if (typeof left === 'number' && typeof right === 'number') return left + right;
      return raiseTagged('TypeError', `cannot add ${typeOf(left)} and ${typeOf(right)}`);
    case '<':
    case '>':
    case '<=':
    case '>=': {
      const comparable =
        (typeof left === 'number' && typeof right === 'number') ||
        (typeof left === 'string' && typeof right === 'string');
      if (!comparable) raiseTagged('TypeError', `cannot compare ${typeOf(left)} and ${typeOf(right)}`);
      const a = left as number | string;
      const b = right as number | string;
      return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
    }
    default: {
      if (typeof left !== 'number' || typeof right !== 'number')
        raiseTagged('TypeError', `${op} needs numbers, got ${typeOf(left)} and ${typeOf(right)}`);
      if ((op === '/' || op === '%' || op === '//') && right === 0)
        raiseTagged('ZeroDivisionError', 'division by zero');
      if (op === '-') return left - right;
      if (op === '*') return left * right;
      if (op === '/') return left / right;
      if (op === '//') return Math.floor(left / right);
      return left % right;
    }
  }
}

export function hasTag(value: Value, tags: string[]): boolean {
  return (
    isMap(value) && Array.isArray(value.tags) && value.tags.some((tag) => typeof tag === 'string' && tags.includes(tag))
  );
}

/** The part of the standard library the workflow files use. */
export function standardLibrary(extra: { now?: () => number; env?: Record<string, string> } = {}): Library {
  const need = (name: string, args: Value[], count: number) => {
    if (args.length !== count) raiseTagged('TypeError', `${name} takes ${count} argument(s), got ${args.length}`);
  };
  return {
    len: (...args) => {
      need('len', args, 1);
      const [v] = args;
      if (typeof v === 'string') return [...v].length;
      if (Array.isArray(v)) return v.length;
      if (isMap(v!)) return Object.keys(v).length;
      raiseTagged('TypeError', `len of a ${typeOf(v!)}`);
    },
    keys: (...args) => {
      need('keys', args, 1);
      if (!isMap(args[0]!)) raiseTagged('TypeError', 'keys needs a map');
      return Object.keys(args[0]);
    },
    type: (...args) => typeOf(args[0] ?? null),
    int: (...args) => {
      const v = args[0]!;
      if (typeof v === 'number') return Math.trunc(v);
      if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
      raiseTagged('ValueError', `cannot convert ${JSON.stringify(v)} to int`);
    },
    string: (...args) => {
      const v = args[0]!;
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      raiseTagged('TypeError', `cannot convert a ${typeOf(v)} to string`);
    },
    'map.get': (...args) => {
      need('map.get', args, 2);
      const [m, key] = args;
      if (m === null) return null;
      if (!isMap(m!)) raiseTagged('TypeError', 'map.get needs a map');
      if (Array.isArray(key)) {
        let current: Value = m;
        for (const k of key) {
          if (!isMap(current) || typeof k !== 'string' || !Object.hasOwn(current, k)) return null;
          current = current[k]!;
        }
        return current;
      }
      return typeof key === 'string' && Object.hasOwn(m, key) ? m[key]! : null;
    },
    'map.merge': (...args) => {
      need('map.merge', args, 2);
      if (!isMap(args[0]!) || !isMap(args[1]!)) raiseTagged('TypeError', 'map.merge needs two maps');
      return { ...args[0], ...args[1] };
    },
    'list.concat': (...args) => {
      need('list.concat', args, 2);
      if (!Array.isArray(args[0])) raiseTagged('TypeError', 'list.concat needs a list');
      return [...args[0], args[1]!];
    },
    'json.encode_to_string': (...args) => JSON.stringify(args[0] ?? null),
    'json.decode': (...args) => {
      const v = args[0];
      if (typeof v !== 'string') raiseTagged('TypeError', 'json.decode needs a string');
      try {
        return JSON.parse(v) as Value;
      } catch {
        raiseTagged('ValueError', 'json.decode: not JSON');
      }
    },
    'sys.now': () => (extra.now ?? Date.now)() / 1000,
    'sys.get_env': (...args) => {
      const name = args[0];
      if (typeof name !== 'string') raiseTagged('TypeError', 'sys.get_env needs a name');
      const value = extra.env?.[name];
      if (value === undefined) raiseTagged('KeyError', `environment variable not set: ${name}`);
      return value;
    },
    'text.split': (...args) => {
      need('text.split', args, 2);
      if (typeof args[0] !== 'string' || typeof args[1] !== 'string')
        raiseTagged('TypeError', 'text.split needs strings');
      return args[0].split(args[1]);
    },
  };
}
