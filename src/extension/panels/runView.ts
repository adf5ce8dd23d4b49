/**
 * The side view (`medssl.runView` in the MedSSL container): follows one run with its status, the progress
 * of its current stage (pretraining, then evaluation) and small curves. Which run: FollowPolicy (the Runs
 * view's selection wins; with none, or when the selected run has finished, the running run). The Runs
 * view calls selectRun(dir), the job manager runningRuns(dirs).
 */
import * as vscode from 'vscode';
import { readEvents, readRun } from '../../core/runs';
import { isWebviewToHost } from '../../protocol/webviews/common';
import type { RunViewHostMessage } from '../../protocol/webviews/runView';
import { curvesAppendOf, tailRunEvents } from './curvesPanel';
import { FollowPolicy } from './followPolicy';
import { curvesRuns } from './runData';
import { panelHtml, panelOptions } from './runPanel';
import { StageProgressTracker } from './stageProgress';

export const RUN_VIEW_ID = 'medssl.runView';

export class RunViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private dir: string | undefined;
  private tail: vscode.Disposable | undefined;
  readonly policy = new FollowPolicy();

  constructor(private readonly context: vscode.ExtensionContext) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const o = panelOptions(this.context);
    view.webview.options = { enableScripts: o.enableScripts, enableCommandUris: false, localResourceRoots: o.localResourceRoots };
    view.webview.html = panelHtml(this.context, view.webview, 'runview', 'MedSSL run');
    view.webview.onDidReceiveMessage((m: unknown) => {
      if (isWebviewToHost(m) && m.type === 'ready') this.send();
    });
    view.onDidDispose(() => {
      this.view = undefined;
      this.tail?.dispose();
      this.tail = undefined;
    });
  }

  /** The run folder followed now. */
  get followed(): string | undefined {
    return this.dir;
  }

  /** Follows another run (undefined: none). */
  followRun(dir: string | undefined): void {
    if (dir === this.dir) return;
    this.dir = dir;
    this.send();
  }

  private send(): void {
    this.tail?.dispose();
    this.tail = undefined;
    if (!this.view) return;
    const dir = this.dir;
    if (!dir) return void this.post({ type: 'runView', run: null });
    try {
      const tracker = new StageProgressTracker(readRun(dir).stage);
      const chunk = readEvents(dir, 0);
      tracker.add(chunk.events);
      // The scalars are read after: a point both in them and in the tail is applied once (the app keys points by step).
      const { runs } = curvesRuns([dir]);
      this.post({ type: 'runView', run: runs[0], progress: tracker.current() });
      this.tail = tailRunEvents(dir, chunk.nextByte, (runId, events) => {
        const m = curvesAppendOf(runId, events);
        if (m) this.post(m);
        if (tracker.add(events)) this.post({ type: 'runProgress', runId, progress: tracker.current()! });
      });
    } catch (e) {
      this.post({ type: 'runError', message: `Could not read ${dir}: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  private post(m: RunViewHostMessage): void {
    void this.view?.webview.postMessage(m);
  }

  dispose(): void {
    this.tail?.dispose();
  }
}

let provider: RunViewProvider | undefined;

export function registerRunView(context: vscode.ExtensionContext): vscode.Disposable {
  provider = new RunViewProvider(context);
  return vscode.Disposable.from(vscode.window.registerWebviewViewProvider(RUN_VIEW_ID, provider), provider);
}

/** The Runs view's selection changed (undefined: no run selected). */
export function selectRun(dir: string | undefined): void {
  if (provider) provider.followRun(provider.policy.select(dir));
}

/** The runs the jobs are running now (each job's current run folder), oldest first. */
export function runningRuns(dirs: readonly string[]): void {
  if (provider) provider.followRun(provider.policy.setRunning(dirs));
}

/** The run folder the side view follows (for the integration test). */
export function followedRun(): string | undefined {
  return provider?.followed;
}
