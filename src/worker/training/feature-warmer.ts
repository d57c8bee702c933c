// Features while an import runs: as images are committed, the worker runs the project's backbone
// on them and keeps their plain (unaugmented) features in the feature store, under the same keys
// a run uses, so a frozen run or Auto's study started after the import reads them instead of
// computing them. It works only with a backbone that is loaded or in the local backbone cache (it
// never downloads one), yields to a run at the next batch, and is best effort: a failure is
// reported in the log line and costs nothing but the time.
import type { BackboneSpec } from '../../core/backbones/catalog';
import { computeFeatures, featureContentKey, featureScope, frozenExtractor } from '../../core/train/features';
import { featureStore } from '../../persistence/features-repo';
import { getCachedBackbone } from '../../persistence/backbones-repo';
import { getImage } from '../../persistence/images-repo';
import type { ImageRecord } from '../../persistence/db';
import type { FromWorker } from '../protocol';
import { errorText } from '../../core/error-text';
import { IdbPixelSource } from './idb-pixel-source';
import type { WorkerEngine } from './worker-engine';

/** Images per pass: large enough to batch the backbone, small enough to yield to a run quickly. */
const CHUNK = 32;

const sameBackbone = (a: BackboneSpec | null, b: BackboneSpec) => a != null && a.id === b.id && a.url === b.url;

export class FeatureWarmer {
  private projectId: string | null = null;
  private spec: BackboneSpec | null = null;
  private queue: string[] = [];
  private scheduled = false;
  private stopRequested = false;
  private done = 0;

  constructor(
    private readonly engine: WorkerEngine,
    private readonly post: (msg: FromWorker) => void,
  ) {}

  /**
   * Adds images to warm; returns true when a drain must be scheduled (none is pending). Another
   * project or backbone replaces what was queued.
   */
  add(projectId: string, spec: BackboneSpec, imageIds: string[]): boolean {
    if (projectId !== this.projectId || !this.spec || !sameBackbone(this.spec, spec)) {
      this.queue = [];
      this.done = 0;
      this.projectId = projectId;
      this.spec = spec;
    }
    this.queue.push(...imageIds);
    this.stopRequested = false;
    if (this.scheduled) return false;
    this.scheduled = true;
    return true;
  }

  /** A run or another job is about to start: stop after the current batch and forget the queue. */
  yieldToRun() {
    this.stopRequested = true;
    this.queue = [];
  }

  /** Runs as a worker job: computes and stores features for the queued images. */
  async drain(): Promise<void> {
    try {
      const spec = this.spec;
      const projectId = this.projectId;
      if (!spec || !projectId || this.stopRequested || this.queue.length === 0) return;
      const db = await this.engine.getDb();
      if (!(this.engine.hasBackbone && sameBackbone(this.engine.backboneSpec, spec))) {
        // Only a backbone already here: warming up must never start a download.
        if (!(await getCachedBackbone(db, spec.id))) return;
        await this.engine.ensureBackend('frozen', 'auto');
        await this.engine.loadBackbone(spec);
      }
      const loaded = this.engine.backboneSpec!;
      const opened = this.engine.openedBackbone!;
      const frozen = opened.kind === 'layers' ? frozenExtractor(loaded, opened.model) : null;
      const extractor = frozen ?? this.engine.extractor(loaded, opened);
      const scope = featureScope(loaded, frozen ? 'frozen-extractor' : 'extractor');
      const source = new IdbPixelSource(db, loaded.preprocessing.resize);
      const store = featureStore(db);
      const t0 = performance.now();
      let computed = 0;
      try {
        while (this.queue.length && !this.stopRequested) {
          const ids = this.queue.splice(0, CHUNK);
          const records = (await Promise.all(ids.map((id) => getImage(db, id)))).filter((r): r is ImageRecord => r != null && r.projectId === projectId);
          if (records.length === 0) continue;
          const res = await computeFeatures({
            extractor, source, ids: records.map((r) => r.id), views: 1, augment: null, seed: 0,
            store: { store, scope, contentKeys: records.map(featureContentKey) },
            shouldStop: () => this.stopRequested,
          });
          if (!res) break;
          computed += res.computed ?? 0;
          this.done += records.length;
          this.post({ type: 'features-warmed', projectId, done: this.done, computed, seconds: (performance.now() - t0) / 1000 });
        }
      } finally {
        frozen?.dispose();
      }
    } catch (e) {
      this.post({ type: 'features-warmed', projectId: this.projectId ?? '', done: this.done, computed: 0, seconds: 0, error: errorText(e) });
    } finally {
      this.scheduled = false;
    }
  }
}
