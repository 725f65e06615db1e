/**
 * The on-disk format of lesson 10's copy-on-write file system with an intent log. The
 * tree is lesson 7's (root -> leaf -> inode -> data, encoded by `cow-layout.ts`), without
 * reference counts or snapshots: a block is free when the committed tree does not reach it
 * and the live log chain does not hold it. What this file adds is the superblock, which
 * names the head of the log chain, and the log blocks.
 *
 * ```
 * block 0, block 1   superblock slots (generation g lives in slot g % 2)
 *   "CWIL" · crc32 of bytes 8.. · generation · disk blocks · block size · root · log head
 * log block          "ILOG" · crc32 of bytes 8.. · generation · sequence (1, 2, ...) ·
 *                    next (the block the chain continues in) · flags (bit 0: the last
 *                    block of its record) · payload length · payload
 * record payload     kind (1 write, 0 delete) · name length · name · contents (the rest)
 * ```
 * A log block is valid for a chain only when its magic and checksum hold (a torn or
 * never-written block fails them), its generation is the superblock's and its sequence
 * number the one expected next; `decodeLogBlock` checks the first two, the chain walker
 * the others. A record larger than one block's payload spans consecutive blocks of the
 * chain; only the last carries the `last` flag.
 *
 * @example
 * ```ts
 * import { encodeLogBlock, decodeLogBlock, encodeRecord, decodeRecord } from "./intent-log-layout.ts";
 *
 * const payload = encodeRecord({ name: "a.txt", data: new TextEncoder().encode("hi") });
 * const bytes = encodeLogBlock({ generation: 4, sequence: 1, next: 40, last: true, payload }, 512);
 * decodeLogBlock(bytes)?.next;                       // 40; undefined if a byte were torn
 * decodeRecord(decodeLogBlock(bytes)!.payload).name; // "a.txt"
 * ```
 */
import crc32Calculator from "crc/calculators/crc32";

const SUPER_MAGIC = [0x43, 0x57, 0x49, 0x4c]; // "CWIL"
const LOG_MAGIC = [0x49, 0x4c, 0x4f, 0x47]; // "ILOG"
/** Bytes of a log block before its payload. */
export const LOG_HEADER_BYTES = 21;

export interface LogSuperblock {
  readonly generation: number;
  readonly blocks: number;
  readonly blockSize: number;
  /** Root node of the committed tree. */
  readonly root: number;
  /** Where the log chain of this generation starts (written only by the first fsync after the switch). */
  readonly logHead: number;
}

export interface LogBlock {
  readonly generation: number;
  /** 1 for the chain's first block, then 2, 3, ... */
  readonly sequence: number;
  /** The block the chain's next block will be written to. */
  readonly next: number;
  /** True on the last block of a record. */
  readonly last: boolean;
  readonly payload: Uint8Array;
}

/** One logical change: a file's whole new contents, or (data null) its deletion. */
export interface LogRecord {
  readonly name: string;
  readonly data: Uint8Array | null;
}

// ---- superblock ------------------------------------------------------------------------

export function encodeLogSuperblock(sb: LogSuperblock, blockSize = sb.blockSize): Uint8Array {
  const bytes = new Uint8Array(blockSize);
  const view = new DataView(bytes.buffer);
  bytes.set(SUPER_MAGIC, 0);
  view.setUint32(8, sb.generation, true);
  view.setUint32(12, sb.blocks, true);
  view.setUint16(16, sb.blockSize, true);
  view.setUint16(18, sb.root, true);
  view.setUint16(20, sb.logHead, true);
  view.setUint32(4, crc32(bytes.subarray(8)), true);
  return bytes;
}

/** The superblock in `bytes`, or undefined when its magic or checksum is wrong. */
export function decodeLogSuperblock(bytes: Uint8Array): LogSuperblock | undefined {
  if (bytes.length < 22 || SUPER_MAGIC.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(4, true) !== crc32(bytes.subarray(8))) return undefined;
  return {
    generation: view.getUint32(8, true),
    blocks: view.getUint32(12, true),
    blockSize: view.getUint16(16, true),
    root: view.getUint16(18, true),
    logHead: view.getUint16(20, true),
  };
}

// ---- log blocks --------------------------------------------------------------------------

/** Payload bytes one log block carries. */
export function logPayloadBytes(blockSize: number): number {
  return blockSize - LOG_HEADER_BYTES;
}

export function encodeLogBlock(block: LogBlock, blockSize: number): Uint8Array {
  if (block.payload.length > logPayloadBytes(blockSize)) throw new RangeError(`a log block of ${blockSize} bytes carries at most ${logPayloadBytes(blockSize)} payload bytes`);
  const bytes = new Uint8Array(blockSize);
  const view = new DataView(bytes.buffer);
  bytes.set(LOG_MAGIC, 0);
  view.setUint32(8, block.generation, true);
  view.setUint32(12, block.sequence, true);
  view.setUint16(16, block.next, true);
  bytes[18] = block.last ? 1 : 0;
  view.setUint16(19, block.payload.length, true);
  bytes.set(block.payload, LOG_HEADER_BYTES);
  view.setUint32(4, crc32(bytes.subarray(8)), true);
  return bytes;
}

/**
 * The log block in `bytes`, or undefined when its magic or checksum is wrong (a block
 * never written as a log block, or torn). Generation and sequence are the caller's to check.
 */
export function decodeLogBlock(bytes: Uint8Array): LogBlock | undefined {
  if (bytes.length <= LOG_HEADER_BYTES || LOG_MAGIC.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(4, true) !== crc32(bytes.subarray(8))) return undefined;
  const length = view.getUint16(19, true);
  if (LOG_HEADER_BYTES + length > bytes.length) return undefined;
  return {
    generation: view.getUint32(8, true),
    sequence: view.getUint32(12, true),
    next: view.getUint16(16, true),
    last: (bytes[18] & 1) === 1,
    payload: bytes.slice(LOG_HEADER_BYTES, LOG_HEADER_BYTES + length),
  };
}

// ---- records -----------------------------------------------------------------------------

export function encodeRecord(record: LogRecord): Uint8Array {
  const name = new TextEncoder().encode(record.name);
  const data = record.data ?? new Uint8Array(0);
  const bytes = new Uint8Array(2 + name.length + data.length);
  bytes[0] = record.data === null ? 0 : 1;
  bytes[1] = name.length;
  bytes.set(name, 2);
  bytes.set(data, 2 + name.length);
  return bytes;
}

export function decodeRecord(bytes: Uint8Array): LogRecord {
  const nameLength = bytes[1];
  const name = new TextDecoder().decode(bytes.subarray(2, 2 + nameLength));
  return { name, data: bytes[0] === 0 ? null : bytes.slice(2 + nameLength) };
}

/** A record's bytes cut into payloads of one log block each (at least one, even when empty). */
export function splitPayload(bytes: Uint8Array, blockSize: number): Uint8Array[] {
  const size = logPayloadBytes(blockSize);
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
  return pieces.length === 0 ? [bytes] : pieces;
}

/** The pieces of one record, joined again. */
export function joinPayloads(pieces: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const piece of pieces) {
    bytes.set(piece, at);
    at += piece.length;
  }
  return bytes;
}

/** crc32 as an unsigned 32-bit number (the calculator alone needs no Node Buffer). */
function crc32(bytes: Uint8Array): number {
  return crc32Calculator(bytes) >>> 0;
}
