// Runs and checkpoints in the project lifecycle: deleteProject takes them along (in batches),
// duplicateProject leaves them behind, removeOrphans clears what an interrupted delete left.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StudioDB } from './db';
import { addClass } from './classes-repo';
import { getCheckpoint, saveCheckpoint } from './checkpoints-repo';
import { createProject, deleteProject, duplicateProject, removeOrphans } from './projects-repo';
import { removeOrphanRuns } from './run-cleanup';
import { createRun, getRun, listRuns, RUN_COUNTER_PREFIX } from './runs-repo';
import { addImages, checkpointRecord, freshDb, runCounts, runInput } from '../test-support/studio-db';

let db: StudioDB;
beforeEach(async () => {
  db = await freshDb();
});
afterEach(() => {
  db.close();
});

async function projectWithImages(name: string, images: number) {
  const project = await createProject(db, name);
  const cls = await addClass(db, project.id, 'only');
  await addImages(db, project.id, cls.id, images);
  return project;
}

describe('projects and their runs', () => {
  async function runsWithCheckpoints(projectId: string, n: number, withCheckpoints = n) {
    const runs = [];
    for (let i = 0; i < n; i++) {
      const run = await createRun(db, runInput(projectId));
      if (i < withCheckpoints) {
        await saveCheckpoint(db, checkpointRecord(run.id, 'last', 2));
        await saveCheckpoint(db, checkpointRecord(run.id, 'best', 1));
      }
      runs.push(run);
    }
    return runs;
  }

  it('deleteProject deletes its runs and their checkpoints (more than one batch) and its run counter', async () => {
    const project = await projectWithImages('Big', 2);
    const keep = await projectWithImages('Keep', 1);
    await runsWithCheckpoints(project.id, 205, 3);
    const [kept] = await runsWithCheckpoints(keep.id, 1);
    expect(await runCounts(db)).toEqual({ runs: 206, checkpoints: 8 });
    const keptBefore = await getRun(db, kept.id);
    expect(keptBefore!.lastCheckpointEpoch).toBe(2);
    await deleteProject(db, project.id);
    expect(await runCounts(db)).toEqual({ runs: 1, checkpoints: 2 });
    expect(await listRuns(db, project.id)).toEqual([]);
    expect(await getRun(db, kept.id)).toEqual(keptBefore);
    expect(await getCheckpoint(db, kept.id, 'last')).toBeDefined();
    expect(await db.getAllKeys('meta')).toEqual([RUN_COUNTER_PREFIX + keep.id]);
  });

  it('duplicateProject copies no runs; the copy numbers its runs from 1', async () => {
    const project = await projectWithImages('Pets', 2);
    await runsWithCheckpoints(project.id, 2);
    const copy = await duplicateProject(db, project.id);
    expect(await listRuns(db, copy.id)).toEqual([]);
    expect(await runCounts(db)).toEqual({ runs: 2, checkpoints: 4 });
    expect((await createRun(db, runInput(copy.id))).name).toBe('Run 1');
  });

  it('removeOrphans removes runs of a gone project with their checkpoints, stray checkpoints and counters', async () => {
    const gone = await projectWithImages('Gone', 1);
    const keep = await projectWithImages('Keep', 1);
    await runsWithCheckpoints(gone.id, 3, 2);
    const kept = await runsWithCheckpoints(keep.id, 2, 1);
    await db.delete('projects', gone.id); // deleteProject cut short after step one
    await db.put('checkpoints', checkpointRecord('deleted-run', 'best', 4)); // a run delete that lost its checkpoints' cleanup
    expect(await removeOrphans(db)).toEqual({ classes: 1, images: 1, blobs: 0, runs: 3, checkpoints: 5 });
    expect(await runCounts(db)).toEqual({ runs: 2, checkpoints: 2 });
    expect((await listRuns(db, keep.id)).map((r) => r.id).sort()).toEqual(kept.map((r) => r.id).sort());
    expect(await db.getAllKeys('meta')).toEqual([RUN_COUNTER_PREFIX + keep.id]);
    expect(await removeOrphans(db)).toEqual({ classes: 0, images: 0, blobs: 0, runs: 0, checkpoints: 0 });
  });

  it('removeOrphanRuns re-checks each project, so one created after the snapshot keeps its runs', async () => {
    const project = await createProject(db, 'New');
    await runsWithCheckpoints(project.id, 2, 1);
    // An empty `live` snapshot, as if the project appeared after removeOrphans listed projects.
    expect(await removeOrphanRuns(db, new Set())).toEqual({ runs: 0, checkpoints: 0 });
    expect(await runCounts(db)).toEqual({ runs: 2, checkpoints: 2 });
    expect(await db.getAllKeys('meta')).toEqual([RUN_COUNTER_PREFIX + project.id]);
  });
});
