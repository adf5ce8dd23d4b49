// Data-parallel training over worker_threads: each worker holds a full replica (1-thread wasm
// backend), computes gradients on its share of the batch, and the gradients are averaged through a
// SharedArrayBuffer (each worker reduces one slice; two barriers per step). Every replica then applies
// the same averaged gradients, so the weights stay identical.
import * as tf from '@tensorflow/tfjs';
import { Worker, type TransferListItem } from 'node:worker_threads';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

const CTL_BYTES = 16;

/** Shared buffer for `worldSize` replicas of `numParams` float32 gradients plus the average. */
export function createExchangeBuffer(numParams: number, worldSize: number): SharedArrayBuffer {
  return new SharedArrayBuffer(CTL_BYTES + 4 * numParams * (worldSize + 1));
}

/** Default time a replica waits at a barrier for the others before failing (ms). */
export const DEFAULT_BARRIER_TIMEOUT_MS = 300_000;

/**
 * A reusable barrier over an Int32Array [count, generation, abort]; only for worker threads (it
 * blocks). Never hangs: it throws when `abort` is set (see {@link abortExchange}: the main thread sets
 * it when a replica failed) or after `timeoutMs` without the other replicas (and then sets `abort`
 * itself, so that the others stop too).
 */
export function barrier(ctl: Int32Array, parties: number, timeoutMs = DEFAULT_BARRIER_TIMEOUT_MS): void {
  if (Atomics.load(ctl, 2) !== 0) throw new Error('data-parallel barrier: aborted (another worker failed)');
  const gen = Atomics.load(ctl, 1);
  if (Atomics.add(ctl, 0, 1) === parties - 1) {
    Atomics.store(ctl, 0, 0);
    Atomics.add(ctl, 1, 1);
    Atomics.notify(ctl, 1);
  } else {
    const deadline = Date.now() + timeoutMs;
    while (Atomics.load(ctl, 1) === gen) {
      if (Atomics.load(ctl, 2) !== 0) throw new Error('data-parallel barrier: aborted (another worker failed)');
      const left = deadline - Date.now();
      if (left <= 0) {
        Atomics.store(ctl, 2, 2);
        Atomics.notify(ctl, 1);
        throw new Error(`data-parallel barrier: no answer from the other worker(s) within ${Math.round(timeoutMs / 1000)} s`);
      }
      Atomics.wait(ctl, 1, gen, Math.min(left, 1000));
    }
  }
}

/** Main thread: makes every replica blocked at (or arriving at) a barrier of this buffer throw. */
export function abortExchange(sab: SharedArrayBuffer): void {
  const ctl = new Int32Array(sab, 0, 4);
  Atomics.store(ctl, 2, 1);
  Atomics.notify(ctl, 1);
}

/**
 * A tensor's values for the shared-memory exchange: a view of the wasm heap (no copy), or on the cpu
 * backend its values. The barrier protocol is synchronous, which is why worker replicas exist only on
 * these two backends (resolveWorkers); any other backend is refused here rather than read.
 */
function replicaValues(t: tf.Tensor): Float32Array {
  const name = tf.getBackend();
  if (name === 'wasm') return (tf.backend() as unknown as BackendWasm).typedArrayFromHeap(t) as Float32Array;
  if (name === 'cpu') return t.dataSync() as Float32Array;
  throw new Error(`worker replicas exchange tensors on wasm or cpu only, not on '${name}'`);
}

/** Used inside each worker: all-reduce (mean) of a list of gradient tensors. */
export class GradientExchange {
  private readonly ctl: Int32Array;
  private readonly grads: Float32Array;
  private readonly avg: Float32Array;
  /** Barrier timeout (ms). */
  timeoutMs = DEFAULT_BARRIER_TIMEOUT_MS;
  /** Time the last {@link allReduceMean} spent blocked at its barriers, waiting for the other replicas (ms). */
  lastWaitMs = 0;

  constructor(
    sab: SharedArrayBuffer,
    readonly rank: number,
    readonly worldSize: number,
    readonly numParams: number,
  ) {
    this.ctl = new Int32Array(sab, 0, 4);
    this.grads = new Float32Array(sab, CTL_BYTES, numParams * worldSize);
    this.avg = new Float32Array(sab, CTL_BYTES + 4 * numParams * worldSize, numParams);
  }

  /** Writes these gradients, waits for every replica, returns the averaged gradients (new tensors). */
  allReduceMean(grads: tf.Tensor[]): tf.Tensor[] {
    const P = this.numParams,
      W = this.worldSize;
    let off = this.rank * P;
    for (const g of grads) {
      this.grads.set(replicaValues(g), off);
      off += g.size;
    }
    if (off !== (this.rank + 1) * P) throw new Error(`GradientExchange: ${off - this.rank * P} gradient values, expected ${P}`);
    let t0 = performance.now();
    barrier(this.ctl, W, this.timeoutMs);
    this.lastWaitMs = performance.now() - t0;
    const lo = Math.floor((P * this.rank) / W),
      hi = Math.floor((P * (this.rank + 1)) / W);
    const inv = 1 / W;
    const a = this.avg,
      gr = this.grads;
    for (let j = lo; j < hi; j++) {
      let s = 0;
      for (let w = 0; w < W; w++) s += gr[w * P + j];
      a[j] = s * inv;
    }
    t0 = performance.now();
    barrier(this.ctl, W, this.timeoutMs);
    this.lastWaitMs += performance.now() - t0;
    const out: tf.Tensor[] = [];
    let o = 0;
    for (const g of grads) {
      out.push(tf.tensor(a.subarray(o, o + g.size), g.shape, 'float32'));
      o += g.size;
    }
    return out;
  }
}

/** Shared buffer for {@link AllGather}: `worldSize` slots of at most `maxFloats` floats. */
export function createAllGatherBuffer(maxFloats: number, worldSize: number): SharedArrayBuffer {
  return new SharedArrayBuffer(CTL_BYTES + 4 * maxFloats * worldSize);
}

/**
 * Used inside each worker: all-gather of one float32 tensor per replica, concatenated along axis 0
 * in rank order (e.g. MoCo's keys of every half-batch for the queue, or shuffled-BN statistics).
 */
export class AllGather {
  private readonly ctl: Int32Array;
  private readonly slots: Float32Array;
  /** Barrier timeout (ms). */
  timeoutMs = DEFAULT_BARRIER_TIMEOUT_MS;

  constructor(
    sab: SharedArrayBuffer,
    readonly rank: number,
    readonly worldSize: number,
    readonly maxFloats: number,
  ) {
    this.ctl = new Int32Array(sab, 0, 4);
    this.slots = new Float32Array(sab, CTL_BYTES, maxFloats * worldSize);
  }

  /** Every replica passes a tensor of the same shape; returns the concatenation (a new tensor). */
  gather(t: tf.Tensor): tf.Tensor {
    const out = this.gatherFloats(replicaValues(t));
    return tf.tensor(out, [t.shape[0] * this.worldSize, ...t.shape.slice(1)], 'float32');
  }

  /** Every replica passes as many values; returns them concatenated in rank order (no tensor involved). */
  gatherFloats(values: Float32Array): Float32Array {
    const n = values.length;
    if (n > this.maxFloats) throw new Error(`AllGather: ${n} values exceed the slot size ${this.maxFloats}`);
    this.slots.set(values, this.rank * this.maxFloats);
    barrier(this.ctl, this.worldSize, this.timeoutMs);
    const out = new Float32Array(n * this.worldSize);
    for (let r = 0; r < this.worldSize; r++) out.set(this.slots.subarray(r * this.maxFloats, r * this.maxFloats + n), r * n);
    barrier(this.ctl, this.worldSize, this.timeoutMs); // nobody overwrites a slot before every replica has read it
    return out;
  }
}

/** A worker's reply: anything with a `type`; `{ type: 'error', message }` fails the pool. */
export interface WorkerReply {
  type: string;
  [key: string]: unknown;
}

/** The reply a pool reports for a failed worker. */
export interface WorkerErrorReply {
  type: 'error';
  message: string;
}

export interface WorkerPoolOptions {
  /** `script` is source code, not a path. */
  eval?: boolean;
  /** Called once, as soon as any worker fails (error reply, uncaught error, unexpected exit, timeout). */
  onFailure?: (rank: number, message: string) => void;
}

/**
 * Main-thread side: a set of workers driven in lock-step by request/reply messages (`Cmd` sent,
 * `Reply` received). A worker that throws, exits or (with a timeout) does not answer fails every
 * pending and later request with its message, and `onFailure` is called at once (e.g. to abort the
 * other replicas' barriers).
 */
export class WorkerPool<Cmd = unknown, Reply extends { type: string } = WorkerReply> {
  private readonly workers: Worker[] = [];
  private readonly pending: ((r: Reply | WorkerErrorReply) => void)[][] = [];
  private readonly inbox: (Reply | WorkerErrorReply)[][] = [];
  private failure: Error | null = null;
  private terminating = false;

  /** `script`: a file path, or source code with `{ eval: true }`. */
  constructor(
    script: string,
    size: number,
    workerData: (rank: number) => unknown,
    private readonly opts: WorkerPoolOptions = {},
  ) {
    for (let r = 0; r < size; r++) {
      const w = new Worker(script, { workerData: workerData(r), eval: opts.eval ?? false });
      this.pending.push([]);
      this.inbox.push([]);
      w.on('message', (m: Reply | WorkerErrorReply) => {
        if (isError(m)) this.fail(r, String(m.message), false);
        const q = this.pending[r].shift();
        if (q) q(m);
        else this.inbox[r].push(m);
      });
      w.on('error', (e: Error) => this.fail(r, e.message, true));
      w.on('exit', (code) => {
        if (!this.terminating) this.fail(r, `worker ${r} exited unexpectedly (exit code ${code})`, true);
      });
      this.workers.push(w);
    }
  }

  private fail(rank: number, message: string, flushPending: boolean): void {
    if (!this.failure) {
      this.failure = new Error(`data-parallel worker ${rank} failed: ${message}`);
      this.opts.onFailure?.(rank, message);
    }
    if (flushPending) for (const q of this.pending[rank].splice(0)) q({ type: 'error', message });
  }

  get size(): number {
    return this.workers.length;
  }

  private async collect(ranks: number[], send: (rank: number) => void, timeoutMs: number | undefined, what: string): Promise<Reply[]> {
    if (this.failure) throw this.failure;
    let timer: NodeJS.Timeout | undefined;
    const all = Promise.all(
      ranks.map(
        (r) =>
          new Promise<Reply | WorkerErrorReply>((resolve) => {
            const m = send === NO_SEND ? this.inbox[r].shift() : undefined;
            if (m) return resolve(m);
            this.pending[r].push(resolve);
            send(r);
          }),
      ),
    );
    const replies =
      timeoutMs === undefined
        ? await all
        : await Promise.race([
            all,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => {
                const msg = `no answer to '${what}' within ${Math.round(timeoutMs / 1000)} s`;
                this.fail(-1, msg, false);
                reject(new Error(`data-parallel workers: ${msg}`));
              }, timeoutMs);
            }),
          ]).finally(() => clearTimeout(timer));
    const i = replies.findIndex(isError);
    // The first failure is the cause (the others' replies are then 'aborted').
    if (i >= 0)
      throw this.failure ?? new Error(`data-parallel worker ${ranks[i]} failed: ${String((replies[i] as WorkerErrorReply).message)}`);
    return replies as Reply[];
  }

  /** The next message of every worker, without sending anything (e.g. their 'ready'). */
  async receive(timeoutMs?: number): Promise<Reply[]> {
    return this.collect(
      this.workers.map((_, r) => r),
      NO_SEND,
      timeoutMs,
      'start',
    );
  }

  /** Sends the message to every worker and resolves with their replies (rejects on an error reply). */
  async request(msg: Cmd, timeoutMs?: number): Promise<Reply[]> {
    return this.collect(
      this.workers.map((_, r) => r),
      (r) => this.workers[r].postMessage(msg),
      timeoutMs,
      describe(msg),
    );
  }

  /** Sends each worker its own message (with its transfer list) and resolves with their replies. */
  async requestEach(msgs: Cmd[], transfer: TransferListItem[][] = [], timeoutMs?: number): Promise<Reply[]> {
    if (msgs.length !== this.workers.length)
      throw new Error(`WorkerPool.requestEach: ${msgs.length} messages for ${this.workers.length} workers`);
    return this.collect(
      this.workers.map((_, r) => r),
      (r) => this.workers[r].postMessage(msgs[r], (transfer[r] ?? []) as never),
      timeoutMs,
      describe(msgs[0]),
    );
  }

  /** Sends the message to one worker and resolves with its reply. */
  async requestOne(rank: number, msg: Cmd, timeoutMs?: number): Promise<Reply> {
    return (await this.collect([rank], (r) => this.workers[r].postMessage(msg), timeoutMs, describe(msg)))[0];
  }

  async terminate(): Promise<void> {
    this.terminating = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

const NO_SEND = (): void => undefined;

function isError(m: { type: string }): m is WorkerErrorReply {
  return m.type === 'error';
}

function describe(msg: unknown): string {
  const cmd = (msg as { cmd?: unknown } | null)?.cmd;
  return typeof cmd === 'string' ? cmd : 'request';
}
