// Types for bounded-unzip.mjs (plain JavaScript so the Node share service can run it too).
export interface ZipEntryInfo {
  name: string;
  /** 0 = stored, 8 = deflate; anything else is refused when read. */
  method: number;
  crc: number;
  compressedSize: number;
  /** Uncompressed size as the central directory declares it. */
  size: number;
  localOffset: number;
  encrypted: boolean;
}
export class ZipError extends Error {
  constructor(message: string, entry?: string, code?: 'damaged' | 'too-large' | 'lying' | 'unsupported');
  entry: string | undefined;
  code: 'damaged' | 'too-large' | 'lying' | 'unsupported';
}
export function crc32(data: Uint8Array): number;
export function listZip(zip: Uint8Array, opts?: { maxEntries?: number }): ZipEntryInfo[];
export function readZipEntry(zip: Uint8Array, entry: ZipEntryInfo, opts?: { maxBytes?: number }): Uint8Array;
export function unzipBounded(
  zip: Uint8Array,
  opts?: { accept?: (e: ZipEntryInfo) => boolean; maxEntryBytes?: number; maxTotalBytes?: number; maxEntries?: number },
): Map<string, Uint8Array>;
