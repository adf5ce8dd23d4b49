/**
 * A variant's card in the Collapse panel when its seeds are shown together: the reading of the chosen
 * layer and of the embedding as mean ± sd over the seeds (each seed's newest diagnostics at or before the
 * step), every seed's verdict counted, and RankMe by layer as mean ± sd (a row click chooses the layer).
 */
import type { CollapseRun } from '../../src/protocol/webviews/collapse';
import { fmt, h } from '../shared/dom';
import { formatMeanSd, type SeedGroup } from '../shared/seeds';
import { EMBEDDING, layerLabel, layerTitle } from './layers';
import { extrasSummary, layerSummary, stepOf, verdictSummary, type LayerSummary } from './seedLines';

const ms = (m: LayerSummary['rankMe']): string => formatMeanSd(m, (v) => fmt(v));

export function seedCard(
  g: SeedGroup<CollapseRun>,
  color: string,
  step: number,
  layer: string,
  onPick: (layer: string) => void,
): HTMLElement {
  const steps = g.runs.map((r) => stepOf(r, step)?.step);
  const reached = steps.filter((s) => s !== undefined).length;
  const part = (which: string): HTMLElement => {
    const s = layerSummary(g.runs, step, which);
    if (!s)
      return h('p', { class: 'dim', 'data-testid': `missing-${g.key}-${which}` }, `${layerTitle(which)}: no seed has it at this step.`);
    const v = verdictSummary(s);
    return h(
      'div',
      {
        class: 'reading',
        'data-testid': `reading-${g.key}-${which}`,
        'data-erank': String(s.rankMe.mean),
        'data-erank-sd': String(s.rankMe.sd),
        'data-n': String(s.rankMe.n),
        'data-verdict': v.cls,
      },
      h('h4', {}, layerLabel(which)),
      h('p', { class: 'big' }, h('strong', {}, ms(s.dims99)), ` of ${s.dim} dimensions hold 99% of the variance.`),
      h(
        'p',
        {},
        `Effective rank (RankMe) ${ms(s.rankMe)} of ${s.dim}; eigenvalue form ${ms(s.effectiveRank)}; std × √d ${ms(s.stdSqrtD)}.`,
      ),
      h('p', { class: `verdict ${v.cls}`, 'data-testid': `verdict-${g.key}-${which}` }, v.text),
    );
  };
  const extras = extrasSummary(g.runs, step);
  const seedSteps = [...new Set(steps.filter((s): s is number => s !== undefined))];
  return h(
    'section',
    { class: 'card', 'data-testid': `card-${g.key}`, style: `border-top-color:${color}` },
    h('h3', {}, g.name, h('span', { class: 'dim' }, ` mean ± sd over ${g.runs.length} seeds (${g.seeds.join(', ')})`)),
    h(
      'p',
      { class: 'dim small', 'data-testid': `seed-steps-${g.key}` },
      reached < g.runs.length
        ? `${reached} of ${g.runs.length} seeds have diagnostics at step ${step}; the others are not counted.`
        : `step ${seedSteps.join(', ')} of every seed.`,
    ),
    part(layer),
    layer === EMBEDDING ? null : part(EMBEDDING),
    profile(g, step, layer, onPick),
    extras
      ? h(
          'p',
          { class: 'dim small', 'data-testid': `extra-${g.key}` },
          `alignment ${formatMeanSd(extras.alignment, (v) => fmt(v))} · uniformity ${formatMeanSd(extras.uniformity, (v) => fmt(v))} · InfoNCE top-1 ${formatMeanSd(extras.top1, (v) => fmt(v))}`,
        )
      : null,
  );
}

/** RankMe of each recorded layer at this step, mean ± sd over the seeds, in network order. */
function profile(g: SeedGroup<CollapseRun>, step: number, layer: string, onPick: (layer: string) => void): HTMLElement | null {
  const first = g.runs.map((r) => stepOf(r, step)).find((s) => s !== undefined);
  const names = first ? Object.keys(first.layers ?? {}) : [];
  if (names.length <= 2) return null;
  const rows = names.map((n) => {
    const s = layerSummary(g.runs, step, n)!;
    const tr = h(
      'tr',
      { class: n === layer ? 'chosen' : undefined, 'data-layer': n, title: `Show ${layerTitle(n)}` },
      h('td', {}, layerTitle(n)),
      h('td', { class: 'num' }, ms(s.rankMe)),
      h('td', { class: 'num dim' }, `of ${s.dim}`),
      h('td', { class: `num verdict ${verdictSummary(s).cls}` }, `${ms(s.dims99)} for 99%`),
    );
    tr.addEventListener('click', () => onPick(n));
    return tr;
  });
  return h(
    'details',
    { class: 'profile', 'data-testid': `profile-${g.key}`, open: '' },
    h('summary', {}, `RankMe by layer at this step (mean ± sd over ${g.runs.length} seeds)`),
    h('table', {}, h('tbody', {}, ...rows)),
  );
}
