/**
 * The Curves panel's seed aggregate beyond the band: whiskers (mean ± sd) where a variant's line has too
 * few points for a band to show (a final Dice is one point), and the aggregate's CSV.
 */
import type uPlot from 'uplot';
import type { AggregateSeries } from '../shared/seeds';
import type { Column, Line } from './lines';

/** Whether a column is drawn as whiskers rather than a band: a variant's line of under 3 points (a final Dice is one). */
export function drawnAsWhiskers(c: Column): boolean {
  return c.role === 'mean' && c.line.runs.length > 1 && c.points < 3;
}

/**
 * Draws each whiskered line as a dot at its mean with a vertical whisker from −sd to +sd and caps; lines
 * at the same step are spread sideways a few pixels so that each stays readable.
 */
export function whiskersPlugin(columns: () => readonly Column[], colorOf: (i: number) => string): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const cols = columns();
        const whiskered = cols.filter(drawnAsWhiskers);
        const px = devicePixelRatio;
        const ctx = u.ctx;
        ctx.save();
        ctx.lineWidth = 1.5 * px;
        whiskered.forEach((c, j) => {
          const hi = cols.find((x) => x.key === `${c.key}|hi`);
          const lo = cols.find((x) => x.key === `${c.key}|lo`);
          const color = colorOf(c.li);
          ctx.strokeStyle = color;
          ctx.fillStyle = color;
          const dx = (j - (whiskered.length - 1) / 2) * 10 * px;
          const cap = 4 * px;
          const xs = u.data[0];
          for (let i = 0; i < xs.length; i++) {
            const mean = c.values[i];
            if (mean === null) continue;
            const x = u.valToPos(xs[i], 'x', true) + dx;
            const top = hi?.values[i];
            const bottom = lo?.values[i];
            if (top !== null && top !== undefined && bottom !== null && bottom !== undefined) {
              const y0 = u.valToPos(top, 'y', true);
              const y1 = u.valToPos(bottom, 'y', true);
              ctx.beginPath();
              ctx.moveTo(x, y0);
              ctx.lineTo(x, y1);
              ctx.moveTo(x - cap, y0);
              ctx.lineTo(x + cap, y0);
              ctx.moveTo(x - cap, y1);
              ctx.lineTo(x + cap, y1);
              ctx.stroke();
            }
            ctx.beginPath();
            ctx.arc(x, u.valToPos(mean, 'y', true), 3.5 * px, 0, 2 * Math.PI);
            ctx.fill();
          }
        });
        ctx.restore();
      },
    },
  };
}

/** variant,seeds,name,step,n,mean,sd: one row per line, scalar and step, over the raw (unsmoothed) values. */
export function seedCsv(
  lines: readonly Line[],
  seriesOf: (line: Line, name: string, group: string) => AggregateSeries | undefined,
  groupOf: (name: string) => string,
): string {
  const rows = ['variant,seeds,name,step,n,mean,sd'];
  const runs = lines.flatMap((l) => l.runs);
  const names = [...new Set(runs.flatMap((r) => [...r.series.keys()]))].sort();
  for (const line of lines) {
    const seeds = line.seeds.length ? line.seeds.join(' ') : '';
    for (const name of names) {
      const a = seriesOf(line, name, groupOf(name));
      if (!a) continue;
      a.steps.forEach((st, i) =>
        rows.push(`${line.name},${seeds},${name},${st},${a.n[i]},${a.mean[i]},${Number.isFinite(a.sd[i]) ? a.sd[i] : ''}`),
      );
    }
  }
  return rows.join('\n') + '\n';
}
