/**
 * Entry point that VS Code calls inside the extension host (extensionTestsPath = out/test/integration/index):
 * runs every `*.test.js` beside this file with mocha and resolves when all pass.
 * Used by scripts/test-integration.mjs (code-server + Chromium) and by runElectron.ts (@vscode/test-electron).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';
import Mocha from 'mocha';

export interface MochaCounts {
  passes: number;
  failures: number;
  pending: number;
  tests: number;
  duration: number;
  failed: { title: string; error: string }[];
}

/**
 * The extension host's console reaches the driver only mixed with the workbench's own log: when the driver
 * names a file in MEDSSL_TEST_LOG, the reporter writes there too, and the driver streams it to the terminal.
 */
function teeReporterOutput(file: string): void {
  fs.writeFileSync(file, '');
  const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void };
  const original = base.consoleLog;
  base.consoleLog = (...args: unknown[]) => {
    try {
      fs.appendFileSync(file, util.format(...args) + '\n');
    } catch {
      /* the console still has it */
    }
    original(...args);
  };
}

export function run(): Promise<void> {
  if (process.env.MEDSSL_TEST_LOG) teeReporterOutput(process.env.MEDSSL_TEST_LOG);
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  if (process.env.MEDSSL_TEST_GREP) mocha.grep(process.env.MEDSSL_TEST_GREP);
  for (const f of fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort())
    mocha.addFile(path.join(__dirname, f));

  return new Promise((resolve, reject) => {
    const failed: MochaCounts['failed'] = [];
    const started = Date.now();
    const runner = mocha.run((failures) => {
      const s = runner.stats;
      const counts: MochaCounts = {
        passes: s?.passes ?? 0,
        failures: s?.failures ?? failures,
        pending: s?.pending ?? 0,
        tests: s?.tests ?? 0,
        duration: s?.duration ?? Date.now() - started,
        failed,
      };
      const out = process.env.MEDSSL_TEST_RESULTS;
      if (out) {
        try {
          fs.writeFileSync(out, JSON.stringify(counts, null, 2));
        } catch (e) {
          console.error(`could not write ${out}: ${String(e)}`);
        }
      }
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else resolve();
    });
    runner.on('fail', (test, err: Error) => failed.push({ title: test.fullTitle(), error: String(err?.stack ?? err) }));
  });
}
