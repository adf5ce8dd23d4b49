/** uPlot pieces shared by the chart panels: theme-coloured axes, and scales that never collapse. */
import uPlot from 'uplot';
import { flatRange, stepRange } from './chartRange';
import { themeColor } from './dom';

export function axisStyle(): Pick<uPlot.Axis, 'stroke' | 'grid' | 'ticks'> {
  const fg = themeColor('--vscode-foreground', '#616161');
  const grid = themeColor('--vscode-panel-border', 'rgba(127,127,127,0.25)');
  return { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
}

/** An x scale of steps, ranged from the data itself (uPlot pre-widens a single x value to 0..2x). */
export function stepScale(): uPlot.Scale {
  return { time: false, range: (u, min, max) => stepRange(u.data[0] as ArrayLike<number | null>) ?? [min, max] };
}

/** A y scale whose flat data (min = max) gets a range around the value; otherwise uPlot's padded range. */
export function valueScale(log = false): uPlot.Scale {
  // No finite value shown (every point hidden, or none positive on a log axis): an empty axis of one decade.
  const empty = (min: number | null, max: number | null) => !(Number.isFinite(min) && Number.isFinite(max));
  return log
    ? {
        distr: 3,
        log: 10,
        range: (_u, min, max) =>
          empty(min, max) || !(min > 0) ? [1, 10] : min === max ? flatRange(min, true) : uPlot.rangeLog(min, max, 10, true),
      }
    : { range: (_u, min, max) => (empty(min, max) ? [0, 1] : min === max ? flatRange(min) : uPlot.rangeNum(min, max, 0.1, true)) };
}

/** Steps are whole numbers: no tick between two steps (tick increments 1, 2, 5, 10, …). */
export const STEP_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000];

/** Writes each scale's range on the chart's root (data-x-range="130,230"): what tests read to check the axes. */
export function scaleRangesPlugin(): uPlot.Plugin {
  return {
    hooks: {
      setScale: (u, key) => {
        const s = u.scales[key];
        if (s && s.min !== undefined && s.max !== undefined) u.root.setAttribute(`data-${key}-range`, `${s.min},${s.max}`);
      },
    },
  };
}
