// `medssl report --html` over the run folders of a real tiny seeds run (two variants × two seeds, cpu,
// seconds): the HTML holds the final spectra of each row and the Dice-per-class chart, and the chart is
// also written as a PNG beside it that decodes to the chart's size and is not blank.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decode } from 'fast-png';
import { dicePngPath } from '../../../src/cli/commands/report';
import { runCommand } from '../../../src/cli/commands/run';
import { main } from '../../../src/cli/main';
import { tinyAblationYaml } from '../tinyRunYaml';

const YAML = tinyAblationYaml('charts', [0, 1]);

test('the PNG is named after the HTML, beside it', () => {
  assert.equal(dicePngPath('/a/b/report.html'), path.join('/a/b', 'report-dice-per-class.png'));
  assert.equal(dicePngPath('/a/x.HTM'), path.join('/a', 'x-dice-per-class.png'));
  assert.equal(dicePngPath('/a/noext'), path.join('/a', 'noext-dice-per-class.png'));
});

test('medssl report --html over a seeds run: spectra per row and Dice per class in the HTML, the chart as PNG beside it', async () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-report-charts-'));
  const f = path.join(d, 'c.medssl.yaml');
  fs.writeFileSync(f, YAML);
  const err: string[] = [];
  assert.equal(
    await runCommand(
      { config: f, runsDir: path.join(d, 'runs'), set: [], json: false },
      () => {},
      (s) => err.push(s),
    ),
    0,
    err.join('\n'),
  );
  const runs = fs.readdirSync(path.join(d, 'runs')).map((r) => path.join(d, 'runs', r));
  assert.equal(runs.length, 4);
  const html = path.join(d, 'out', 'study.html');
  fs.mkdirSync(path.dirname(html));
  const log: string[] = [];
  assert.equal(
    await main(
      ['report', ...runs, '--html', html],
      () => {},
      (s) => log.push(s),
    ),
    0,
    log.join('\n'),
  );
  const png = path.join(d, 'out', 'study-dice-per-class.png');
  assert.match(log.join('\n'), new RegExp(`Dice-per-class chart written to ${png.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const h = fs.readFileSync(html, 'utf8');
  // one spectrum line per row (variant) in each chart, over its two seeds, with the seeds' band
  for (const kind of ['representation', 'embedding']) {
    const chart = new RegExp(`<svg [^>]*data-chart="spectrum-${kind}">(.*?)</svg>`).exec(h)?.[1] ?? '';
    for (const v of ['charts-mocov2', 'charts-method']) {
      assert.equal((chart.match(new RegExp(`<polyline [^>]*data-row="${v}" data-seeds="2"`, 'g')) ?? []).length, 1, `${kind} ${v}`);
      assert.match(chart, new RegExp(`<polygon [^>]*data-row="${v}"`));
    }
  }
  const dice = /<svg [^>]*data-chart="dice-per-class">(.*?)<\/svg>/.exec(h)?.[1] ?? '';
  // the phantom's foreground classes × 2 rows, each bar with its mean and sd over the two seeds
  const bars = [...dice.matchAll(/<rect [^>]*data-row="([^"]+)" data-class="([^"]+)" data-mean="([\d.]+)" data-sd="([\d.]+|NaN)"/g)];
  const classes = new Set(bars.map((b) => b[2]));
  assert.ok(classes.size >= 2, [...classes].join());
  assert.equal(bars.length, 2 * classes.size);
  assert.ok(bars.every((b) => Number(b[3]) >= 0 && Number(b[3]) <= 1 && b[4] !== 'NaN'));
  assert.match(h, /whiskers: ± 1 sample sd over seeds/);
  assert.match(h, /Also written as PNG: study-dice-per-class\.png/);
  const img = decode(fs.readFileSync(png));
  const svgW = Number(/<svg [^>]*width="(\d+)" height="(\d+)"[^>]*data-chart="dice-per-class"/.exec(h)?.[1]);
  assert.equal(img.width, 2 * svgW);
  assert.equal(img.channels, 3);
  const colours = new Set<number>();
  for (let i = 0; i < img.data.length; i += 3) colours.add((img.data[i] << 16) | (img.data[i + 1] << 8) | img.data[i + 2]);
  assert.ok(colours.has(0x1f77b4) && colours.has(0xd62728), 'both rows drawn in their colours');
  assert.ok(colours.size > 20, `${colours.size} colours`);
});
