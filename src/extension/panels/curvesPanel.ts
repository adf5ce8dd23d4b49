/** Host side of the Curves panel (webview/curves): the scalars of events.jsonl, tailed live. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readEvents, readRun, type RunEvent } from '../../core/runs';
import type { CurvesAppendMessage, CurvesHostMessage } from '../../protocol/webviews/curves';
import { curvesRuns, scalarPoints } from './runData';
import { RunPanel, type RunPanelKind } from './runPanel';

export const CURVES_VIEW_TYPE = 'medssl.curves';
/** How often events.jsonl is polled: new points reach the panel well within 250 ms. */
export const TAIL_MS = 150;

/**
 * Tails events.jsonl from `fromByte` (a truncated last line waits for its newline): every new chunk of
 * events goes to `onEvents` with the run id.
 */
export function tailRunEvents(
  dir: string,
  fromByte: number,
  onEvents: (runId: string, events: RunEvent[]) => void,
  everyMs = TAIL_MS,
): vscode.Disposable {
  let next = fromByte;
  let runId: string | undefined;
  const timer = setInterval(() => {
    try {
      runId ??= readRun(dir).id;
      const chunk = readEvents(dir, next);
      next = chunk.nextByte;
      if (chunk.events.length) onEvents(runId, chunk.events);
    } catch {
      /* the folder is being written or went away: try again next tick */
    }
  }, everyMs);
  return { dispose: () => clearInterval(timer) };
}

/** The curves message of a chunk of events (new scalars, a status change), or undefined when neither. */
export function curvesAppendOf(runId: string, events: RunEvent[]): CurvesAppendMessage | undefined {
  const points = scalarPoints(events);
  let status: string | undefined;
  for (const e of events) if (e.type === 'status') status = e.status;
  return points.length || status ? { type: 'curvesAppend', runId, points, status } : undefined;
}

/** Tails events.jsonl from `fromByte` as curvesAppend messages. */
export function tailEvents(dir: string, fromByte: number, post: (m: CurvesAppendMessage) => void, everyMs = TAIL_MS): vscode.Disposable {
  return tailRunEvents(
    dir,
    fromByte,
    (runId, events) => {
      const m = curvesAppendOf(runId, events);
      if (m) post(m);
    },
    everyMs,
  );
}

export const curvesKind: RunPanelKind<CurvesHostMessage> = {
  viewType: CURVES_VIEW_TYPE,
  bundle: 'curves',
  title: (dirs) => `MedSSL Curves: ${dirs.map((d) => path.basename(d)).join(', ')}`,
  load: (dirs) => [{ type: 'curves', runs: curvesRuns(dirs).runs }],
  // Tails from the end as it is when the panel opens; the app's 'ready' load reads everything up to then.
  // A point read by both is applied twice, which changes nothing (the app keys points by step).
  follow: (dirs, post) => vscode.Disposable.from(...dirs.map((d) => tailEvents(d, readEvents(d, 0).nextByte, post))),
};

/** Opens the Curves panel on one run, or several overlaid. */
export function openCurvesPanel(context: vscode.ExtensionContext, runDirs: string | string[]): RunPanel {
  return RunPanel.show(context, curvesKind, Array.isArray(runDirs) ? runDirs : [runDirs]);
}
