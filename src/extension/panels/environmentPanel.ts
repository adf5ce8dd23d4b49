/**
 * Host side of the Environment panel (webview/environment): creates the WebviewPanel under a strict CSP,
 * posts the EnvReport, answers Re-check, and restores itself after a reload (panel serializer).
 *
 * Wiring, from activate():
 *   registerEnvironmentPanel(context, () => checkEnvironment(context, output));
 * and after a check that should show the panel:
 *   EnvironmentPanel.show(context, check, report);
 */
import * as vscode from 'vscode';
import { isWebviewToHost } from '../../protocol/webviews/common';
import type { EnvironmentHostMessage, EnvReport } from '../../protocol/webviews/environment';
import { makeNonce, webviewHtml } from './webviewHtml';

export const ENVIRONMENT_VIEW_TYPE = 'medssl.environment';

/** Runs `medssl env --json` in the worker; rejects with a message a person can act on. */
export type EnvCheck = () => Promise<EnvReport>;

export class EnvironmentPanel implements vscode.Disposable {
  private static current: EnvironmentPanel | undefined;

  private report: EnvReport | undefined;
  private checking: Promise<void> | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  /** Opens the panel (or brings it forward). With a report it shows that one, else it runs a check. */
  static show(context: vscode.ExtensionContext, check: EnvCheck, report?: EnvReport): EnvironmentPanel {
    let p = EnvironmentPanel.current;
    if (p) {
      p.panel.reveal(undefined, true);
    } else {
      const panel = vscode.window.createWebviewPanel(
        ENVIRONMENT_VIEW_TYPE,
        'MedSSL: Environment',
        { viewColumn: vscode.ViewColumn.Active, preserveFocus: true },
        panelOptions(context),
      );
      p = new EnvironmentPanel(context, panel, check);
    }
    if (report) p.update(report);
    else if (!p.report) void p.recheck();
    return p;
  }

  /** The panel that is open now, if any (tests, and callers that only want to refresh an open panel). */
  static get currentPanel(): EnvironmentPanel | undefined {
    return EnvironmentPanel.current;
  }

  private constructor(
    private readonly context: vscode.ExtensionContext,
    readonly panel: vscode.WebviewPanel,
    private readonly check: EnvCheck,
  ) {
    EnvironmentPanel.current = this;
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.svg');
    panel.webview.options = panelOptions(context);
    panel.webview.html = this.html();
    panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
    panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m), undefined, this.disposables);
  }

  /** Re-creates the panel VS Code kept across a reload; the webview restores its last report from getState. */
  static revive(context: vscode.ExtensionContext, panel: vscode.WebviewPanel, check: EnvCheck): EnvironmentPanel {
    EnvironmentPanel.current?.dispose();
    return new EnvironmentPanel(context, panel, check);
  }

  update(report: EnvReport): void {
    this.report = report;
    void this.post({ type: 'env', report });
  }

  /** Runs the check again; the panel shows "Checking…" meanwhile and the error if it fails. */
  recheck(): Promise<void> {
    if (this.checking) return this.checking;
    void this.post({ type: 'busy', what: 'Checking the environment…' });
    this.checking = this.check()
      .then(
        (report) => this.update(report),
        (e: unknown) =>
          void this.post({ type: 'envError', message: `Check Environment failed: ${e instanceof Error ? e.message : String(e)}` }),
      )
      .finally(() => (this.checking = undefined));
    return this.checking;
  }

  private onMessage(m: unknown): void {
    if (!isWebviewToHost(m)) return;
    switch (m.type) {
      case 'ready':
        // The page (re)loaded: give it the newest report, or find one.
        if (this.report) void this.post({ type: 'env', report: this.report });
        else void this.recheck();
        break;
      case 'recheck':
        void this.recheck();
        break;
    }
  }

  private post(message: EnvironmentHostMessage): Thenable<boolean> {
    // A check can finish after the panel was closed.
    if (this.disposed) return Promise.resolve(false);
    return this.panel.webview.postMessage(message);
  }

  private html(): string {
    const webview = this.panel.webview;
    const asset = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, ...p)).toString();
    return webviewHtml({
      title: 'MedSSL: Environment',
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: asset('dist', 'webview', 'environment.js'),
      styleUris: [asset('media', 'environment.css')],
      placeholder: 'Checking the environment…',
    });
  }

  private disposed = false;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (EnvironmentPanel.current === this) EnvironmentPanel.current = undefined;
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}

function panelOptions(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    // State survives hiding through getState/setState, not by keeping a hidden webview alive.
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(context.extensionUri, 'media')],
  };
}

/**
 * Registers the panel serializer (restores an open Environment panel after a window reload; needs the
 * activation event `onWebviewPanel:medssl.environment`) and the command `medssl.openEnvironmentPanel`.
 */
export function registerEnvironmentPanel(context: vscode.ExtensionContext, check: EnvCheck): void {
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(ENVIRONMENT_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
        EnvironmentPanel.revive(context, panel, check);
      },
    }),
    vscode.commands.registerCommand('medssl.openEnvironmentPanel', () => {
      EnvironmentPanel.show(context, check);
    }),
    { dispose: () => EnvironmentPanel.currentPanel?.dispose() },
  );
}
