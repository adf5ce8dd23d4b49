/**
 * What Compare Runs offers when nothing (or one run) is selected: first each variant that has several
 * seeds (`seeds:` in a config; one entry brings all its seeds, which the panels then draw as mean ± sd),
 * then every run. No `vscode` import: compareRuns.ts turns these into quick pick items.
 */
import { groupByConfig, keyMetric, seedOfRun, type RunSummary } from './runsModel';

export interface CompareChoice {
  kind: 'variant' | 'run';
  label: string;
  description: string;
  /** The run folders the choice brings. */
  dirs: string[];
  picked: boolean;
}

export function compareChoices(runs: readonly RunSummary[], preselected: readonly string[]): CompareChoice[] {
  const listed = runs.filter((r) => r.run);
  const variants: CompareChoice[] = [];
  for (const [name, members] of groupByConfig(listed)) {
    const seeds = members.map(seedOfRun);
    if (members.length < 2 || seeds.some((s) => s === undefined)) continue;
    const sorted = [...new Set(seeds as number[])].sort((a, b) => a - b);
    const stages = [...new Set(members.map((m) => m.run!.stage))].filter((s) => s !== 'pretrain');
    variants.push({
      kind: 'variant',
      label: name,
      description: [`${members.length} runs, seeds ${sorted.join(', ')}`, ...stages].join(' · '),
      dirs: members.map((m) => m.dir),
      picked: members.every((m) => preselected.includes(m.dir)),
    });
  }
  const each: CompareChoice[] = listed.map((r) => ({
    kind: 'run',
    label: r.id,
    description: [r.run?.stage !== 'pretrain' ? r.run?.stage : undefined, r.shownStatus, keyMetric(r)].filter(Boolean).join(' · '),
    dirs: [r.dir],
    picked: preselected.includes(r.dir),
  }));
  return [...variants, ...each];
}

/** The run folders of the chosen entries, each once, in the order chosen. */
export function chosenDirs(choices: readonly Pick<CompareChoice, 'dirs'>[]): string[] {
  return [...new Set(choices.flatMap((c) => c.dirs))];
}
