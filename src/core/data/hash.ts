// Content hashing for duplicate detection and stable image ids; uses Web Crypto, which both
// browsers/workers and Node 20 expose as globalThis.crypto.subtle.

/** Lower-case hex SHA-256 of the bytes. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // subtle.digest needs an ArrayBuffer-backed view; copy views over a SharedArrayBuffer.
  const view = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', view));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}
