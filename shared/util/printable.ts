/*
 * Text that came from outside (a spec, a file on a host, a cloud tag) is quoted before it reaches a message or a
 * log line, so a hostile value cannot end a line, fake another message or reorder what a terminal shows.
 *
 * "Unsafe in a name": characters no name in brokerlink's inputs may hold — C0 controls (NUL, TAB, line breaks, ESC),
 * DEL, C1 controls, the Unicode line/paragraph separators, the bidirectional marks, embeddings, overrides and
 * isolates (which make a terminal show text in another order than it is stored: "Trojan Source"), zero-width
 * characters and the byte-order mark (invisible differences between two names), and U+FFFD (the replacement
 * character a decoder puts where bytes were not text: the value was damaged on its way in).
 */

const UNSAFE_CHARACTER =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSAFE_CHARACTERS = new RegExp(UNSAFE_CHARACTER.source, 'g');

export interface UnsafeCharacter {
  /** Index of the character in the string (UTF-16 code units, as JavaScript counts). */
  index: number;
  /** `U+0000` form. */
  codePoint: string;
  /** What kind of character it is, for the message. */
  kind: string;
}

/** The first character of `text` that no name may hold, or undefined when there is none. */
export function firstUnsafeCharacter(text: string): UnsafeCharacter | undefined {
  const match = UNSAFE_CHARACTER.exec(text);
  if (match === null) return undefined;
  const code = match[0].charCodeAt(0);
  return { index: match.index, codePoint: codePointName(code), kind: kindOf(code) };
}

function codePointName(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

function kindOf(code: number): string {
  if (code === 0) return 'NUL';
  if (code === 0x0a || code === 0x0d || code === 0x2028 || code === 0x2029 || code === 0x85) return 'a line break';
  if (code === 0x09) return 'a tab';
  if (code < 0x20 || code === 0x7f) return 'a control character';
  if (code < 0xa0) return 'a C1 control character';
  if (code >= 0xd800 && code <= 0xdfff) return 'half of a UTF-16 surrogate pair (not a character)';
  if (code === 0xfffd) return 'the replacement character (bytes that were not text)';
  if (code === 0xfeff || (code >= 0x200b && code <= 0x200d) || code === 0x2060) return 'an invisible character';
  return 'a bidirectional-text control (it reorders what a terminal shows)';
}

/**
 * `text` as a double-quoted string safe to print: unsafe characters, quotes and backslashes escaped, and cut
 * to `max` characters with the full length stated, so a 1 MB value makes a short message.
 */
export function quoted(text: string, max = 80): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  const escaped = cut
    .replace(/[\\"]/g, (character) => `\\${character}`)
    .replace(UNSAFE_CHARACTERS, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return text.length > max ? `"${escaped}…" (${text.length} characters)` : `"${escaped}"`;
}
