// Typed messages between the main thread and the image decode workers.
// Decoding, resizing, hashing and unzipping all happen off the main thread.
import type { SkipCode, SkipEntry, SniffedFormat } from '../../core/data/types';

export interface DecodeRequest {
  type: 'decode';
  id: number;
  /** The original file; Blobs cross to the worker without copying their bytes. */
  blob: Blob;
  name: string;
  trainingSize: number;
  thumbSize: number;
}

export interface UnzipRequest {
  type: 'unzip';
  id: number;
  blob: Blob;
  name: string;
}

export type ToDecodeWorker = DecodeRequest | UnzipRequest;

export interface DecodedImage {
  ok: true;
  format: SniffedFormat;
  mime: string;
  hash: string;
  originalWidth: number;
  originalHeight: number;
  width: number;
  height: number;
  training: Blob;
  thumbnail: Blob;
  /** True when the image was reduced while decoding because it was very large. */
  downscaled: boolean;
}

export interface DecodeFailure {
  ok: false;
  code: SkipCode;
  reason: string;
}

export type DecodeResult = DecodedImage | DecodeFailure;

export interface UnzipResult {
  entries: { path: string; blob: Blob }[];
  skipped: SkipEntry[];
  emptyFolders: string[];
  error?: string;
}

export type FromDecodeWorker =
  | { type: 'decoded'; id: number; result: DecodeResult }
  | { type: 'unzipped'; id: number; result: UnzipResult };
