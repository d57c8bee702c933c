// Conversions between the trainer's checkpoints and results and the records IndexedDB keeps.
import type { TrainImage } from '../../core/train/data';
import type { EvalResult } from '../../core/train/evaluate';
import type { Checkpoint } from '../../core/train/trainer';
import type { RunEvaluation } from '../../persistence/db';
import type { getCheckpoint } from '../../persistence/checkpoints-repo';

export function toEvaluation(val: TrainImage[], v: EvalResult): RunEvaluation {
  return { imageIds: val.map((x) => x.id), labels: v.labels, probabilities: Array.from(v.probabilities), numClasses: v.numClasses };
}

export function toRecord(runId: string, cp: Checkpoint, kind: 'last' | 'best') {
  return {
    runId,
    kind,
    epoch: cp.epoch,
    stage: cp.stage,
    step: cp.step,
    createdAt: Date.now(),
    weights: cp.weights.specs,
    weightData: cp.weights.data,
    optimizer: cp.optimizer.specs,
    optimizerData: cp.optimizer.data,
    state: cp.state as unknown as Record<string, unknown>,
  };
}

export function fromRecord(rec: Awaited<ReturnType<typeof getCheckpoint>> & object): Checkpoint {
  return {
    epoch: rec.epoch,
    stage: rec.stage,
    step: rec.step,
    weights: { specs: rec.weights, data: rec.weightData },
    optimizer: { specs: rec.optimizer, data: rec.optimizerData },
    state: rec.state as unknown as Checkpoint['state'],
  };
}
