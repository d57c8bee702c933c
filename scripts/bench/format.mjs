// Number and table formatting shared by the bench's log lines and its Markdown report.

/** A number with `d` decimals, or '–' when missing. */
export const f = (v, d = 1) => (v == null || !Number.isFinite(v) ? '–' : v.toFixed(d));
/** A share as a percentage with one decimal, or '–' when missing. */
export const pct = (v) => (v == null || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(1)}%`);
/** ' ✓' / ' ✗' after a figure that has a target, '' when it has none. */
export const mark = (ok) => (ok == null ? '' : ok ? ' ✓' : ' ✗');
/** A Markdown table. */
export const table = (head, rows) => [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
