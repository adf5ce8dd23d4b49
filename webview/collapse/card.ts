/**
 * One run's card in the Collapse panel at a step: the plain-language reading of the chosen layer and of
 * the embedding, and RankMe of every recorded layer at that step (where along the network the spectrum
 * narrows; a row click chooses that layer).
 */
import type { CollapseRun, CollapseStep } from '../../src/protocol/webviews/collapse';
import { fmt, h } from '../shared/dom';
import { EMBEDDING, layerLabel, layerOf, layerTitle } from './layers';
import { reading, sampleLimit, verdict } from './reading';

export function readingCard(
  r: CollapseRun,
  color: string,
  s: CollapseStep | undefined,
  layer: string,
  onPick: (layer: string) => void,
): HTMLElement {
  const part = (which: string): HTMLElement => {
    if (!s) return h('p', { class: 'dim' }, 'No diagnostics yet at this step.');
    const sp = layerOf(s, which);
    if (!sp)
      return h(
        'p',
        { class: 'dim', 'data-testid': `missing-${r.runId}-${which}` },
        `${layerTitle(which)}: not in this run's diagnostics (recorded before per-layer diagnostics, or no such layer in its model).`,
      );
    const v = verdict(sp);
    return h(
      'div',
      {
        class: 'reading',
        'data-testid': `reading-${r.runId}-${which}`,
        'data-dims99': String(sp.dims99),
        'data-dim': String(sp.dim),
        'data-erank': String(sp.rankMe),
        'data-verdict': v.cls,
      },
      h('h4', {}, layerLabel(which)),
      h('p', { class: 'big' }, h('strong', {}, String(sp.dims99)), ` ${reading(sp).slice(String(sp.dims99).length + 1)}.`),
      h(
        'p',
        {},
        `Effective rank (RankMe) ${fmt(sp.rankMe)} of ${sp.dim}; eigenvalue form ${fmt(sp.effectiveRank)}; std × √d ${fmt(sp.stdSqrtD)}.`,
      ),
      sampleLimit(sp) ? h('p', { class: 'dim small', 'data-testid': `limit-${r.runId}-${which}` }, sampleLimit(sp)!) : null,
      h('p', { class: `verdict ${v.cls}`, 'data-testid': `verdict-${r.runId}-${which}` }, v.text),
    );
  };
  return h(
    'section',
    { class: 'card', 'data-testid': `card-${r.runId}`, style: `border-top-color:${color}` },
    h('h3', {}, r.name, h('span', { class: 'dim' }, ` ${s ? `step ${s.step}` : ''}`)),
    part(layer),
    layer === EMBEDDING ? null : part(EMBEDDING),
    s ? layerProfile(r, s, layer, onPick) : null,
    s
      ? h(
          'p',
          { class: 'dim small', 'data-testid': `extra-${r.runId}` },
          `alignment ${fmt(s.alignment)} · uniformity ${fmt(s.uniformity)} · InfoNCE top-1 ${fmt(s.top1)}`,
        )
      : null,
  );
}

/** RankMe of each recorded layer at this step, in network order; only when the run recorded more than the two. */
function layerProfile(r: CollapseRun, s: CollapseStep, layer: string, onPick: (layer: string) => void): HTMLElement | null {
  const names = Object.keys(s.layers ?? {});
  if (names.length <= 2) return null;
  const rows = names.map((n) => {
    const sp = s.layers[n];
    const tr = h(
      'tr',
      { class: n === layer ? 'chosen' : undefined, 'data-layer': n, title: `Show ${layerTitle(n)}` },
      h('td', {}, layerTitle(n)),
      h('td', { class: 'num' }, fmt(sp.rankMe)),
      h('td', { class: 'num dim' }, `of ${sp.dim}`),
      h('td', { class: `num verdict ${verdict(sp).cls}` }, `${sp.dims99} for 99%`),
    );
    tr.addEventListener('click', () => onPick(n));
    return tr;
  });
  return h(
    'details',
    { class: 'profile', 'data-testid': `profile-${r.runId}`, open: '' },
    h('summary', {}, 'RankMe by layer at this step'),
    h('table', {}, h('tbody', {}, ...rows)),
  );
}
