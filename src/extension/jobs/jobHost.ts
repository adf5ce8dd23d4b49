/**
 * The extension's side of every job: spawns the worker (`dist/cli.js`) with the resolved runtime, detached
 * and writing to a log file so that a window reload does not end it; one output channel per job; the
 * queue (JobManager); waiting for a job's end; re-attaching to runs whose process is alive. Nothing
 * computes here: the worker does.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunSummary } from '../runs/runsModel';
import { settings } from '../settings';
import type { WorkerRuntime } from '../worker/workerRuntime';
import { JobManager, type Job } from './jobManager';
import { startPhase } from './jobPhase';
import { showJobProgress } from './jobProgress';

/** What a command asks to run: the worker's arguments, where, and the runs folder it writes into. */
export interface JobRequest {
  label: string;
  args: string[];
  cwd: string;
  runsDir: string;
}

/** A command that starts a job answers this (integration tests read it too). */
export interface TrainResult {
  /** Set when the job was not started (untrusted workspace, invalid config, no file). */
  refused?: string;
  job?: Job;
  /** Resolves when the job ends, with its run status. */
  done?: Promise<Job>;
}

export interface JobHostEvents {
  /** Any change of a job (state, run folder, progress). */
  changed(job: Job): void;
  finished(job: Job): void;
}

export class JobHost implements vscode.Disposable {
  readonly manager: JobManager;
  /** Fires on every change of a job: progress notifications follow it. */
  readonly jobChanged = new vscode.EventEmitter<Job>();
  private readonly channels = new Map<number, vscode.OutputChannel>();
  private readonly waiters = new Map<number, ((j: Job) => void)[]>();
  private logSeq = 0;

  constructor(
    private readonly runtime: WorkerRuntime,
    private readonly output: vscode.OutputChannel,
    events: JobHostEvents,
  ) {
    this.manager = new JobManager({
      spawn: (spec) => this.spawnWorker(spec.args, spec.cwd, spec.logFile),
      maxConcurrent: settings.maxConcurrentJobs,
      graceMs: settings.stopGraceMs,
      log: (job, line) => this.channel(job).appendLine(`[${new Date().toISOString().slice(11, 19)}] ${line}`),
      changed: (job) => (this.jobChanged.fire(job), events.changed(job)),
      finished: (job) => {
        // The job's stdout log was mirrored into its output channel line by line; the run folder has the events.
        if (job.spec.logFile) fs.rmSync(job.spec.logFile, { force: true });
        events.finished(job);
        for (const w of this.waiters.get(job.key) ?? []) w(job);
        this.waiters.delete(job.key);
      },
    });
  }

  private spawnWorker(args: string[], cwd: string, logFile: string | undefined) {
    const rt = this.runtime.resolved;
    if (!rt) throw new Error('worker runtime not resolved');
    // stdout+stderr to a log file (not a pipe) and a process group of its own: a window reload does not end
    // the job, and the next activation re-attaches to it (events.jsonl).
    let out: number | 'pipe' = 'pipe';
    if (logFile) {
      fs.mkdirSync(path.dirname(logFile), { recursive: true });
      out = fs.openSync(logFile, 'a');
    }
    try {
      const child = spawn(rt.command, [this.runtime.cliPath, ...args], {
        cwd,
        env: { ...process.env, ...rt.env },
        stdio: ['ignore', out, out],
        detached: true,
      });
      child.unref();
      return child;
    } finally {
      if (typeof out === 'number') fs.closeSync(out);
    }
  }

  /** The worker's stdout/stderr (JSON lines) of one job: <runsDir>/.jobs/<time>-<n>.log (hidden from listRuns). */
  private logFile(runsDir: string): string {
    return path.join(runsDir, '.jobs', `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${++this.logSeq}.log`);
  }

  channel(job: Job): vscode.OutputChannel {
    let ch = this.channels.get(job.key);
    if (!ch) {
      ch = vscode.window.createOutputChannel(`MedSSL Run ${job.key}: ${job.spec.label}`);
      this.channels.set(job.key, ch);
    }
    return ch;
  }

  /** Queues a job: the worker runtime (or why there is none, with the setting to fix it), the queue, its output channel. */
  async enqueue(request: JobRequest): Promise<{ job: Job } | { refused: string }> {
    let description: string;
    try {
      description = (await this.runtime.get()).description;
    } catch (e) {
      const msg = `MedSSL: ${(e as Error).message}`;
      void vscode.window
        .showErrorMessage(msg, 'Open Settings')
        .then((a) => a && vscode.commands.executeCommand('workbench.action.openSettings', 'medssl.nodePath'));
      return { refused: msg };
    }
    const job = this.manager.enqueue({
      label: request.label,
      args: request.args,
      cwd: request.cwd,
      logFile: this.logFile(request.runsDir),
    });
    this.channel(job).appendLine(`Worker runtime: ${description}`);
    return { job };
  }

  /** A cancellable notification from spawn to the job's first progress event (Cancel = Stop). */
  showStartProgress(job: Job): void {
    void showJobProgress(job, {
      title: `MedSSL: starting ${job.spec.label}`,
      phase: startPhase,
      changed: this.jobChanged.event,
      stop: (j) => this.manager.stop(j),
    });
  }

  whenDone(job: Job): Promise<Job> {
    if (job.state === 'finished') return Promise.resolve(job);
    return new Promise((resolve) => this.waiters.set(job.key, [...(this.waiters.get(job.key) ?? []), resolve]));
  }

  /**
   * After a window reload, and for runs started elsewhere on this machine (a terminal): follow runs whose
   * process is alive (tail events.jsonl; Stop signals the pid; a notification when it ends).
   */
  reattach(runs: readonly RunSummary[]): void {
    const ownPids = new Set(this.manager.active().map((j) => j.pid));
    for (const r of runs) {
      if (r.shownStatus === 'running' && r.run?.pid !== undefined && !ownPids.has(r.run.pid) && !this.manager.byRunDir(r.dir)) {
        const job = this.manager.attach(r.dir, r.run?.name ?? r.id);
        if (job) this.output.appendLine(`Re-attached to running job ${r.id} (pid ${job.pid}).`);
      }
    }
  }

  dispose(): void {
    this.manager.dispose();
    this.jobChanged.dispose();
    for (const ch of this.channels.values()) ch.dispose();
  }
}
