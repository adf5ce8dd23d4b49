/**
 * A self-contained HTML report of one or more runs (`medssl demo` writes it beside the runs, `medssl
 * report --html` wherever asked): the comparison table and the table over seeds, training curves, the
 * final spectra of each row and the Dice-per-class chart as inline SVG (charts/), and a few overlays
 * (image | truth | prediction) as inline PNG data URLs. No script, no external file: it opens anywhere.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encode } from 'fast-png';
import { classColor } from '../../protocol/webviews/palette';
import { overlayPlanes, type OverlayIndex } from '../eval/overlays';
import { aggregateCells, aggregateHeader, aggregateSeeds, hasSeedGroups, seedRunOf } from './aggregate';
import { chartGroups, diceChartOf, rowColor, spectrumRowsOf } from './charts/fromRuns';
import { sceneToSvg } from './charts/scene';
import { spectraChart } from './charts/spectra';
import { scalarSeries, type RunSummary } from './summary';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));

export interface Series {
  label: string;
  color: string;
  points: Array<[number, number]>;
}

/** A line chart as an SVG string. */
export function svgLineChart(
  series: readonly Series[],
  o: { title: string; xLabel: string; yLabel: string; width?: number; height?: number; logY?: boolean },
): string {
  const W = o.width ?? 520;
  const H = o.height ?? 260;
  const m = { l: 56, r: 12, t: 26, b: 40 };
  const tr = (y: number) => (o.logY ? Math.log10(Math.max(y, 1e-12)) : y);
  const pts = series.flatMap((s) => s.points.filter(([, y]) => Number.isFinite(y)));
  if (!pts.length)
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><text x="10" y="20">${esc(o.title)}: no data</text></svg>`;
  let x0 = Math.min(...pts.map((p) => p[0]));
  let x1 = Math.max(...pts.map((p) => p[0]));
  let y0 = Math.min(...pts.map((p) => tr(p[1])));
  let y1 = Math.max(...pts.map((p) => tr(p[1])));
  if (x1 === x0) {
    x0 -= 1;
    x1 += 1;
  }
  if (y1 === y0) {
    y0 -= 1;
    y1 += 1;
  }
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const X = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const Y = (y: number) => H - m.b - ((tr(y) - y0) / (y1 - y0)) * (H - m.t - m.b);
  const ticks = (a: number, b: number, n = 5) => Array.from({ length: n + 1 }, (_, i) => a + ((b - a) * i) / n);
  const yt = ticks(y0, y1)
    .map((v) => {
      const yy = H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);
      const lab = o.logY ? `1e${v.toFixed(1)}` : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
      return `<line x1="${m.l}" x2="${W - m.r}" y1="${yy.toFixed(1)}" y2="${yy.toFixed(1)}" stroke="#eee"/><text x="${m.l - 4}" y="${(yy + 4).toFixed(1)}" text-anchor="end">${lab}</text>`;
    })
    .join('');
  const xs = [...new Set(ticks(x0, x1).map((v) => (x1 - x0 >= 10 ? Math.round(v) : Number(v.toPrecision(3)))))];
  const xt = xs.map((v) => `<text x="${X(v).toFixed(1)}" y="${H - m.b + 14}" text-anchor="middle">${v}</text>`).join('');
  const lines = series
    .map((s) => {
      const p = s.points
        .filter(([, y]) => Number.isFinite(y))
        .map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`)
        .join(' ');
      const fin = s.points.filter(([, y]) => Number.isFinite(y));
      const dots =
        fin.length <= 40
          ? fin.map(([x, y]) => `<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="2.5" fill="${s.color}"/>`).join('')
          : '';
      return `<polyline fill="none" stroke="${s.color}" stroke-width="1.6" points="${p}"/>${dots}`;
    })
    .join('');
  const legend = series
    .map(
      (s, i) =>
        `<rect x="${m.l + 8}" y="${m.t + 4 + i * 15}" width="10" height="10" fill="${s.color}"/><text x="${m.l + 22}" y="${m.t + 13 + i * 15}">${esc(s.label)}</text>`,
    )
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">` +
    `<text x="${W / 2}" y="15" text-anchor="middle" font-weight="bold">${esc(o.title)}</text>${yt}${xt}` +
    `<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#888"/><line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#888"/>` +
    `${lines}${legend}<text x="${W / 2}" y="${H - 6}" text-anchor="middle">${esc(o.xLabel)}</text>` +
    `<text transform="translate(12 ${H / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text></svg>`
  );
}

/** RGB PNG (data URL) of one overlay slice: image | truth | prediction, scaled by `zoom` (nearest). */
export function overlayPngDataUrl(
  index: OverlayIndex,
  data: Uint8Array,
  i: number,
  zoom = Math.max(1, Math.min(4, Math.round(128 / index.width))),
): string {
  const { width: w, height: h } = index;
  const p = overlayPlanes(index, data, i);
  const W = 3 * w * zoom + 2 * 4;
  const H = h * zoom;
  const rgb = new Uint8Array(W * H * 3).fill(255);
  const alpha = 0.55;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < w * zoom * 3 + 8; x++) {
      const panel = Math.floor(x / (w * zoom + 4));
      const px = x - panel * (w * zoom + 4);
      if (px >= w * zoom || panel > 2) continue;
      const j = Math.floor(y / zoom) * w + Math.floor(px / zoom);
      const g = p.image[j];
      let r = g,
        gg = g,
        b = g;
      const cls = panel === 1 ? p.truth[j] : panel === 2 ? p.prediction[j] : 0;
      if (cls > 0) {
        const c = classColor(cls);
        r = Math.round((1 - alpha) * g + alpha * c[0]);
        gg = Math.round((1 - alpha) * g + alpha * c[1]);
        b = Math.round((1 - alpha) * g + alpha * c[2]);
      }
      const o = (y * W + x) * 3;
      rgb[o] = r;
      rgb[o + 1] = gg;
      rgb[o + 2] = b;
    }
  }
  const png = encode({ width: W, height: H, data: rgb, channels: 3, depth: 8 });
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}

function readOverlays(dir: string, tag: string): { index: OverlayIndex; data: Uint8Array } | null {
  try {
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'overlays', tag, 'index.json'), 'utf8')) as OverlayIndex;
    const data = new Uint8Array(fs.readFileSync(path.join(dir, 'overlays', tag, index.dataFile)));
    return { index, data };
  } catch {
    return null;
  }
}

/** Which overlay slices to show: the best and worst by mean foreground Dice, and a middle one, up to n. */
function pickShown(index: OverlayIndex, n: number): number[] {
  const withFg = index.slices.map((s, i) => ({ i, d: s.meanForeground })).filter((s) => s.d !== null) as Array<{ i: number; d: number }>;
  if (!withFg.length) return index.slices.slice(0, n).map((_, i) => i);
  withFg.sort((a, b) => a.d - b.d);
  const picks = new Set<number>();
  const step = Math.max(1, (withFg.length - 1) / Math.max(1, n - 1));
  for (let k = 0; k < n && picks.size < n; k++) picks.add(withFg[Math.min(withFg.length - 1, Math.round(k * step))].i);
  return [...picks].sort((a, b) => a - b);
}

export interface HtmlReportOptions {
  title: string;
  subtitle?: string;
  /** Extra lines (wall time, backend ...). */
  notes?: string[];
  overlaysPerRun?: number;
  /** The file the Dice-per-class chart was also written to as PNG (named in its caption). */
  dicePng?: string;
}

export function htmlReport(rows: readonly RunSummary[], o: HtmlReportOptions): string {
  // a run takes its chart row's colour, so the seeds of one variant share it in tables, curves and charts
  const groups = chartGroups(rows);
  const groupOf = new Map(groups.flatMap((g, gi) => g.runs.map((r) => [r, gi] as const)));
  const color = (i: number) => rowColor(groupOf.get(rows[i]) ?? i);
  const table =
    `<table><thead><tr><th>run</th><th>local loss</th><th>whitening</th><th>mean Dice (linear)</th><th>mean Dice (fine-tune)</th><th>RankMe (representation)</th><th>eff. rank, eigenvalue form (representation)</th><th>dims for 99%</th><th>RankMe (embedding)</th><th>status</th></tr></thead><tbody>` +
    rows
      .map(
        (r, i) =>
          `<tr><td><span class="sw" style="background:${color(i)}"></span>${esc(r.name)}</td><td>${r.local === null ? '–' : r.local ? 'on' : 'off'}</td><td>${esc(r.whitening ?? '–')}</td><td class="n">${fmt(r.linearDice)}</td><td class="n">${fmt(r.finetuneDice)}</td><td class="n">${fmt(r.rankMe, 2)}</td><td class="n">${fmt(r.effectiveRank, 2)}</td><td class="n">${r.dims99 ?? '–'}</td><td class="n">${fmt(r.embeddingRankMe, 2)}</td><td>${esc(r.status)}</td></tr>`,
      )
      .join('') +
    `</tbody></table>`;
  const agg = hasSeedGroups(rows) ? aggregateSeeds(rows.map(seedRunOf)) : null;
  const seedsTable = agg
    ? `<h2>Over seeds</h2><table><thead><tr>${aggregateHeader(agg)
        .map((h) => `<th>${esc(h)}</th>`)
        .join('')}</tr></thead><tbody>${aggregateCells(agg)
        .map((r) => `<tr>${r.map((c, k) => `<td${k === 2 || k === 4 ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`)
        .join('')}</tbody></table>` +
      '<p class="note">mean ± sd over seeds; Δ: mean over held-out cases × seeds of the paired difference of mean Dice against the first row, with a 95% percentile bootstrap interval over those pairs.</p>'
    : '';
  const series = rows.map((r) => scalarSeries(r.dir));
  const curve = (name: string, title: string, y: string) =>
    svgLineChart(
      rows.map((r, i) => ({ label: r.name, color: color(i), points: series[i].get(name) ?? [] })),
      { title, xLabel: 'step', yLabel: y },
    );
  // runs recorded before RankMe was logged have no such curve; their eigenvalue form is not mixed in
  const rankCurve = () => curve('diag/representation/rankMe', 'Effective rank (RankMe) of the representation', 'RankMe');
  const spectrum = (kind: 'representation' | 'embedding') =>
    sceneToSvg(spectraChart(spectrumRowsOf(rows, kind), { title: `Final spectrum of the ${kind} (held-out slices)` }), {
      chart: `spectrum-${kind}`,
    });
  const seeded = agg !== null;
  const spectraNote = `Singular values σ_k of the newest diagnostics (σ = √ of the covariance eigenvalues of the L2-normalised vectors), divided by their sum: the distribution whose entropy RankMe exponentiates. One line per row${seeded ? ': the mean over its seeds, the shaded band from the lowest to the highest seed' : ''}. A flat line is a full-rank spectrum; a line that falls by decades within a few indices is a collapse. Values below 1e-6 are not drawn: from n held-out slices at most n − 1 are non-zero.`;
  const dice = diceChartOf(rows);
  const diceSection = dice
    ? `<h2>Dice per class</h2>${sceneToSvg(dice.scene, { chart: 'dice-per-class' })}<p class="note">Linear evaluation, Dice per foreground class on the held-out cases. ${
        dice.hasSpread
          ? `Bars: mean over seeds (${dice.seeds.join(', ')} seeds per row, in row order); whiskers: ± 1 sample sd over seeds (not a confidence interval; the paired 95% interval of the mean Dice difference is in the table over seeds).`
          : 'Bars: one run per row, no whiskers (no seeds to spread over).'
      }${o.dicePng ? ` Also written as PNG: ${esc(o.dicePng)}.` : ''}</p>`
    : '';
  const overlays = rows
    .map((r, i) => {
      const ov = readOverlays(r.dir, 'linear');
      if (!ov) return `<p>${esc(r.name)}: no overlays.</p>`;
      const shown = pickShown(ov.index, o.overlaysPerRun ?? 3);
      const figs = shown
        .map((k) => {
          const s = ov.index.slices[k];
          const worst = s.worstFor.length ? ` · worst slice for ${s.worstFor.map((c) => esc(ov.index.classNames[c])).join(', ')}` : '';
          return `<figure><img alt="overlay ${esc(s.caseId)} z${s.z}" src="${overlayPngDataUrl(ov.index, ov.data, k)}"><figcaption>${esc(s.caseId)}, slice ${s.z}: mean foreground Dice ${fmt(s.meanForeground)}${worst}</figcaption></figure>`;
        })
        .join('');
      return `<h3><span class="sw" style="background:${color(i)}"></span>${esc(r.name)} — linear evaluation (image | truth | prediction)</h3><div class="ov">${figs}</div>`;
    })
    .join('');
  const names = rows.length ? (readOverlays(rows[0].dir, 'linear')?.index.classNames ?? []) : [];
  const legend = names
    .slice(1)
    .map((n, k) => {
      const c = classColor(k + 1);
      return `<span class="lg"><span class="sw" style="background:rgb(${c.join(',')})"></span>${esc(n)}</span>`;
    })
    .join(' ');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(o.title)}</title><style>
body{font-family:sans-serif;margin:24px;max-width:1150px;color:#222}h1{font-size:22px;margin-bottom:2px}h2{font-size:17px;margin-top:26px;border-bottom:1px solid #ddd}h3{font-size:14px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:4px 8px}th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.sw{display:inline-block;width:10px;height:10px;margin-right:5px;vertical-align:middle}.grid{display:flex;flex-wrap:wrap;gap:10px}.ov{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0}figcaption{font-size:11px;color:#555;max-width:400px}.lg{font-size:12px;margin-right:8px;white-space:nowrap}.note{color:#555;font-size:12px}</style></head><body>
<h1>${esc(o.title)}</h1>${o.subtitle ? `<div class="note">${esc(o.subtitle)}</div>` : ''}
<h2>Comparison</h2>${table}${(o.notes ?? []).map((n) => `<p class="note">${esc(n)}</p>`).join('')}${seedsTable}
<h2>Pretraining curves</h2><div class="grid">${curve('loss/total', 'Pretraining loss (total)', 'loss')}${curve('loss/global', 'Global InfoNCE', 'loss')}${rankCurve()}${curve('linear/loss', 'Linear evaluation loss (CE + soft Dice)', 'loss')}</div>
<p class="note">Reading the InfoNCE curve: it starts low because the queue begins as random unit vectors (easy negatives) and rises as the keys of real slices fill it; chance level is ln(queue size + 1). A short run stays near it.</p>
<h2>Final spectra (collapse diagnostics)</h2><div class="grid">${spectrum('representation')}${spectrum('embedding')}</div><p class="note">${esc(spectraNote)}</p>
${diceSection}
<h2>Overlays (held-out cases)</h2><div>${legend}</div>${overlays}
<p class="note">Run folders: ${rows.map((r) => esc(r.dir)).join(', ')}</p></body></html>
`;
}
