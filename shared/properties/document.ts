/**
 * A lossless reader/editor for Java `.properties` text (Kafka's server.properties).
 *
 * Why not the npm package `properties-file`: its editor is close (it keeps comments, separators and continuations),
 * but `format()` rewrites every line ending with the first one it detects, so a file with mixed `\n`/`\r\n`
 * endings does not survive an untouched round trip byte for byte. We need byte identity for every line we do not
 * change, so this module keeps the raw text of every entry and re-serializes only the entries an edit replaces.
 *
 * Semantics follow `java.util.Properties.load` (JDK 9+ LineReader/loadConvert) as Kafka uses it
 * (`Utils.loadProps` loads an InputStream, i.e. ISO-8859-1): callers hand in text decoded as latin1, one char per
 * byte, which makes decode → edit → encode lossless for any byte content. The Java oracle test
 * (`java-oracle.test.ts`) checks this reader against the real `java.util.Properties` on generated input.
 */
import { PropertiesEditUnsafe, PropertiesSyntaxError } from './errors.ts';

export type LineTerminator = '\r\n' | '\n' | '\r' | '';

export interface BlankEntry {
  readonly kind: 'blank';
  /** Exact source text, including the line terminator(s). */
  readonly raw: string;
  /** 1-based line number of the first natural line. */
  readonly line: number;
}

export interface CommentEntry {
  readonly kind: 'comment';
  readonly raw: string;
  readonly line: number;
}

export interface PropertyEntry {
  readonly kind: 'property';
  /** Exact source text of the logical line, with every continuation line and the final terminator. */
  readonly raw: string;
  readonly line: number;
  /** Decoded key and value, exactly as `java.util.Properties` would store them. */
  readonly key: string;
  readonly value: string;
  /**
   * Source text before the value (leading whitespace, key, separator) when it lies on the first natural line;
   * null when the key or separator spans a continuation. Kept so an edited entry keeps its spelling.
   */
  readonly prefix: string | null;
  /** Terminator of the entry's last natural line ('' when the file ends without one). */
  readonly terminator: LineTerminator;
}

export type PropertiesEntry = BlankEntry | CommentEntry | PropertyEntry;

export interface PropertiesDocument {
  readonly entries: readonly PropertiesEntry[];
  /** The file's first line terminator, used for lines we add ('\n' when the file has none). */
  readonly eol: '\r\n' | '\n' | '\r';
}

interface NaturalLine {
  start: number;
  contentEnd: number;
  end: number;
  terminator: LineTerminator;
}

const isWhitespace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\f';

function splitNaturalLines(text: string): NaturalLine[] {
  const lines: NaturalLine[] = [];
  const eol = /\r\n|\r|\n/g;
  let start = 0;
  for (let m = eol.exec(text); m !== null; m = eol.exec(text)) {
    const terminator = m[0] as LineTerminator;
    lines.push({ start, contentEnd: m.index, end: m.index + terminator.length, terminator });
    start = m.index + terminator.length;
  }
  if (start < text.length) lines.push({ start, contentEnd: text.length, end: text.length, terminator: '' });
  return lines;
}

function leadingWhitespace(text: string, from: number, to: number): number {
  let i = from;
  while (i < to && isWhitespace(text[i])) i++;
  return i;
}

function trailingBackslashes(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = to - 1; i >= from && text.charCodeAt(i) === 92; i--) count++;
  return count;
}

const HEX: Record<string, number> = {};
for (let i = 0; i < 16; i++) {
  HEX[i.toString(16)] = i;
  HEX[i.toString(16).toUpperCase()] = i;
}

/** `Properties.loadConvert`: `\uXXXX`, `\t \r \n \f`, and any other escaped char stands for itself. */
function loadConvert(logical: string, from: number, to: number, line: number): string {
  if (logical.indexOf('\\', from) === -1 || logical.indexOf('\\', from) >= to) return logical.slice(from, to);
  let out = '';
  let i = from;
  while (i < to) {
    const c = logical[i++]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    if (i >= to) break; // cannot happen for a logical line (an odd trailing backslash is a continuation)
    const e = logical[i++]!;
    if (e === 'u') {
      if (i + 4 > to) throw new PropertiesSyntaxError(line, 'malformed \\uxxxx encoding (fewer than 4 hex digits)');
      let code = 0;
      for (let k = 0; k < 4; k++) {
        const digit = HEX[logical[i++]!];
        if (digit === undefined) throw new PropertiesSyntaxError(line, 'malformed \\uxxxx encoding (not a hex digit)');
        code = (code << 4) + digit;
      }
      out += String.fromCharCode(code);
    } else if (e === 't') out += '\t';
    else if (e === 'r') out += '\r';
    else if (e === 'n') out += '\n';
    else if (e === 'f') out += '\f';
    else out += e;
  }
  return out;
}

/** Parses `.properties` text into entries whose raw texts concatenate back to exactly `text`. */
export function parseProperties(text: string): PropertiesDocument {
  const lines = splitNaturalLines(text);
  const entries: PropertiesEntry[] = [];
  const firstTerminator = lines.find((l) => l.terminator !== '')?.terminator;
  const eol = firstTerminator === '' || firstTerminator === undefined ? '\n' : firstTerminator;
  let i = 0;
  while (i < lines.length) {
    const first = lines[i]!;
    const lineNo = i + 1;
    const ws = leadingWhitespace(text, first.start, first.contentEnd);
    if (ws === first.contentEnd) {
      entries.push({ kind: 'blank', raw: text.slice(first.start, first.end), line: lineNo });
      i++;
      continue;
    }
    const c = text[ws];
    if (c === '#' || c === '!') {
      entries.push({ kind: 'comment', raw: text.slice(first.start, first.end), line: lineNo });
      i++;
      continue;
    }
    // A logical line: the natural line plus continuation lines. `logical` is what LineReader hands to load0:
    // each natural line without its leading whitespace (after the first) and without its continuation backslash.
    let logical = '';
    let firstLength = -1;
    let j = i;
    let from = ws;
    let endedByContinuationAtEof = false;
    for (;;) {
      const cur = lines[j]!;
      const continues = trailingBackslashes(text, from, cur.contentEnd) % 2 === 1;
      const segmentEnd = continues ? cur.contentEnd - 1 : cur.contentEnd;
      logical += text.slice(from, segmentEnd);
      if (firstLength === -1) firstLength = segmentEnd - from;
      if (!continues) break;
      // Java's LineReader: a backslash before the very end of input (no terminator, or a single \n or \r as the
      // last char) is dropped and the line ends; "\\\r\n" at the end goes through the continuation path instead.
      if (cur.terminator === '' || (cur.terminator !== '\r\n' && cur.end === text.length)) {
        endedByContinuationAtEof = true;
        break;
      }
      // Nothing collected yet: Java's reader is back in its "new logical line" state (whitespace skipped, and a
      // `#`/`!` starts a comment), so the next natural line starts afresh.
      if (logical.length === 0) break;
      if (j + 1 >= lines.length) break;
      j++;
      const next = lines[j]!;
      from = leadingWhitespace(text, next.start, next.contentEnd);
      if (from === next.contentEnd) break; // an empty continuation line ends the logical line
    }
    const last = lines[j]!;
    const raw = text.slice(first.start, last.end);
    i = j + 1;
    if (logical.length === 0 && !endedByContinuationAtEof) {
      entries.push({ kind: 'blank', raw, line: lineNo });
      continue;
    }
    const { keyEnd, valueStart } = splitKeyValue(logical);
    const key = loadConvert(logical, 0, keyEnd, lineNo);
    const value = loadConvert(logical, valueStart, logical.length, lineNo);
    // The prefix (text before the value) is kept only when the value starts on the first natural line. With
    // neither separator nor whitespace after the key ("key" alone), a rewritten value needs a separator.
    const valueOnFirstLine =
      valueStart < firstLength || (valueStart === logical.length && logical.length === firstLength && firstLength > 0);
    const prefix = valueOnFirstLine
      ? text.slice(first.start, ws + valueStart) + (valueStart === keyEnd ? '=' : '')
      : null;
    entries.push({ kind: 'property', raw, line: lineNo, key, value, prefix, terminator: last.terminator });
  }
  return { entries, eol };
}

/** `Properties.load0`: the key ends at the first unescaped `=`, `:` or whitespace; then whitespace and one separator. */
function splitKeyValue(logical: string): { keyEnd: number; valueStart: number } {
  // Char codes: 61 '=', 58 ':', 32 ' ', 9 '\t', 12 '\f', 92 '\\'.
  const ws = (c: number) => c === 32 || c === 9 || c === 12;
  const limit = logical.length;
  let keyEnd = 0;
  let valueStart = limit;
  let hasSep = false;
  let precedingBackslash = false;
  while (keyEnd < limit) {
    const c = logical.charCodeAt(keyEnd);
    if ((c === 61 || c === 58) && !precedingBackslash) {
      valueStart = keyEnd + 1;
      hasSep = true;
      break;
    }
    if (ws(c) && !precedingBackslash) {
      valueStart = keyEnd + 1;
      break;
    }
    precedingBackslash = c === 92 ? !precedingBackslash : false;
    keyEnd++;
  }
  while (valueStart < limit) {
    const c = logical.charCodeAt(valueStart);
    if (!ws(c)) {
      if (!hasSep && (c === 61 || c === 58)) hasSep = true;
      else break;
    }
    valueStart++;
  }
  return { keyEnd, valueStart };
}

/** The exact text the document was parsed from (or the edited text). */
export function serializeProperties(doc: PropertiesDocument): string {
  let out = '';
  for (const entry of doc.entries) out += entry.raw;
  return out;
}

/** Key → value as `java.util.Properties` ends up with it: the last occurrence of a key wins. */
export function propertiesToMap(doc: PropertiesDocument): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of doc.entries) if (entry.kind === 'property') map.set(entry.key, entry.value);
  return map;
}

/** Index of the entry that defines `key` (the last one, as in Java), or -1. */
export function effectiveEntryIndex(doc: PropertiesDocument, key: string): number {
  for (let i = doc.entries.length - 1; i >= 0; i--) {
    const entry = doc.entries[i]!;
    if (entry.kind === 'property' && entry.key === key) return i;
  }
  return -1;
}

export function getProperty(doc: PropertiesDocument, key: string): string | undefined {
  const index = effectiveEntryIndex(doc, key);
  const entry = index === -1 ? undefined : doc.entries[index];
  return entry?.kind === 'property' ? entry.value : undefined;
}

function escapeChars(text: string, isKey: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const code = c.charCodeAt(0);
    if (c === '\\') out += '\\\\';
    else if (c === ' ') out += i === 0 || isKey ? '\\ ' : ' ';
    else if (i === 0 && !isKey && (c === '=' || c === ':')) out += '\\' + c;
    else if (c === '\t') out += '\\t';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\f') out += '\\f';
    else if (isKey && (c === '=' || c === ':' || c === '#' || c === '!')) out += '\\' + c;
    else if (code < 0x20 || code > 0x7e) out += '\\u' + code.toString(16).toUpperCase().padStart(4, '0');
    else out += c;
  }
  return out;
}

/** Escapes a key as `Properties.store` does (separators, whitespace, `#`, `!`, non-ASCII as `\uXXXX`). */
export const escapeKey = (key: string): string => escapeChars(key, true);
/** Escapes a value so that it reads back identically (leading space, backslashes, control and non-ASCII chars). */
export const escapeValue = (value: string): string => escapeChars(value, false);

export interface PropertyEdit {
  key: string;
  value: string;
  /**
   * Where to add the key when the file lacks it: after the defining entry of the last-placed of these keys that
   * the file has; at the end of the file otherwise.
   */
  insertAfter?: readonly string[];
}

function endsWithContinuation(raw: string): boolean {
  return trailingBackslashes(raw, 0, raw.length) % 2 === 1;
}

/**
 * Applies edits and returns the new text. Only entries whose value changes are rewritten (keeping their leading
 * whitespace, key spelling and separator); every other byte stays as it was. Afterwards the result is parsed again
 * and checked: every key not edited must keep its value and every edited key must read back as set — otherwise
 * `PropertiesEditUnsafe` is thrown and nothing is returned.
 */
export function editProperties(text: string, edits: readonly PropertyEdit[]): string {
  return editDocument(parseProperties(text), edits).text;
}

/** `editProperties` on an already parsed document; also returns the edited text parsed again (as verified). */
export function editDocument(
  doc: PropertiesDocument,
  edits: readonly PropertyEdit[],
): { text: string; document: PropertiesDocument } {
  const entries: PropertiesEntry[] = [...doc.entries];
  const before = propertiesToMap(doc);
  const values = new Map(before);
  const view = { entries, eol: doc.eol };
  for (const edit of edits) {
    if (values.get(edit.key) === edit.value) continue;
    values.set(edit.key, edit.value);
    const index = effectiveEntryIndex(view, edit.key);
    if (index !== -1) {
      const old = entries[index] as PropertyEntry;
      const prefix = old.prefix ?? `${escapeKey(edit.key)}=`;
      entries[index] = { ...old, raw: prefix + escapeValue(edit.value) + old.terminator, value: edit.value, prefix };
      continue;
    }
    let anchored = -1;
    for (const anchor of edit.insertAfter ?? []) anchored = Math.max(anchored, effectiveEntryIndex(view, anchor));
    const at = anchored !== -1 ? anchored : entries.length - 1;
    const prev = entries[at];
    if (prev !== undefined && !/[\r\n]$/.test(prev.raw)) {
      // The file ends without a newline: end its last line first (twice if it ends in a continuation backslash,
      // so the blank line closes that logical line instead of joining it with ours).
      const fix = endsWithContinuation(prev.raw) ? doc.eol + doc.eol : doc.eol;
      entries[at] = { ...prev, raw: prev.raw + fix, ...(prev.kind === 'property' ? { terminator: doc.eol } : {}) };
    }
    const prefix = `${escapeKey(edit.key)}=`;
    entries.splice(at + 1, 0, {
      kind: 'property',
      raw: prefix + escapeValue(edit.value) + doc.eol,
      line: 0,
      key: edit.key,
      value: edit.value,
      prefix,
      terminator: doc.eol,
    });
  }
  const out = serializeProperties(view);
  const document = parseProperties(out);
  verifyEdit(before, document, edits);
  return { text: out, document };
}

function verifyEdit(before: Map<string, string>, after: PropertiesDocument, edits: readonly PropertyEdit[]): void {
  const afterMap = propertiesToMap(after);
  const edited = new Map(edits.map((e) => [e.key, e.value]));
  const broken: string[] = [];
  for (const [key, value] of edited) if (afterMap.get(key) !== value) broken.push(key);
  for (const [key, value] of before) if (!edited.has(key) && afterMap.get(key) !== value) broken.push(key);
  for (const key of afterMap.keys()) if (!edited.has(key) && !before.has(key)) broken.push(key);
  if (broken.length > 0) {
    throw new PropertiesEditUnsafe(
      broken,
      `editing server.properties would change keys it must not touch or not set the edited ones (${broken.join(', ')}); ` +
        'the file is left unchanged — fix its last lines by hand (look for a trailing backslash) and retry',
    );
  }
}
