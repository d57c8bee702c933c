// Plain data types shared by the import pipeline, persistence and the UI.
// Pure: no DOM, no idb. Pixel buffers are plain Uint8Arrays.

/** A decoded image as plain pixels (RGBA unless `channels` says otherwise). */
export interface PlainImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels?: 1 | 3 | 4;
}

/** Formats we recognise from the first bytes of a file. */
export type SniffedFormat =
  | 'jpeg'
  | 'png'
  | 'webp'
  | 'gif'
  | 'bmp'
  | 'heic'
  | 'avif'
  | 'tiff'
  | 'svg'
  | 'zip'
  | 'pdf'
  | 'text'
  | 'empty'
  | 'unknown';

/** Formats the studio imports. */
export const SUPPORTED_FORMATS: readonly SniffedFormat[] = ['jpeg', 'png', 'webp', 'gif', 'bmp'];

export const MIME_BY_FORMAT: Partial<Record<SniffedFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  bmp: 'image/bmp',
};

/** Why a file did not become an image in the project. Stable codes; the text is for people. */
export type SkipCode =
  | 'empty-file'
  | 'not-an-image'
  | 'unsupported-format'
  | 'truncated'
  | 'corrupt'
  | 'too-large'
  | 'duplicate'
  | 'nested-zip'
  | 'unsafe-path'
  | 'no-class'
  | 'hidden'
  | 'empty-folder'
  | 'quota'
  | 'write-failed'
  | 'cancelled';

export interface SkipEntry {
  /** Path as the user sees it (relative to what was dropped, zip name prefixed for zip entries). */
  path: string;
  code: SkipCode;
  reason: string;
}
