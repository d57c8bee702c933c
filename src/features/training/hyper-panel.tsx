// Hyperparameters with their documented defaults (see defaultRunConfig): epochs, batch size,
// optimizer, learning rates and schedule, discriminative backbone rate, label smoothing, class
// balancing, early stopping, validation split, seed and gradient accumulation.
import type { ScheduleConfig } from '../../core/train/schedules';
import type { OptimizerKind } from '../../core/train/run-config';
import { useStudio } from '../../stores/studio-store';
import { CheckField, NumberField, SelectField } from '../../components/ui/fields';

const SCHEDULES: { value: ScheduleConfig['kind']; label: string }[] = [
  { value: 'constant', label: 'Constant' },
  { value: 'step', label: 'Step decay' },
  { value: 'cosine', label: 'Cosine' },
  { value: 'cyclical', label: 'Cyclical (triangular)' },
  { value: 'one-cycle', label: 'One-cycle' },
  { value: 'linear-warmup', label: 'Linear warm-up' },
];

function scheduleFor(kind: ScheduleConfig['kind']): ScheduleConfig {
  switch (kind) {
    case 'constant':
      return { kind };
    case 'step':
      return { kind, stepEvery: 5, gamma: 0.5 };
    case 'cosine':
      return { kind, minLr: 0 };
    case 'cyclical':
      return { kind, cycleEpochs: 4, minLr: 1e-5 };
    case 'one-cycle':
      return { kind, pctStart: 0.25, divFactor: 25, finalDivFactor: 1e4 };
    case 'linear-warmup':
      return { kind, warmupEpochs: 2, then: 'cosine' };
  }
}

export function HyperPanel() {
  const cfg = useStudio((s) => s.trainConfig);
  const set = useStudio((s) => s.setTrainConfig);
  const finetune = cfg.mode === 'finetune';
  const marked = useStudio((s) => s.images.filter((i) => i.split === 'val').length);
  const markedTest = useStudio((s) => s.images.filter((i) => i.split === 'test').length);
  const es = cfg.earlyStopping;
  const sch = cfg.schedule;
  const ftSch = cfg.finetune.schedule ?? sch;
  return (
    <section className="panel" aria-labelledby="hp-title">
      <h2 id="hp-title">Training settings</h2>
      <p className="muted small-text">The defaults suit most projects; each field says what it changes.</p>
      <div className="field-row">
        <NumberField label={finetune ? 'Head warm-up epochs' : 'Epochs'} hint="Passes over all training images" value={cfg.epochs} min={1} max={500} step={1} onChange={(v) => set({ epochs: Math.round(v) })} />
        <NumberField label={finetune ? 'Head learning rate' : 'Learning rate'} hint="Step size of each correction; too high jumps around, too low crawls" value={cfg.lr} min={0} step="any" onChange={(v) => set({ lr: v })} />
        <NumberField label="Batch size" hint="Images looked at before each correction" value={cfg.batchSize} min={1} max={256} step={1} onChange={(v) => set({ batchSize: Math.round(v) })} />
        <NumberField label="Gradient accumulation" value={cfg.gradAccumulation} min={1} max={64} step={1} onChange={(v) => set({ gradAccumulation: Math.round(v) })} hint={`Adds up several batches before a correction (effective batch ${cfg.batchSize * cfg.gradAccumulation})`} />
      </div>
      {finetune && (
        <div className="field-row">
          <NumberField label="Fine-tune epochs" hint="Passes with the pretrained model’s last blocks learning too" value={cfg.finetune.epochs} min={1} max={500} step={1} onChange={(v) => set({ finetune: { ...cfg.finetune, epochs: Math.round(v) } })} />
          <NumberField label="Fine-tune learning rate" hint="Step size while fine-tuning; keep it small" value={cfg.finetune.lr} min={0} step="any" onChange={(v) => set({ finetune: { ...cfg.finetune, lr: v } })} />
          <NumberField label="Backbone LR multiplier" value={cfg.backboneLrMultiplier} min={0} step="any" onChange={(v) => set({ backboneLrMultiplier: v })} hint="The pretrained part learns this much slower (rate × this)" />
          <NumberField label="Earliest block factor" value={cfg.backboneLrGrade} min={0} max={1} step="any" onChange={(v) => set({ backboneLrGrade: v })} hint="Earlier blocks learn slower still (1 = all the same)" />
        </div>
      )}
      <div className="field-row">
        <SelectField<OptimizerKind>
          label="Optimizer" hint="The method that turns mistakes into corrections"
          value={cfg.optimizer}
          options={[
            { value: 'adam', label: 'Adam' },
            { value: 'adamw', label: 'AdamW (decoupled weight decay)' },
            { value: 'sgd', label: 'SGD with momentum' },
            { value: 'rmsprop', label: 'RMSprop' },
          ]}
          onChange={(v) => set({ optimizer: v, weightDecay: v === 'adamw' && !cfg.weightDecay ? 0.01 : cfg.weightDecay })}
        />
        {cfg.optimizer === 'sgd' && <NumberField label="Momentum" hint="How much each step keeps of the previous one" value={cfg.momentum} min={0} max={0.999} step={0.01} onChange={(v) => set({ momentum: v })} />}
        <NumberField label="Weight decay" hint="Pulls weights toward zero a little every step" value={cfg.weightDecay} min={0} step="any" onChange={(v) => set({ weightDecay: v })} />
        <SelectField label={finetune ? 'Head warm-up schedule' : 'Schedule'} hint="How the learning rate changes over the run" value={sch.kind} options={SCHEDULES} onChange={(k) => set({ schedule: scheduleFor(k) })} />
        {finetune && <SelectField label="Fine-tune schedule" hint="How the learning rate changes while the pretrained blocks learn" value={ftSch.kind} options={SCHEDULES} onChange={(k) => set({ finetune: { ...cfg.finetune, schedule: scheduleFor(k) } })} />}
      </div>
      <ScheduleParams schedule={sch} put={(p) => set({ schedule: { ...sch, ...p } as ScheduleConfig })} />
      {finetune && <ScheduleParams schedule={ftSch} put={(p) => set({ finetune: { ...cfg.finetune, schedule: { ...ftSch, ...p } as ScheduleConfig } })} prefix="Fine-tune " />}
      <div className="field-row">
        <NumberField label="Label smoothing" hint="Stops it from being 100% sure; helps with a few wrong labels" value={cfg.labelSmoothing} min={0} max={0.5} step={0.01} onChange={(v) => set({ labelSmoothing: v })} />
        <SelectField
          label="Class balance" hint="Makes small classes count as much as big ones"
          value={cfg.balance}
          options={[
            { value: 'class-weights', label: 'Class weights (auto-balance)' },
            { value: 'oversample', label: 'Oversample smaller classes' },
            { value: 'none', label: 'None' },
          ]}
          onChange={(v) => set({ balance: v })}
        />
        <NumberField
          label="Validation share"
          value={cfg.valFraction}
          min={0}
          max={0.5}
          step={0.05}
          disabled={marked > 0}
          onChange={(v) => set({ valFraction: v })}
          hint={marked > 0 ? `${marked} images marked for validation are the validation set` : 'Share of each class (after any test images) kept aside to check the model'}
        />
        <NumberField
          label="Test share"
          value={cfg.testFraction ?? 0}
          min={0}
          max={0.5}
          step={0.05}
          disabled={markedTest > 0}
          onChange={(v) => set({ testFraction: v })}
          hint={markedTest > 0 ? `${markedTest} images marked for test are the test set` : 'Share of each class (besides marked validation images) held out of training and every choice; scored once at the end'}
        />
        <NumberField label="Seed" hint="The same seed gives the same split and the same run" value={cfg.seed} min={0} step={1} onChange={(v) => set({ seed: Math.round(v) })} />
      </div>
      <div className="field-row">
        <CheckField label="Early stopping" hint="Stops when it no longer improves" checked={es.enabled} onChange={(v) => set({ earlyStopping: { ...es, enabled: v } })} />
        {es.enabled && (
          <>
            <SelectField<'loss' | 'accuracy'>
              label="Watch" hint="What must keep improving to go on"
              value={es.monitor ?? 'loss'}
              options={[
                { value: 'loss', label: 'Validation loss' },
                { value: 'accuracy', label: 'Validation accuracy' },
              ]}
              onChange={(v) => set({ earlyStopping: { ...es, monitor: v } })}
            />
            <NumberField label="Patience (epochs)" hint="Epochs without improvement before it stops" value={es.patience} min={0} max={100} step={1} onChange={(v) => set({ earlyStopping: { ...es, patience: Math.round(v) } })} />
            <NumberField label="Min improvement" hint="Smaller changes do not count as improving" value={es.minDelta} min={0} step="any" onChange={(v) => set({ earlyStopping: { ...es, minDelta: v } })} />
            <CheckField label="Restore best weights" hint="Keeps the best version, not the last" checked={es.restoreBest} onChange={(v) => set({ earlyStopping: { ...es, restoreBest: v } })} />
          </>
        )}
      </div>
    </section>
  );
}

/** The fields of one schedule; `prefix` tells the fine-tune stage's apart from the head's. */
function ScheduleParams({ schedule: s, put, prefix = '' }: { schedule: ScheduleConfig; put: (p: Partial<ScheduleConfig>) => void; prefix?: string }) {
  const label = (text: string) => (prefix ? `${prefix}${text[0].toLowerCase()}${text.slice(1)}` : text);
  switch (s.kind) {
    case 'step':
      return (
        <div className="field-row">
          <NumberField label={label('Decay every (epochs)')} value={s.stepEvery} min={1} step={1} onChange={(v) => put({ stepEvery: Math.round(v) })} />
          <NumberField label={label('Decay factor')} value={s.gamma} min={0} max={1} step="any" onChange={(v) => put({ gamma: v })} />
        </div>
      );
    case 'cosine':
      return (
        <div className="field-row">
          <NumberField label={label('Final learning rate')} value={s.minLr ?? 0} min={0} step="any" onChange={(v) => put({ minLr: v })} />
        </div>
      );
    case 'cyclical':
      return (
        <div className="field-row">
          <NumberField label={label('Cycle length (epochs)')} value={s.cycleEpochs} min={1} step={1} onChange={(v) => put({ cycleEpochs: Math.round(v) })} />
          <NumberField label={label('Lowest learning rate')} value={s.minLr} min={0} step="any" onChange={(v) => put({ minLr: v })} />
        </div>
      );
    case 'one-cycle':
      return (
        <div className="field-row">
          <NumberField label={label('Warm-up share')} value={s.pctStart ?? 0.25} min={0.01} max={0.99} step={0.05} onChange={(v) => put({ pctStart: v })} />
          <NumberField label={label('Start divisor')} value={s.divFactor ?? 25} min={1} step="any" onChange={(v) => put({ divFactor: v })} />
        </div>
      );
    case 'linear-warmup':
      return (
        <div className="field-row">
          <NumberField label={label('Warm-up epochs')} value={s.warmupEpochs} min={0} step={1} onChange={(v) => put({ warmupEpochs: Math.round(v) })} />
          <SelectField label={label('Then')} value={s.then} options={[{ value: 'constant', label: 'Constant' }, { value: 'cosine', label: 'Cosine' }]} onChange={(v) => put({ then: v })} />
        </div>
      );
    default:
      return null;
  }
}
