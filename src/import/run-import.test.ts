// runImport against a real (fake-indexeddb) database and a fake decode pool: good files are
// stored whole, a broken file is reported by name with the decoder's reason, a copy of an image
// already in the project is skipped, and nothing saved before the import is lost.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StudioDB } from '../persistence/db';
import { getOrCreateClassByName, listClasses } from '../persistence/classes-repo';
import { listImages } from '../persistence/images-repo';
import { createProject } from '../persistence/projects-repo';
import { addImages, expectConsistent, freshDb, storeCounts } from '../test-support/studio-db';
import { sha256Hex } from '../core/data/hash';
import type { DecodePool } from '../worker/decode/decode-client';
import type { DecodeResult } from '../worker/decode/decode-protocol';
import { DecodeConcurrency, runImport } from './run-import';
import type { CollectedFile } from './collect-files';

const PNG = [0x89, 0x50, 0x4e, 0x47];
const TRUNCATED = 'truncated PNG: the file ends before its image data';

/** Decodes "images" that start with the PNG signature; anything else fails as truncated. */
class FakeDecodePool implements Pick<DecodePool, 'decode' | 'unzip'> {
  decoded: string[] = [];
  async decode(blob: Blob, name: string, trainingSize: number): Promise<DecodeResult> {
    this.decoded.push(name);
    const bytes = new Uint8Array(await blob.arrayBuffer());
    if (!PNG.every((b, i) => bytes[i] === b)) return { ok: false, code: 'truncated', reason: TRUNCATED };
    return {
      ok: true, format: 'png', mime: 'image/png', hash: await sha256Hex(bytes), downscaled: false,
      originalWidth: 640, originalHeight: 480, width: Math.round((trainingSize * 4) / 3), height: trainingSize,
      training: new Blob([bytes.slice(0, 8)], { type: 'image/png' }), thumbnail: new Blob([bytes.slice(0, 4)], { type: 'image/png' }),
    };
  }
  async unzip(): Promise<never> {
    throw new Error('no zips in these tests');
  }
}

const png = (seed: number): Uint8Array<ArrayBuffer> => new Uint8Array([...PNG, 13, 10, 26, 10, seed, seed + 1, seed + 2]);
const file = (path: string, bytes: Uint8Array<ArrayBuffer>): CollectedFile => ({ path, file: new File([bytes], path.split('/').pop()!, { type: 'image/png' }), source: 'folder' });

let db: StudioDB;
let lanes: number;
beforeEach(async () => {
  db = await freshDb();
  lanes = DecodeConcurrency.lanes;
  DecodeConcurrency.lanes = 2;
});
afterEach(() => {
  DecodeConcurrency.lanes = lanes;
  db.close();
});

describe('runImport', () => {
  it('stores the good files, names the broken one with its reason, and keeps what was there', async () => {
    const project = await createProject(db, 'Insects');
    const ants = await getOrCreateClassByName(db, project.id, 'ants');
    const before = await addImages(db, project.id, ants.id, 3);
    const pool = new FakeDecodePool();
    const progress: number[] = [];

    const committed: string[] = [];
    const report = await runImport({
      db, pool, projectId: project.id, target: { kind: 'project' },
      input: {
        files: [
          file('bees/b9-copy.png', png(2)),
          file('ants/a1.png', png(1)),
          file('bees/b1.png', png(2)),
          file('bees/broken.png', new Uint8Array([1, 2, 3])),
          file('bees/b2.png', png(3)),
        ],
        dirs: ['ants', 'bees', 'empty'],
      },
      onProgress: (p) => progress.push(p.done),
      onCommitted: (images) => committed.push(...images.map((i) => i.record.id)),
    });

    expect(report.imported).toBe(3);
    // Of two identical files, the first by name is kept (whatever order the browser listed them in); the broken file is named with the decoder's reason.
    expect([...report.skipped].sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'bees/b9-copy.png', code: 'duplicate', reason: 'duplicate of "bees/b1.png" (same content)' },
      { path: 'bees/broken.png', code: 'truncated', reason: TRUNCATED },
    ]);
    expect(report.perClass.sort((a, b) => a.className.localeCompare(b.className))).toEqual([{ className: 'ants', count: 1 }, { className: 'bees', count: 2 }]);
    expect(report.emptyFolders).toEqual(['empty']);
    expect(progress.at(-1)).toBe(5);

    const stored = await listImages(db, project.id);
    expect(stored.map((i) => i.name).sort()).toEqual([...before.map((i) => i.name), 'ants/a1.png', 'bees/b1.png', 'bees/b2.png'].sort());
    for (const old of before) expect(stored.find((i) => i.id === old.id)).toEqual(old);
    // Every stored new image was announced once as committed (features start on it), nothing else.
    expect([...committed].sort()).toEqual(stored.filter((i) => !before.some((b) => b.id === i.id)).map((i) => i.id).sort());
    expect((await listClasses(db, project.id)).map((c) => [c.name, c.imageCount])).toEqual([['ants', 4], ['bees', 2]]);
    expect(await storeCounts(db)).toMatchObject({ images: 6, originals: 6, thumbnails: 6, training: 6 });
    await expectConsistent(db, project.id);
  });

  it('skips a photo already in the project, and a loose file outside any class folder', async () => {
    const project = await createProject(db, 'P');
    const pool = new FakeDecodePool();
    const input = (files: CollectedFile[]) => ({ db, pool, projectId: project.id, target: { kind: 'project' } as const, input: { files, dirs: [] } });
    await runImport(input([file('cats/c.png', png(7))]));
    const report = await runImport(input([file('dogs/again.png', png(7)), file('loose.png', png(8))]));
    expect(report.imported).toBe(0);
    const reasons = Object.fromEntries(report.skipped.map((s) => [s.path, s.reason]));
    expect(reasons['dogs/again.png']).toBe('duplicate of "cats/c.png" already in the project');
    expect(reasons['loose.png']).toMatch(/^not inside a class folder/);
    expect((await listImages(db, project.id)).map((i) => i.name)).toEqual(['cats/c.png']);
    await expectConsistent(db, project.id);
  });
});
