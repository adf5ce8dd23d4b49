/**
 * Our own diagnostics for *.medssl.yaml / *.medssl.json (independent of the YAML/JSON schema extensions):
 * the engine's validateConfigText on open and on every edit, with exact ranges; hover docs for keys; a
 * quick fix for "did you mean". Works in untrusted workspaces (it only reads text).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeAt, validateConfigText, type ConfigProblem, type ValidationResult } from '../../core/config';
import { CONFIG_FILE_PATTERN } from '../jobs/jobArgs';

export const DIAGNOSTIC_SOURCE = 'medssl';

export function isConfigDocument(doc: vscode.TextDocument): boolean {
  return CONFIG_FILE_PATTERN.test(doc.uri.path);
}

const SELECTOR: vscode.DocumentSelector = [
  { pattern: '**/*.medssl.yaml' },
  { pattern: '**/*.medssl.yml' },
  { pattern: '**/*.medssl.json' },
];

export class ConfigAuthoring implements vscode.Disposable {
  readonly diagnostics = vscode.languages.createDiagnosticCollection('medssl');
  private readonly problems = new Map<string, ConfigProblem[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [this.diagnostics];

  constructor() {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.validate(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidSaveTextDocument((d) => this.validate(d)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        // Closed files keep no stale problems (the Validate command re-adds them).
        this.diagnostics.delete(d.uri);
        this.problems.delete(d.uri.toString());
      }),
      vscode.languages.registerHoverProvider(SELECTOR, { provideHover: (d, p) => this.hover(d, p) }),
      vscode.languages.registerCodeActionsProvider(
        SELECTOR,
        { provideCodeActions: (d, r, c) => this.codeActions(d, r, c) },
        { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
      ),
    );
    for (const d of vscode.workspace.textDocuments) this.validate(d);
  }

  private schedule(doc: vscode.TextDocument): void {
    if (!isConfigDocument(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => this.validate(doc), 150),
    );
  }

  /** Validates a document and publishes its problems; undefined when it is not a MedSSL config. */
  validate(doc: vscode.TextDocument): ValidationResult | undefined {
    if (!isConfigDocument(doc)) return undefined;
    const file = doc.uri.scheme === 'file' ? doc.uri.fsPath : undefined;
    const result = validateConfigText(doc.getText(), {
      file: file ?? doc.uri.path,
      format: /\.json$/i.test(doc.uri.path) ? 'json' : 'yaml',
      baseDir: file ? path.dirname(file) : undefined,
      checkFiles: doc.uri.scheme === 'file',
    });
    const problems = result.problems.filter((p) => !p.override);
    this.problems.set(doc.uri.toString(), problems);
    this.diagnostics.set(
      doc.uri,
      problems.map((p) => toDiagnostic(doc, p)),
    );
    return result;
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const d = describeAt(doc.getText(), doc.offsetAt(pos));
    if (!d) return undefined;
    const md = new vscode.MarkdownString(d.markdown);
    const range = d.range ? new vscode.Range(doc.positionAt(d.range.start), doc.positionAt(d.range.end)) : undefined;
    return new vscode.Hover(md, range);
  }

  private codeActions(
    doc: vscode.TextDocument,
    range: vscode.Range | vscode.Selection,
    ctx: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const out: vscode.CodeAction[] = [];
    const problems = this.problems.get(doc.uri.toString()) ?? [];
    for (const diag of ctx.diagnostics) {
      if (diag.source !== DIAGNOSTIC_SOURCE) continue;
      const p = problems.find((q) => q.suggestion && q.message === diag.message && doc.offsetAt(diag.range.start) === q.range.start);
      if (!p?.suggestion) continue;
      const a = new vscode.CodeAction(p.suggestion.title, vscode.CodeActionKind.QuickFix);
      a.edit = new vscode.WorkspaceEdit();
      a.edit.replace(
        doc.uri,
        new vscode.Range(doc.positionAt(p.suggestion.range.start), doc.positionAt(p.suggestion.range.end)),
        p.suggestion.newText,
      );
      a.diagnostics = [diag];
      a.isPreferred = true;
      out.push(a);
    }
    void range;
    return out;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}

export function toDiagnostic(doc: vscode.TextDocument, p: ConfigProblem): vscode.Diagnostic {
  let range = new vscode.Range(doc.positionAt(p.range.start), doc.positionAt(p.range.end));
  if (range.isEmpty) range = doc.getWordRangeAtPosition(range.start) ?? new vscode.Range(range.start, range.start.translate(0, 1));
  const d = new vscode.Diagnostic(
    range,
    p.message,
    p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
  );
  d.source = DIAGNOSTIC_SOURCE;
  d.code = p.code;
  return d;
}
