// The architecture's layers are enforced by ESLint (eslint.config.mjs, `no-restricted-imports` per layer).
// This plants one violation of each rule as a real file in the layer's folder, lints it with the project's
// own config through ESLint's Node API, and checks that it is reported by the right rule with the layer's
// message; files that follow the rules must lint clean. The files are removed again whatever happens.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '../../../..');
const IMPORTS = '@typescript-eslint/no-restricted-imports';
const SYNTAX = 'no-restricted-syntax';

const planted: string[] = [];
after(() => {
  for (const f of planted) fs.rmSync(f, { force: true });
});

let eslint: ESLint | undefined;
/** Writes `source` as a temporary file in `folder` (relative to the repository) and lints it with the project config. */
async function lintPlanted(folder: string, source: string): Promise<{ ruleId: string | null; message: string }[]> {
  eslint ??= new ESLint({ cwd: ROOT });
  const file = path.join(ROOT, folder, `zz-lint-probe-${process.pid}-${planted.length}.ts`);
  planted.push(file);
  fs.writeFileSync(file, source);
  try {
    const [result] = await eslint.lintFiles([file]);
    assert.ok(result, `ESLint returned no result for ${file}`);
    return result.messages.map((m) => ({ ruleId: m.ruleId, message: m.message }));
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** Exactly one problem, from `rule`, whose message matches `message`. */
function assertReported(messages: { ruleId: string | null; message: string }[], rule: string, message: RegExp): void {
  assert.equal(messages.length, 1, `expected one problem, got ${JSON.stringify(messages)}`);
  assert.equal(messages[0].ruleId, rule, JSON.stringify(messages));
  assert.match(messages[0].message, message);
}

test('the planted files are linted by the project config (not ignored) and removed afterwards', async () => {
  const messages = await lintPlanted('src/core', 'export const x = 1;\n');
  assert.deepEqual(messages, []);
  assert.ok(planted.every((f) => !fs.existsSync(f)));
});

test('src/core importing vscode is reported', async () => {
  const m = await lintPlanted('src/core', "import * as vscode from 'vscode';\nexport const api = vscode;\n");
  assertReported(m, IMPORTS, /src\/core runs in plain Node .* never imports vscode/);
});

test('src/core importing src/extension or src/cli is reported', async () => {
  assertReported(
    await lintPlanted('src/core/runs', "import { activate } from '../../extension/extension';\nexport const a = activate;\n"),
    IMPORTS,
    /src\/core never imports src\/extension/,
  );
  assertReported(await lintPlanted('src/core', "export { main } from '../cli/main';\n"), IMPORTS, /src\/core never imports src\/cli/);
});

test('src/core loading vscode with a dynamic import() is reported', async () => {
  assertReported(await lintPlanted('src/core', "export const api = import('vscode');\n"), SYNTAX, /src\/core never loads vscode/);
});

test('webview importing src/core is reported', async () => {
  const m = await lintPlanted('webview/curves', "import { readRun } from '../../src/core/runs';\nexport const r = readRun;\n");
  assertReported(m, IMPORTS, /webview\/ imports only src\/protocol \(types\)/);
});

test('webview importing src/protocol as a value (not `import type`) is reported; a type import is clean', async () => {
  const value = await lintPlanted(
    'webview/curves',
    "import { HostToWebview } from '../../src/protocol/messages';\nexport const m: HostToWebview | undefined = undefined;\n",
  );
  assertReported(value, IMPORTS, /`import type` only/);
  const typeOnly = await lintPlanted(
    'webview/curves',
    "import type { HostToWebview } from '../../src/protocol/messages';\nexport const m: HostToWebview | undefined = undefined;\n",
  );
  assert.deepEqual(typeOnly, []);
});

test('webview importing vscode or a Node built-in is reported', async () => {
  assertReported(
    await lintPlanted('webview/shared', "export { window } from 'vscode';\n"),
    IMPORTS,
    /runs in a browser: use acquireVsCodeApi/,
  );
  assertReported(await lintPlanted('webview/shared', "export { readFileSync } from 'node:fs';\n"), IMPORTS, /no Node built-in modules/);
});

test('src/extension importing @tensorflow/tfjs is reported', async () => {
  const m = await lintPlanted('src/extension', "import * as tf from '@tensorflow/tfjs';\nexport const t = tf;\n");
  assertReported(m, IMPORTS, /src\/extension never imports TensorFlow/);
});

test("src/extension importing src/core's TensorFlow modules, or loading TensorFlow with require(), is reported", async () => {
  assertReported(
    await lintPlanted('src/extension/jobs', "export { pretrain } from '../../core/train/pretrain';\n"),
    IMPORTS,
    /never imports src\/core's TensorFlow modules/,
  );
  assertReported(
    await lintPlanted('src/extension', "export { selectBackend } from '../core/backend/select';\n"),
    IMPORTS,
    /TensorFlow modules/,
  );
  assertReported(
    await lintPlanted('src/extension', "export { linearEvaluation } from '../core/eval/linear';\n"),
    IMPORTS,
    /TensorFlow modules/,
  );
  assertReported(
    await lintPlanted('src/extension', "export const tf: unknown = require('@tensorflow/tfjs-node');\n"),
    SYNTAX,
    /never loads TensorFlow/,
  );
});

test('src/protocol importing src/extension, or a value from src/core, is reported', async () => {
  assertReported(
    await lintPlanted('src/protocol', "export { activate } from '../extension/extension';\n"),
    IMPORTS,
    /src\/protocol never imports src\/extension/,
  );
  assertReported(
    await lintPlanted('src/protocol', "import { readRun } from '../core/runs';\nexport const r = readRun;\n"),
    IMPORTS,
    /imports only types from src\/core/,
  );
});

test('files that follow the layers lint clean', async () => {
  // The engine using its own modules and Node; the extension using the run folders, the overlay format and the
  // environment report's types.
  assert.deepEqual(
    await lintPlanted('src/core', "import * as fs from 'node:fs';\nimport { readRun } from './runs';\nexport const x = [fs, readRun];\n"),
    [],
  );
  assert.deepEqual(
    await lintPlanted(
      'src/extension',
      "import * as vscode from 'vscode';\nimport { listRuns } from '../core/runs';\nimport { OVERLAY_FORMAT } from '../core/eval/overlays';\nimport type { EnvReport } from '../core/backend/types';\nexport const x = [vscode, listRuns, OVERLAY_FORMAT, undefined as EnvReport | undefined];\n",
    ),
    [],
  );
  // The CLI may use TensorFlow; a panel may use its own files and npm packages.
  assert.deepEqual(await lintPlanted('src/cli', "import * as tf from '@tensorflow/tfjs';\nexport const t = tf;\n"), []);
  assert.deepEqual(
    await lintPlanted('webview/curves', "import uPlot from 'uplot';\nimport { h } from '../shared/dom';\nexport const x = [uPlot, h];\n"),
    [],
  );
});
