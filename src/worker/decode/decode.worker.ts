// Image decode worker: sniffs, validates, hashes, decodes (EXIF orientation applied) and
// resizes one image per message into a training copy and a thumbnail (the same blob when the
// copy is small enough); also unzips archives.
/// <reference lib="webworker" />
import { checkComplete, describeSkip, sniffFormat } from '../../core/data/sniff';
import { readImageSize } from '../../core/data/image-header';
import { refuseDeclaredSize } from '../../core/data/image-limits';
import { sha256Hex } from '../../core/data/hash';
import { listZipEntries } from '../../core/data/zip';
import { MIME_BY_FORMAT, SUPPORTED_FORMATS } from '../../core/data/types';
import type { DecodeRequest, DecodeResult, FromDecodeWorker, ToDecodeWorker, UnzipResult } from './decode-protocol';
import { errorText } from '../../core/error-text';
import { scaleToShortest, thumbnailIsTrainingCopy } from '../../core/data/crop-resize';
import { renderCopy } from '../model-pixels';

declare const self: DedicatedWorkerGlobalScope;

/** Above this many pixels the image is reduced while decoding instead of decoded at full size. */
const DIRECT_DECODE_LIMIT = 40_000_000;

async function decode(req: DecodeRequest): Promise<DecodeResult> {
  const bytes = new Uint8Array(await req.blob.arrayBuffer());
  const format = sniffFormat(bytes);
  if (!SUPPORTED_FORMATS.includes(format)) return { ok: false, ...describeSkip(format) };
  if (!checkComplete(format, bytes)) {
    return {
      ok: false,
      code: 'truncated',
      reason: `truncated ${format.toUpperCase()}: the file ends before the image data is complete`,
    };
  }
  const header = readImageSize(format, bytes);
  // Refused from the header's dimensions, before any decoding.
  const tooLarge = header ? refuseDeclaredSize(header.width, header.height) : null;
  if (tooLarge) return { ok: false, code: 'too-large', reason: tooLarge };
  const hash = await sha256Hex(bytes);
  // Decode the file itself: wrapping the bytes read above in a new Blob would send them to the
  // browser's blob store and back (profiled at about 12 ms a photo, the largest single cost).
  const blob = req.blob;
  let bitmap: ImageBitmap;
  let downscaled = false;
  try {
    if (header && header.width * header.height > DIRECT_DECODE_LIMIT) {
      // Ask the decoder for a reduced bitmap so a 16k x 16k image never exists at full size.
      const target = scaleToShortest(header.width, header.height, Math.max(req.trainingSize * 4, 1024));
      bitmap = await createImageBitmap(blob, {
        imageOrientation: 'from-image',
        resizeWidth: target.width,
        resizeHeight: target.height,
        resizeQuality: 'high',
      });
      downscaled = true;
    } else {
      bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
    }
  } catch (e) {
    return {
      ok: false,
      code: 'corrupt',
      reason: `the ${format.toUpperCase()} image could not be decoded (damaged or unsupported variant)`,
    };
  }
  try {
    // Orientation from EXIF may swap the axes relative to the header.
    const swap = header != null && bitmap.width !== bitmap.height &&
      (bitmap.width > bitmap.height) !== (header.width > header.height);
    const originalWidth = header ? (swap ? header.height : header.width) : bitmap.width;
    const originalHeight = header ? (swap ? header.width : header.height) : bitmap.height;
    const train = scaleToShortest(bitmap.width, bitmap.height, req.trainingSize);
    const thumb = scaleToShortest(bitmap.width, bitmap.height, req.thumbSize);
    // A training copy at most twice the thumbnail's size is the thumbnail too: one resize and
    // one JPEG encoding less per photo.
    const [training, thumbnail] = thumbnailIsTrainingCopy(train, req.thumbSize)
      ? await renderCopy(bitmap, train.width, train.height).then((b) => [b, b])
      : await Promise.all([
          renderCopy(bitmap, train.width, train.height),
          renderCopy(bitmap, thumb.width, thumb.height, 0.8),
        ]);
    return {
      ok: true,
      format,
      mime: MIME_BY_FORMAT[format] ?? 'application/octet-stream',
      hash,
      originalWidth,
      originalHeight,
      width: train.width,
      height: train.height,
      training,
      thumbnail,
      downscaled,
    };
  } finally {
    bitmap.close();
  }
}

async function unzip(blob: Blob, name: string): Promise<UnzipResult> {
  try {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    const listed = listZipEntries(bytes, name);
    return {
      entries: listed.entries.map((e) => ({ path: e.path, blob: new Blob([e.bytes as Uint8Array<ArrayBuffer>]) })),
      skipped: listed.skipped,
      emptyFolders: listed.emptyFolders,
    };
  } catch (e) {
    return { entries: [], skipped: [], emptyFolders: [], error: errorText(e) };
  }
}

self.onmessage = async (ev: MessageEvent<ToDecodeWorker>) => {
  const msg = ev.data;
  let reply: FromDecodeWorker;
  switch (msg.type) {
    case 'decode': {
      let result: DecodeResult;
      try {
        result = await decode(msg);
      } catch (e) {
        result = { ok: false, code: 'corrupt', reason: `could not be read: ${errorText(e)}` };
      }
      reply = { type: 'decoded', id: msg.id, result };
      break;
    }
    case 'unzip':
      reply = { type: 'unzipped', id: msg.id, result: await unzip(msg.blob, msg.name) };
      break;
    default: {
      const never: never = msg;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
  self.postMessage(reply);
};
