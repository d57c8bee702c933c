// Which tfjs backend trains: chosen by measuring every backend on this device (a matmul and a
// MobileNet-like block), with the reason shown and a manual override.
import { useEffect } from 'react';
import type { BackendChoice } from '../../core/train/run-config';
import { useStudio } from '../../stores/studio-store';
import { SelectField } from '../../components/ui/fields';

export function BackendPanel() {
  const cfg = useStudio((s) => s.trainConfig);
  const set = useStudio((s) => s.setTrainConfig);
  const decision = useStudio((s) => s.backendDecision);
  const active = useStudio((s) => s.activeBackend);
  const probe = useStudio((s) => s.probeBackends);
  const status = useStudio((s) => s.workerStatus);
  // Measure as soon as the panel shows, so the choice is known before training starts.
  useEffect(() => {
    const s = useStudio.getState();
    if (!s.backendDecision && s.workerStatus === 'idle') s.probeBackends(false);
  }, []);
  return (
    <section className="panel" aria-labelledby="be-title">
      <h2 id="be-title">Compute backend</h2>
      <div className="field-row">
        <SelectField<BackendChoice>
          label="Backend"
          value={cfg.backend}
          options={[
            { value: 'auto', label: 'Automatic (fastest measured)' },
            { value: 'webgpu', label: 'WebGPU' },
            { value: 'wasm', label: 'WebAssembly (CPU, SIMD)' },
            { value: 'webgl', label: 'WebGL' },
            { value: 'cpu', label: 'Plain JavaScript (slowest)' },
          ]}
          onChange={(v) => set({ backend: v })}
          hint="Where the maths runs; Automatic measures each and picks the fastest"
        />
        <button type="button" className="small align-end" onClick={() => probe()} disabled={status === 'probing' || status === 'training'}>
          {status === 'probing' ? 'Measuring…' : 'Measure backends'}
        </button>
      </div>
      {decision && (
        <div data-testid="backend-decision">
          <p>
            Using <strong>{active}</strong>: {decision.reason}.
          </p>
          <div className="scroll-box">
          <table className="probe-table">
            <thead>
              <tr>
                <th scope="col">Backend</th>
                <th scope="col" className="num">
                  Matmul GFLOP/s
                </th>
                <th scope="col" className="num">
                  Forward ms
                </th>
                <th scope="col" className="num">
                  Train step ms
                </th>
                <th scope="col" className="num">
                  Probe ms
                </th>
                <th scope="col">Notes</th>
              </tr>
            </thead>
            <tbody>
              {decision.probes.map((p) => (
                <tr key={p.name} data-backend={p.name}>
                  <td>{p.name}</td>
                  <td className="num">{p.matmulGflops?.toFixed(2) ?? '–'}</td>
                  <td className="num">{p.forwardMs?.toFixed(1) ?? '–'}</td>
                  <td className="num">{p.trainMs?.toFixed(1) ?? '–'}</td>
                  <td className="num">{p.probeMs?.toFixed(0) ?? '–'}</td>
                  <td className="muted">
                    {[p.adapter ? `${p.adapter.software ? 'software adapter' : 'GPU'}: ${p.adapter.description}` : '', p.error ?? ''].filter(Boolean).join('; ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        </div>
      )}
    </section>
  );
}
