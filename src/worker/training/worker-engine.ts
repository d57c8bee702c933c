// The training worker's shared state: the studio database, the measured and active backend, and
// the loaded backbone (warmed up on that backend). Runs and model services both work through it.
import * as tf from '@tensorflow/tfjs';
import { activateBackend, decide, measureBackends, type BackendDecision, type BackendProbe } from '../../core/backend/choose';
import type { BackboneSpec } from '../../core/backbones/catalog';
import { applyBackbone, countParams, describeLayers, listBlocks } from '../../core/backbones/layers';
import { pool, type FeatureExtractor } from '../../core/train/features';
import type { BackendChoice, BackendName, TrainMode } from '../../core/train/run-config';
import { openStudioDb, type StudioDB } from '../../persistence/db';
import type { FromWorker } from '../protocol';
import { openBackbone, type OpenedBackbone } from './backbone-store';
import { registeredBackends, setupTf, webglRenderer, webgpuAdapter } from './tf-setup';
import { BoundaryMemory } from '../../core/train/boundary-memory';

export type Post = (msg: FromWorker, transfer?: Transferable[]) => void;

export class WorkerEngine {
  private db: StudioDB | null = null;
  private decision: { mode: TrainMode; value: BackendDecision } | null = null;
  private probes: BackendProbe[] | null = null;
  private backbone: { spec: BackboneSpec; backend: string; opened: OpenedBackbone } | null = null;
  /** Plain boundary activations kept by the feature warm-up for fine-tune runs (see boundary-memory.ts). */
  readonly boundaryMemory = new BoundaryMemory();

  constructor(readonly post: Post) {
    setupTf();
  }

  async getDb() {
    this.db ??= await openStudioDb();
    return this.db;
  }

  /** Why the active backend was chosen (null before any choice). */
  get backendReason(): string | null {
    return this.decision?.value.reason ?? null;
  }

  /**
   * Activates the backend to use. An explicit choice is used as it is, without probing (probing
   * a GPU backend the user did not ask for only costs time and GPU memory); 'auto' probes every
   * backend once per mode and takes the fastest.
   */
  async ensureBackend(mode: TrainMode, choice: BackendChoice): Promise<BackendName> {
    if (choice !== 'auto') {
      if (await activateBackend(choice)) {
        const probes = this.decision?.value.probes ?? [];
        const decision = { chosen: choice, reason: `${choice} was chosen in the settings`, probes };
        this.post({ type: 'backends', decision, active: choice });
        return choice;
      }
      this.post({ type: 'status', status: 'probing', message: `${choice} could not start here; measuring the others…` });
    }
    if (!this.decision || this.decision.mode !== mode) {
      // One measurement serves both modes: each probe times a forward pass and a training step.
      if (!this.probes) {
        this.post({ type: 'status', status: 'probing', message: 'Measuring the backends on this device…' });
        this.probes = await measureBackends(registeredBackends(), await webgpuAdapter(), webglRenderer());
      }
      this.decision = { mode, value: decide(this.probes, mode) };
    }
    const { value } = this.decision;
    const active = value.chosen;
    if (!(await activateBackend(active))) throw new Error(`the ${active} backend stopped working`);
    const note = choice !== 'auto' ? { ...value, reason: `${choice} could not start; ${value.reason}` } : value;
    this.post({ type: 'backends', decision: note, active });
    return active;
  }

  /** Whether a backbone is loaded and warmed up on the active backend. */
  get hasBackbone(): boolean {
    return this.backbone != null && this.backbone.backend === tf.getBackend();
  }

  /** The next ensureBackend measures again (the user asked to). */
  forgetMeasurements() {
    this.probes = null;
    this.decision = null;
  }

  async loadBackbone(spec: BackboneSpec): Promise<OpenedBackbone> {
    const backend = tf.getBackend();
    if (this.backbone && this.backbone.spec.id === spec.id && this.backbone.spec.url === spec.url && this.backbone.backend === backend) {
      return this.backbone.opened;
    }
    this.dropBackbone();
    this.post({ type: 'status', status: 'loading-backbone', message: `Loading ${spec.name}…` });
    const opened = await openBackbone(await this.getDb(), spec, (loaded, total) => this.post({ type: 'backbone-progress', loaded, total }));
    this.post({ type: 'status', status: 'warming-up', message: 'Warming up…' });
    // One forward pass compiles kernels and tells the feature size (custom models declare none).
    const warm = tf.tidy(() => this.extractor(spec, opened).forward(tf.zeros([1, spec.inputSize, spec.inputSize, 3]) as tf.Tensor4D));
    await warm.data();
    const featureDim = warm.shape[1];
    warm.dispose();
    spec = { ...spec, featureDim };
    this.backbone = { spec, backend, opened };
    const layers = opened.kind === 'layers' ? describeLayers(opened.model) : [];
    this.post({
      type: 'backbone-ready',
      info: {
        spec,
        layers,
        blocks: opened.kind === 'layers' ? listBlocks(opened.model) : [],
        params: opened.kind === 'layers' ? countParams(opened.model).total : spec.params,
        fromCache: opened.fromCache,
      },
    });
    this.post({ type: 'status', status: 'ready' });
    return opened;
  }

  /** The loaded backbone itself, when there is one. */
  get openedBackbone(): OpenedBackbone | null {
    return this.backbone?.opened ?? null;
  }

  /** The loaded backbone's spec, with its measured feature size. */
  get backboneSpec(): BackboneSpec | null {
    return this.backbone?.spec ?? null;
  }

  /** Frees the loaded backbone (fine-tuning changed its weights, or a benchmark needs the memory). */
  dropBackbone() {
    this.backbone?.opened.model.dispose();
    this.backbone = null;
  }

  /** Pooled features of the backbone's output. */
  extractor(spec: BackboneSpec, opened: OpenedBackbone): FeatureExtractor {
    return {
      spec,
      forward: (x) =>
        tf.tidy(() => pool(opened.kind === 'layers' ? applyBackbone(opened.model, x) : (opened.model.predict(x) as tf.Tensor))),
    };
  }

  /** Work outside a run (preview, import, load) still needs a measured backend. */
  async anyBackend() {
    if (!this.decision) await this.ensureBackend('frozen', 'auto');
  }

}
