import {
  Composer,
  type CST,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  Parser,
  type Scalar,
} from 'yaml';
import { formatIssuePath } from '../util/issues.ts';
import { quoted } from '../util/printable.ts';
import type { SpecIssue } from './errors.ts';
import { SPEC_LIMITS } from './limits.ts';

/*
 * YAML (or JSON, which is YAML) text to the plain value the schema validates — without ever throwing, and in time
 * linear in the size of the text. The `yaml` library parses; the value is built here rather than by its `toJS()`:
 *
 * 1. The text is tokenised (the library's CST parser keeps its own stack, so it survives any nesting) and the
 *    nesting depth is checked on the tokens, before the recursive composer could overflow the stack.
 * 2. The composer builds the document with `uniqueKeys: false`: the library finds duplicate keys by comparing each
 *    key with every earlier one (quadratic: a mapping of 40,000 keys took 10 s); duplicates are found here with one
 *    set per mapping instead.
 * 3. The value is built in one walk, in document order, with an anchor table: an alias takes the value of the last
 *    anchor of its name before it, so resolving one is a map lookup (the library's `Alias.resolve` scans every
 *    earlier node). Each node's expanded size and height are known when it is complete, so an alias adds its
 *    target's size to a budget (`SPEC_LIMITS.maxAliasValues`) and its height to the depth: an "entity expansion"
 *    is refused at the alias that crosses the limit, while a spec with hundreds of ordinary aliases passes. An alias
 *    inside the node it names (a loop) is refused.
 * 4. Rules a YAML library does not know but a spec needs: numbers written as plain decimal integers only (a port
 *    written 0x9894, 3.9e4, 039092 or +39092 is refused: it is not what the operator meant, or not what the next
 *    reader sees), no explicit tags, no merge keys (`<<`), keys that are plain scalars, one document per file.
 *    Mapping keys are own properties (`__proto__` included), so no key reaches an object's prototype.
 */

export type YamlValue = { ok: true; value: unknown } | { ok: false; issues: SpecIssue[] };

type PathSegment = string | number;

interface Built {
  value: unknown;
  /** Values this node stands for once aliases are expanded (a scalar is 1). */
  size: number;
  /** Nesting levels below and including this node once aliases are expanded (a scalar is 0). */
  height: number;
}

const NOTHING: Built = { value: null, size: 1, height: 0 };

export function yamlToValue(text: string): YamlValue {
  const lines = new LineCounter();
  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  const where = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return `line ${line}, column ${col}`;
  };

  const tooDeep = firstTooDeep(tokens);
  if (tooDeep !== undefined) {
    return {
      ok: false,
      issues: [
        {
          path: where(tooDeep),
          message: `nests more than ${SPEC_LIMITS.maxDepth} levels of mappings and lists deep; a spec needs at most 5 — check the indentation and the brackets above this line`,
        },
      ],
    };
  }

  const documents = [...new Composer({ uniqueKeys: false, strict: true }).compose(tokens, true, text.length)];
  const problems = documents.flatMap((document) => [...document.errors, ...document.warnings]);
  if (problems.length > 0) {
    // The first syntax error only: the ones after it mostly follow from it.
    const first = problems.reduce((a, b) => (b.pos[0] < a.pos[0] ? b : a));
    const more = problems.length - 1;
    return {
      ok: false,
      issues: [
        {
          path: where(first.pos[0]),
          message: `is not valid YAML/JSON: ${firstLine(first.message)}${more > 0 ? ` (fix this first: ${more} further YAML error${more === 1 ? '' : 's'} may follow from it)` : ''}`,
        },
      ],
    };
  }
  if (documents.length > 1) {
    return {
      ok: false,
      issues: [
        {
          path: where(documents[1]!.range[0]),
          message: 'starts a second YAML document ("---"); a spec file holds exactly one — split it into two files',
        },
      ],
    };
  }
  return new ValueBuilder(where).build(documents[0]!);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** Offset of the first collection nested deeper than the limit, found without recursion. */
function firstTooDeep(tokens: readonly CST.Token[]): number | undefined {
  const stack: Array<{ token: CST.Token; depth: number }> = tokens.map((token) => ({ token, depth: 0 }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (token.type === 'document') {
      if (token.value !== undefined) stack.push({ token: token.value, depth });
      continue;
    }
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    const inner = depth + 1;
    if (inner > SPEC_LIMITS.maxDepth) return token.offset;
    for (const item of token.items as CST.CollectionItem[]) {
      if (item.key) stack.push({ token: item.key, depth: inner });
      if (item.value) stack.push({ token: item.value, depth: inner });
    }
  }
  return undefined;
}

const CANONICAL_INTEGER = /^(?:0|-?[1-9][0-9]*)$/;

class ValueBuilder {
  readonly #where: (offset: number) => string;
  readonly #issues: SpecIssue[] = [];
  /** The last node of each anchor name so far, in document order, with its value once complete. */
  readonly #anchors = new Map<string, { built?: Built }>();
  #aliasValues = 0;
  /** Set once the issue limit or a limit that makes further reading pointless is reached: the walk unwinds. */
  #stopped = false;

  constructor(where: (offset: number) => string) {
    this.#where = where;
  }

  build(document: Document.Parsed): YamlValue {
    const root =
      document.contents === null ? { value: null, size: 0, height: 0 } : this.#node(document.contents, [], 0);
    return this.#issues.length === 0 ? { ok: true, value: root.value } : { ok: false, issues: this.#issues };
  }

  #report(path: readonly PathSegment[], message: string, stop = false): void {
    if (this.#stopped) return;
    this.#issues.push({ path: formatIssuePath(path), message });
    if (stop || this.#issues.length >= SPEC_LIMITS.maxIssues) this.#stopped = true;
  }

  #line(node: Node | Scalar): string {
    return node.range ? this.#where(node.range[0]) : 'unknown position';
  }

  /** `level`: how many collections enclose the node (0 for the top-level mapping). */
  #node(node: Node, path: readonly PathSegment[], level: number): Built {
    if (this.#stopped) return NOTHING;
    if (isAlias(node)) return this.#alias(node.source, node, path);
    if (node.tag !== undefined) {
      this.#report(
        path,
        `has the explicit tag ${quoted(node.tag)} (${this.#line(node)}); a spec uses no tags — remove it`,
      );
    }
    const anchor = node.anchor === undefined ? undefined : { built: undefined as Built | undefined };
    if (node.anchor !== undefined) this.#anchors.set(node.anchor, anchor!);
    const built = isScalar(node) ? this.#scalar(node, path) : this.#collection(node, path, level);
    if (anchor !== undefined) anchor.built = built;
    return built;
  }

  #alias(name: string, node: Node, path: readonly PathSegment[]): Built {
    const anchor = this.#anchors.get(name);
    if (anchor === undefined) {
      this.#report(path, `uses the alias *${name} (${this.#line(node)}), but no anchor &${name} comes before it`);
      return NOTHING;
    }
    if (anchor.built === undefined) {
      this.#report(path, `uses the alias *${name} inside the value &${name} names (${this.#line(node)}): a loop`);
      return NOTHING;
    }
    this.#aliasValues += anchor.built.size;
    if (this.#aliasValues > SPEC_LIMITS.maxAliasValues) {
      this.#report(
        path,
        `the alias *${name} (${this.#line(node)}) makes aliases add more than ${SPEC_LIMITS.maxAliasValues.toLocaleString('en-US')} values to the spec; write the values out, or use fewer aliases`,
        true,
      );
      return NOTHING;
    }
    return anchor.built;
  }

  #scalar(node: Scalar, path: readonly PathSegment[]): Built {
    const value = node.value;
    if (typeof value === 'number' || typeof value === 'bigint') {
      const source = String((node as { source?: unknown }).source ?? value);
      if (!CANONICAL_INTEGER.test(source) || !Number.isSafeInteger(Number(value))) {
        const instead = Number.isSafeInteger(Number(value)) ? `write it as ${String(value)}: ` : '';
        this.#report(
          path,
          `is written ${quoted(source)} (${this.#line(node)}); ${instead}numbers in a spec are plain decimal whole numbers (no hex, octal, exponent, fraction, sign or leading zero)`,
        );
      }
      return { value: Number(value), size: 1, height: 0 };
    }
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return { value, size: 1, height: 0 };
    this.#report(path, `is a value YAML reads as ${typeof value} (${this.#line(node)}); write a string or a number`);
    return NOTHING;
  }

  #collection(node: Node, path: readonly PathSegment[], level: number): Built {
    let size = 1;
    let height = 0;
    const add = (child: Built) => {
      size += child.size;
      height = Math.max(height, child.height);
    };
    let value: unknown;
    if (isSeq(node)) {
      const list: unknown[] = [];
      node.items.forEach((item, index) => {
        const child = this.#node(item as Node, [...path, index], level + 1);
        add(child);
        list.push(child.value);
      });
      value = list;
    } else if (isMap(node)) {
      const map: Record<string, unknown> = {};
      const firstSeen = new Map<string, Node>();
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const key = this.#key(keyNode, path);
        if (key === undefined) continue;
        const first = firstSeen.get(key);
        if (first !== undefined) {
          this.#report(
            [...path, key],
            `appears twice in the same mapping (${this.#line(first)} and ${this.#line(keyNode!)}); keep one`,
          );
          continue;
        }
        firstSeen.set(key, keyNode!);
        const child = pair.value === null ? NOTHING : this.#node(pair.value as Node, [...path, key], level + 1);
        add(child);
        // An own property even for "__proto__": a key never reaches the object's prototype.
        Object.defineProperty(map, key, { value: child.value, enumerable: true, writable: true, configurable: true });
      }
      value = map;
    } else {
      this.#report(path, `is a YAML value of an unknown kind (${this.#line(node)})`);
      return NOTHING;
    }
    height += 1;
    if (level + height > SPEC_LIMITS.maxDepth) {
      this.#report(
        path,
        `nests more than ${SPEC_LIMITS.maxDepth} levels deep once aliases are expanded (${this.#line(node)}); a spec needs at most 5`,
        true,
      );
      return NOTHING;
    }
    return { value, size, height };
  }

  /** A mapping key as the string the spec sees: plain scalars as written (`0x1: a` is the key "0x1"). */
  #key(keyNode: Node | null, path: readonly PathSegment[]): string | undefined {
    if (keyNode === null || !isScalar(keyNode) || keyNode.value === null || keyNode.value === '') {
      const at =
        keyNode === null || isScalar(keyNode)
          ? 'an empty key'
          : `${isAlias(keyNode) ? 'an alias' : 'a list or mapping'} as a key`;
      this.#report(path, `has ${at}${keyNode ? ` (${this.#line(keyNode)})` : ''}; keys are plain names`);
      return undefined;
    }
    if (keyNode.tag !== undefined) {
      this.#report(path, `has a key with the explicit tag ${quoted(keyNode.tag)} (${this.#line(keyNode)}); remove it`);
      return undefined;
    }
    const key =
      typeof keyNode.value === 'string'
        ? keyNode.value
        : String((keyNode as { source?: unknown }).source ?? keyNode.value);
    if (key === '<<' && keyNode.type === 'PLAIN') {
      this.#report(
        path,
        `uses a merge key "<<" (${this.#line(keyNode)}), which a spec does not support; write the keys out (an alias *name can stand for a whole value)`,
      );
      return undefined;
    }
    if (keyNode.anchor !== undefined) this.#anchors.set(keyNode.anchor, { built: { value: key, size: 1, height: 0 } });
    return key;
  }
}
