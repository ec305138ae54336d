/**
 * Kafka wire primitives (apache/kafka `clients/.../protocol/types`): fixed-width big-endian integers, unsigned
 * varints, zig-zag varints, (compact) strings, (compact) bytes, (compact) arrays, UUIDs and tagged fields.
 * "compact" = the flexible-version encoding: length + 1 as an unsigned varint, 0 = null.
 */
import { ProtocolViolation } from './errors.ts';

export interface TaggedField {
  tag: number;
  data: Buffer;
}

export class Writer {
  private chunks: Buffer[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  raw(buf: Buffer): this {
    this.chunks.push(buf);
    this.size += buf.length;
    return this;
  }

  private fixed(n: number, fill: (b: Buffer) => void): this {
    const b = Buffer.allocUnsafe(n);
    fill(b);
    return this.raw(b);
  }

  int8(v: number): this {
    return this.fixed(1, (b) => b.writeInt8(v));
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  int16(v: number): this {
    return this.fixed(2, (b) => b.writeInt16BE(v));
  }
  uint16(v: number): this {
    return this.fixed(2, (b) => b.writeUInt16BE(v));
  }
  int32(v: number): this {
    return this.fixed(4, (b) => b.writeInt32BE(v));
  }
  int64(v: bigint | number): this {
    return this.fixed(8, (b) => b.writeBigInt64BE(BigInt(v)));
  }
  uvarint(v: number): this {
    const bytes: number[] = [];
    let n = v >>> 0;
    while (n >= 0x80) {
      bytes.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    bytes.push(n);
    return this.raw(Buffer.from(bytes));
  }
  varint(v: number): this {
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }
  uuid(hex: string): this {
    const clean = hex.replace(/-/g, '');
    if (!/^[0-9a-fA-F]{32}$/.test(clean)) throw new ProtocolViolation(`not a uuid: ${hex}`);
    return this.raw(Buffer.from(clean, 'hex'));
  }

  /** Non-null string: int16 length (classic) or uvarint length+1 (compact). */
  string(v: string, compact: boolean): this {
    return this.nullableString(v, compact);
  }
  nullableString(v: string | null, compact: boolean): this {
    if (v === null) return compact ? this.uvarint(0) : this.int16(-1);
    const b = Buffer.from(v, 'utf8');
    if (compact) this.uvarint(b.length + 1);
    else this.int16(b.length);
    return this.raw(b);
  }
  bytes(v: Buffer, compact: boolean): this {
    return this.nullableBytes(v, compact);
  }
  nullableBytes(v: Buffer | null, compact: boolean): this {
    if (v === null) return compact ? this.uvarint(0) : this.int32(-1);
    if (compact) this.uvarint(v.length + 1);
    else this.int32(v.length);
    return this.raw(v);
  }
  array<T>(items: readonly T[], compact: boolean, each: (w: Writer, item: T) => void): this {
    return this.nullableArray(items, compact, each);
  }
  nullableArray<T>(items: readonly T[] | null, compact: boolean, each: (w: Writer, item: T) => void): this {
    if (items === null) return compact ? this.uvarint(0) : this.int32(-1);
    if (compact) this.uvarint(items.length + 1);
    else this.int32(items.length);
    for (const item of items) each(this, item);
    return this;
  }
  /** Tagged-field section, sorted by tag as the spec requires. */
  tagged(fields: readonly TaggedField[] = []): this {
    const sorted = [...fields].sort((a, b) => a.tag - b.tag);
    this.uvarint(sorted.length);
    for (const f of sorted) {
      this.uvarint(f.tag);
      this.uvarint(f.data.length);
      this.raw(f.data);
    }
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

export class Reader {
  private pos = 0;
  private readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
  }

  get offset(): number {
    return this.pos;
  }
  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): number {
    if (n < 0 || this.pos + n > this.buf.length) {
      throw new ProtocolViolation(`truncated message: need ${n} bytes at offset ${this.pos}, have ${this.remaining}`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  bool(): boolean {
    return this.int8() !== 0;
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  int64(): bigint {
    return this.buf.readBigInt64BE(this.need(8));
  }
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.buf.readUInt8(this.need(1));
      if (shift === 28 && byte > 0x0f) throw new ProtocolViolation('varint too long');
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  }
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }
  uuid(): string {
    const at = this.need(16);
    return this.buf.subarray(at, at + 16).toString('hex');
  }
  raw(n: number): Buffer {
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }

  string(compact: boolean): string {
    const v = this.nullableString(compact);
    if (v === null) throw new ProtocolViolation(`null where a non-null string is required at offset ${this.pos}`);
    return v;
  }
  nullableString(compact: boolean): string | null {
    const len = compact ? this.uvarint() - 1 : this.int16();
    if (len < 0) return null;
    return this.raw(len).toString('utf8');
  }
  bytes(compact: boolean): Buffer {
    const v = this.nullableBytes(compact);
    if (v === null) throw new ProtocolViolation('null where non-null bytes are required');
    return v;
  }
  nullableBytes(compact: boolean): Buffer | null {
    const len = compact ? this.uvarint() - 1 : this.int32();
    if (len < 0) return null;
    return this.raw(len);
  }
  array<T>(compact: boolean, each: (r: Reader) => T): T[] {
    const v = this.nullableArray(compact, each);
    if (v === null) throw new ProtocolViolation('null where a non-null array is required');
    return v;
  }
  nullableArray<T>(compact: boolean, each: (r: Reader) => T): T[] | null {
    const len = compact ? this.uvarint() - 1 : this.int32();
    if (len < 0) return null;
    if (len > this.remaining) throw new ProtocolViolation(`array length ${len} exceeds remaining bytes`);
    const out: T[] = [];
    for (let i = 0; i < len; i++) out.push(each(this));
    return out;
  }
  tagged(): TaggedField[] {
    const n = this.uvarint();
    const out: TaggedField[] = [];
    for (let i = 0; i < n; i++) {
      const tag = this.uvarint();
      const size = this.uvarint();
      out.push({ tag, data: this.raw(size) });
    }
    return out;
  }
}
