// The confusion matrix as a table of buttons: rows are the true class, columns the predicted one;
// a cell's shade follows its share of the row, and clicking it selects those images.
import type { ConfusionMatrix } from '../../core/metrics/classification';

export function ConfusionMatrixTable(props: { cm: ConfusionMatrix; classes: string[]; selected: [number, number] | null; onSelect: (cell: [number, number]) => void }) {
  const { cm, classes } = props;
  return (
    <div className="cm-scroll">
      <table className="cm-table" data-testid="confusion-matrix">
        <caption className="muted small-text">Rows: true class · Columns: predicted class · Click a cell to see its images</caption>
        <thead>
          <tr>
            <th scope="col">True ↓ / Predicted →</th>
            {classes.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {cm.map((row, i) => {
            const total = row.reduce((a, b) => a + b, 0) || 1;
            return (
              <tr key={classes[i]}>
                <th scope="row">{classes[i]}</th>
                {row.map((n, j) => {
                  const share = n / total;
                  const hue = i === j ? '47, 91, 211' : '214, 60, 40';
                  // Light tints carry dark text; the darkest shade is a solid colour that white text
                  // reads on at 4.5:1 or more (a translucent tint of it would not).
                  const dark = share > 0.55;
                  const background = !n ? undefined : dark ? (i === j ? '#2a4cb0' : '#a8321f') : `rgba(${hue}, ${0.1 + 0.45 * share})`;
                  const on = props.selected?.[0] === i && props.selected?.[1] === j;
                  return (
                    <td key={j}>
                      <button
                        type="button"
                        className={`cm-cell${on ? ' selected' : ''}`}
                        style={{ background, color: dark ? '#fff' : undefined }}
                        aria-label={`${n} ${classes[i]} images predicted as ${classes[j]}`}
                        aria-pressed={on}
                        disabled={n === 0}
                        onClick={() => props.onSelect([i, j])}
                      >
                        {n}
                      </button>
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
