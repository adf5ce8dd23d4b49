// The PyTorch peer of `medssl bench` (bench/torch_step.py --serve): the same model and step on the
// CPU in a Python process, stepped one request at a time so that it never runs beside our step.
import * as path from 'node:path';
import * as fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';

function findTorchScript(): string | null {
  const candidates = [
    path.resolve(__dirname, '..', '..', '..', 'bench', 'torch_step.py'), // src/core/bench -> repo
    path.resolve(__dirname, '..', '..', '..', '..', 'bench', 'torch_step.py'), // out/src/core/bench -> repo
    path.resolve(__dirname, '..', 'bench', 'torch_step.py'), // dist/cli.js -> repo
    path.resolve(__dirname, 'bench', 'torch_step.py'),
    path.resolve(process.cwd(), 'bench', 'torch_step.py'),
  ];
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

/** Whether /proc/cpuinfo lists avx512f (false where it cannot be read). */
function cpuHasAvx512(): boolean {
  try {
    return /^flags\s*:.*\bavx512f\b/m.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

/** The PyTorch peer as a server process (`torch_step.py --serve`): one step per request. */
export class TorchPeer {
  name = '';
  threads = 0;
  private readonly lines: string[] = [];
  private waiter: ((line: string | null) => void) | null = null;
  private closed = false;
  private err = '';
  private readonly proc: ChildProcess;

  private constructor(python: string, args: string[], env: NodeJS.ProcessEnv) {
    this.proc = spawn(python, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let buf = '';
    this.proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        this.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    this.proc.stderr!.on('data', (d: Buffer) => (this.err = (this.err + d.toString()).slice(-2000)));
    this.proc.stdin!.on('error', () => undefined); // a dead peer shows up as a closed stdout
    this.proc.on('error', (e) => {
      this.err += e.message;
      this.push(null);
    });
    this.proc.on('close', () => this.push(null));
  }

  /** Starts the peer and waits until its model is built; a reason instead when it cannot run. */
  static async start(o: { batch: number; size: number; widths: number[]; threads: number; python: string }): Promise<TorchPeer | string> {
    const script = findTorchScript();
    if (!script) return 'bench/torch_step.py not found next to the program';
    if (!fs.existsSync(o.python)) return `${o.python} not found (PyTorch peer needs Debian's python3-torch)`;
    const args = [
      script,
      '--serve',
      '--batch',
      String(o.batch),
      '--size',
      String(o.size),
      '--widths',
      o.widths.join(','),
      '--threads',
      String(o.threads),
    ];
    const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(o.threads) };
    // Debian's OpenBLAS takes AVX-512 CPUs for Haswell (half speed); forcing SkylakeX on a CPU
    // without AVX-512 kills OpenBLAS calls with an illegal instruction (numpy matmul, measured on a
    // Zen 3), so only with avx512f.
    if (env.OPENBLAS_CORETYPE === undefined && cpuHasAvx512()) env.OPENBLAS_CORETYPE = 'SkylakeX';
    const peer = new TorchPeer(o.python, args, env);
    const first = await peer.next();
    type Hello = { ready?: boolean; error?: string; name?: string; threads?: number };
    let j: Hello | null = null;
    try {
      j = first === null ? null : (JSON.parse(first) as Hello);
    } catch {
      j = null;
    }
    if (j?.ready) {
      peer.name = String(j.name);
      peer.threads = Number(j.threads);
      return peer;
    }
    peer.close();
    return j?.error ?? `PyTorch peer failed: ${(first ?? '').slice(0, 200)} ${peer.lastError()}`.trim();
  }

  /** One training step of the peer (seconds). */
  async step(): Promise<number> {
    this.proc.stdin!.write('step\n');
    const line = await this.next();
    if (line === null) throw new Error(`PyTorch peer stopped: ${this.lastError()}`);
    const j = JSON.parse(line) as { step_s?: number; error?: string };
    if (typeof j.step_s !== 'number') throw new Error(`PyTorch peer: ${j.error ?? line}`);
    return j.step_s;
  }

  close(): void {
    if (this.proc.exitCode === null && !this.proc.killed) {
      this.proc.stdin!.end('quit\n');
      setTimeout(() => {
        if (this.proc.exitCode === null) this.proc.kill();
      }, 5000).unref();
    }
  }

  private push(line: string | null): void {
    if (line === null) this.closed = true;
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      w(line);
    } else if (line !== null) this.lines.push(line);
  }

  private next(): Promise<string | null> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  private lastError(): string {
    return this.err.trim().split('\n').slice(-3).join(' | ');
  }
}
