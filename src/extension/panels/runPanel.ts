/**
 * What every run panel (collapse, curves, overlays) shares on the host side: the WebviewPanel under the
 * strict CSP (webviewHtml.ts: default-src 'none', the script by nonce, localResourceRoots = the bundles
 * and media only), no hidden webview kept alive (the app restores from getState and asks again with
 * 'ready'), and revival after a window reload from the run folders the app keeps in its state.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { CollapseHostMessage } from '../../protocol/webviews/collapse';
import { isWebviewToHost, type WebviewToHost } from '../../protocol/webviews/common';
import type { CurvesHostMessage } from '../../protocol/webviews/curves';
import type { OverlaysHostMessage } from '../../protocol/webviews/overlays';

/** What the host sends to a run panel (each kind sends its own panel's messages). */
export type RunPanelHostMessage = CollapseHostMessage | CurvesHostMessage | OverlaysHostMessage;
import { makeNonce, webviewHtml } from './webviewHtml';

export interface RunPanelKind<M extends RunPanelHostMessage = RunPanelHostMessage> {
  viewType: string;
  /** dist/webview/<bundle>.js and media/<bundle>.css */
  bundle: string;
  title: (dirs: string[]) => string;
  /** Everything the app needs after (re)loading. */
  load: (dirs: string[]) => M[];
  /** Starts following the run folders (a job still writing); returns what stops it. */
  follow?: (dirs: string[], post: (m: M) => void) => vscode.Disposable;
}

export function panelOptions(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(context.extensionUri, 'media')],
  };
}

export function panelHtml(context: vscode.ExtensionContext, webview: vscode.Webview, bundle: string, title: string): string {
  const asset = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, ...p)).toString();
  return webviewHtml({
    title,
    cspSource: webview.cspSource,
    nonce: makeNonce(),
    scriptUri: asset('dist', 'webview', `${bundle}.js`),
    styleUris: [asset('media', `${bundle}.css`)],
    placeholder: 'Loading the run…',
  });
}

export class RunPanel implements vscode.Disposable {
  private static readonly open = new Map<string, RunPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  static show(context: vscode.ExtensionContext, kind: RunPanelKind, dirs: string[]): RunPanel {
    const key = `${kind.viewType}:${dirs.join('|')}`;
    const existing = RunPanel.open.get(key);
    if (existing) {
      existing.panel.reveal(undefined, true);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      kind.viewType,
      kind.title(dirs),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      panelOptions(context),
    );
    return new RunPanel(context, kind, panel, dirs, key);
  }

  static revive(context: vscode.ExtensionContext, kind: RunPanelKind, panel: vscode.WebviewPanel, dirs: string[]): RunPanel {
    return new RunPanel(context, kind, panel, dirs, `${kind.viewType}:${dirs.join('|')}`);
  }

  private constructor(
    context: vscode.ExtensionContext,
    private readonly kind: RunPanelKind,
    readonly panel: vscode.WebviewPanel,
    private readonly dirs: string[],
    private readonly key: string,
  ) {
    RunPanel.open.set(key, this);
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.svg');
    panel.webview.options = panelOptions(context);
    panel.webview.html = panelHtml(context, panel.webview, kind.bundle, kind.title(dirs));
    panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
    panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m), undefined, this.disposables);
    if (kind.follow && dirs.length) this.disposables.push(kind.follow(dirs, (m) => void this.post(m)));
  }

  private onMessage(m: unknown): void {
    if (!isWebviewToHost(m)) return;
    const msg: WebviewToHost = m;
    if (msg.type === 'ready') this.sendAll();
    else if (msg.type === 'saveFile') void this.saveFile(msg.suggestedName, msg.text, msg.bytes);
  }

  /** Export from the panel (CSV, PNG): the person picks where; the default is beside the run. */
  private async saveFile(name: string, text?: string, bytes?: ArrayBuffer): Promise<void> {
    const base = this.dirs[0] ? vscode.Uri.file(this.dirs[0]) : undefined;
    const target = await vscode.window.showSaveDialog({
      defaultUri: base ? vscode.Uri.joinPath(base, name) : undefined,
      saveLabel: 'Export',
    });
    if (!target) return;
    const data = bytes ? new Uint8Array(bytes) : new TextEncoder().encode(text ?? '');
    try {
      await vscode.workspace.fs.writeFile(target, data);
      void vscode.window.showInformationMessage(`Saved ${target.fsPath}`);
    } catch (e) {
      void vscode.window.showErrorMessage(`Could not save ${target.fsPath}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private sendAll(): void {
    if (!this.dirs.length) {
      void this.post({
        type: 'runError',
        message: 'No run folder to show: open the panel from a run in the MedSSL view, or with a run folder.',
      });
      return;
    }
    try {
      for (const m of this.kind.load(this.dirs)) void this.post(m);
    } catch (e) {
      void this.post({ type: 'runError', message: `Could not read the run folder: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  post(message: RunPanelHostMessage): Thenable<boolean> {
    if (this.disposed) return Promise.resolve(false);
    return this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (RunPanel.open.get(this.key) === this) RunPanel.open.delete(this.key);
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }

  static disposeAll(): void {
    for (const p of [...RunPanel.open.values()]) p.dispose();
  }
}

/** Restores a run panel after a window reload from the run folders its app kept in `state.dirs`. */
export function registerRunPanelSerializer(context: vscode.ExtensionContext, kind: RunPanelKind): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(kind.viewType, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
      const dirs = (state as { dirs?: unknown } | undefined)?.dirs;
      RunPanel.revive(context, kind, panel, Array.isArray(dirs) ? dirs.filter((d): d is string => typeof d === 'string') : []);
    },
  });
}

/** Polls a folder for new files (fs.watch misses events over network file systems, where cluster runs live). */
export function pollFolder(dir: string, everyMs: number, onNew: (name: string) => void): vscode.Disposable {
  const seen = new Set<string>();
  try {
    for (const f of fs.readdirSync(dir)) seen.add(f);
  } catch {
    /* not there yet */
  }
  const timer = setInterval(() => {
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const f of names) {
      if (seen.has(f) || f.startsWith('.tmp-')) continue;
      seen.add(f);
      onNew(f);
    }
  }, everyMs);
  return { dispose: () => clearInterval(timer) };
}
