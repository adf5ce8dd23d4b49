/**
 * The side view (`medssl.runView` in the MedSSL container): follows one run, the selected or running one,
 * with its status, progress and small curves. Whoever knows which run matters (the Runs tree's
 * selection, the job manager starting a job) calls followRun(dir).
 */
import * as vscode from 'vscode';
import { readEvents } from '../../core/runs';
import type { HostToWebview, RunProgress } from '../../protocol/messages';
import { isWebviewToHost } from '../../protocol/messages';
import { tailEvents } from './curvesPanel';
import { curvesRuns } from './runData';
import { panelHtml, panelOptions } from './runPanel';

export const RUN_VIEW_ID = 'medssl.runView';

export function lastProgress(dir: string): RunProgress | undefined {
  let p: RunProgress | undefined;
  for (const e of readEvents(dir, 0).events) if (e.type === 'progress') p = { step: e.step, totalSteps: e.totalSteps, imagesPerSec: e.imagesPerSec, etaSec: e.etaSec };
  return p;
}

export class RunViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private dir: string | undefined;
  private tail: vscode.Disposable | undefined;

  constructor(private readonly context: vscode.ExtensionContext) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const o = panelOptions(this.context);
    view.webview.options = { enableScripts: o.enableScripts, enableCommandUris: false, localResourceRoots: o.localResourceRoots };
    view.webview.html = panelHtml(this.context, view.webview, 'runview', 'MedSSL run');
    view.webview.onDidReceiveMessage((m: unknown) => {
      if (isWebviewToHost(m) && m.type === 'ready') this.send();
    });
    view.onDidDispose(() => (this.view = undefined));
  }

  /** Follows another run (undefined: none). */
  followRun(dir: string | undefined): void {
    if (dir === this.dir) return;
    this.dir = dir;
    this.tail?.dispose();
    this.tail = undefined;
    this.send();
  }

  private send(): void {
    if (!this.view) return;
    const dir = this.dir;
    if (!dir) return void this.post({ type: 'runView', run: null });
    try {
      const { runs } = curvesRuns([dir]);
      this.post({ type: 'runView', run: runs[0], progress: lastProgress(dir) });
      this.tail?.dispose();
      const runId = runs[0].runId;
      this.tail = tailEvents(dir, readEvents(dir, 0).nextByte, (m) => {
        this.post(m);
        if (m.type === 'curvesAppend') {
          const p = lastProgress(dir);
          if (p) this.post({ type: 'runProgress', runId, progress: p });
        }
      });
    } catch (e) {
      this.post({ type: 'runError', message: `Could not read ${dir}: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  private post(m: HostToWebview): void {
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

/** Makes the side view follow a run folder (the selected or the running run). */
export function followRun(dir: string | undefined): void {
  provider?.followRun(dir);
}
