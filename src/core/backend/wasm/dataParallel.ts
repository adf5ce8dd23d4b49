// Data-parallel training over worker_threads: each worker holds a full replica (1-thread wasm
// backend), computes gradients on its share of the batch, and the gradients are averaged through a
// SharedArrayBuffer (each worker reduces one slice; two barriers per step). Every replica then applies
// the same averaged gradients, so the weights stay identical.
import * as tf from '@tensorflow/tfjs';
import { Worker } from 'node:worker_threads';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

const CTL_BYTES = 16;

/** Shared buffer for `worldSize` replicas of `numParams` float32 gradients plus the average. */
export function createExchangeBuffer(numParams: number, worldSize: number): SharedArrayBuffer {
  return new SharedArrayBuffer(CTL_BYTES + 4 * numParams * (worldSize + 1));
}

/** A reusable barrier over an Int32Array [count, generation]; only for worker threads (it blocks). */
export function barrier(ctl: Int32Array, parties: number): void {
  const gen = Atomics.load(ctl, 1);
  if (Atomics.add(ctl, 0, 1) === parties - 1) {
    Atomics.store(ctl, 0, 0);
    Atomics.add(ctl, 1, 1);
    Atomics.notify(ctl, 1);
  } else {
    while (Atomics.load(ctl, 1) === gen) Atomics.wait(ctl, 1, gen);
  }
}

/** Used inside each worker: all-reduce (mean) of a list of gradient tensors. */
export class GradientExchange {
  private readonly ctl: Int32Array;
  private readonly grads: Float32Array;
  private readonly avg: Float32Array;

  constructor(sab: SharedArrayBuffer, readonly rank: number, readonly worldSize: number, readonly numParams: number) {
    this.ctl = new Int32Array(sab, 0, 4);
    this.grads = new Float32Array(sab, CTL_BYTES, numParams * worldSize);
    this.avg = new Float32Array(sab, CTL_BYTES + 4 * numParams * worldSize, numParams);
  }

  /** Writes these gradients, waits for every replica, returns the averaged gradients (new tensors). */
  allReduceMean(grads: tf.Tensor[]): tf.Tensor[] {
    const P = this.numParams, W = this.worldSize;
    let off = this.rank * P;
    const be = tf.getBackend() === 'wasm' ? (tf.backend() as unknown as BackendWasm) : null;
    for (const g of grads) {
      const view = be ? (be.typedArrayFromHeap(g) as Float32Array) : (g.dataSync() as Float32Array);
      this.grads.set(view, off);
      off += g.size;
    }
    if (off !== (this.rank + 1) * P) throw new Error(`GradientExchange: ${off - this.rank * P} gradient values, expected ${P}`);
    barrier(this.ctl, W);
    const lo = Math.floor((P * this.rank) / W), hi = Math.floor((P * (this.rank + 1)) / W);
    const inv = 1 / W;
    const a = this.avg, gr = this.grads;
    for (let j = lo; j < hi; j++) {
      let s = 0;
      for (let w = 0; w < W; w++) s += gr[w * P + j];
      a[j] = s * inv;
    }
    barrier(this.ctl, W);
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

  constructor(sab: SharedArrayBuffer, readonly rank: number, readonly worldSize: number, readonly maxFloats: number) {
    this.ctl = new Int32Array(sab, 0, 4);
    this.slots = new Float32Array(sab, CTL_BYTES, maxFloats * worldSize);
  }

  /** Every replica passes a tensor of the same shape; returns the concatenation (a new tensor). */
  gather(t: tf.Tensor): tf.Tensor {
    if (t.size > this.maxFloats) throw new Error(`AllGather: ${t.size} values exceed the slot size ${this.maxFloats}`);
    const be = tf.getBackend() === 'wasm' ? (tf.backend() as unknown as BackendWasm) : null;
    const view = be ? (be.typedArrayFromHeap(t) as Float32Array) : (t.dataSync() as Float32Array);
    this.slots.set(view, this.rank * this.maxFloats);
    barrier(this.ctl, this.worldSize);
    const out = new Float32Array(t.size * this.worldSize);
    for (let r = 0; r < this.worldSize; r++) out.set(this.slots.subarray(r * this.maxFloats, r * this.maxFloats + t.size), r * t.size);
    barrier(this.ctl, this.worldSize); // nobody overwrites a slot before every replica has read it
    return tf.tensor(out, [t.shape[0] * this.worldSize, ...t.shape.slice(1)], 'float32');
  }
}

export interface WorkerReply {
  type: string;
  [key: string]: unknown;
}

/** Main-thread side: a set of workers driven in lock-step by request/reply messages. */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly pending: ((r: WorkerReply) => void)[][] = [];
  private readonly inbox: WorkerReply[][] = [];
  private failure: Error | null = null;

  /** `script`: a file path, or source code with `{ eval: true }`. */
  constructor(script: string, size: number, workerData: (rank: number) => unknown, opts: { eval?: boolean } = {}) {
    for (let r = 0; r < size; r++) {
      const w = new Worker(script, { workerData: workerData(r), eval: opts.eval ?? false });
      this.pending.push([]);
      this.inbox.push([]);
      w.on('message', (m: WorkerReply) => {
        const q = this.pending[r].shift();
        if (q) q(m);
        else this.inbox[r].push(m);
      });
      w.on('error', (e: Error) => {
        this.failure = e;
        for (const q of this.pending[r].splice(0)) q({ type: 'error', message: e.message });
      });
      this.workers.push(w);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** The next message of every worker, without sending anything (e.g. their 'ready'). */
  async receive(): Promise<WorkerReply[]> {
    if (this.failure) throw this.failure;
    const replies = await Promise.all(this.workers.map((_, r) => new Promise<WorkerReply>((resolve) => {
      const m = this.inbox[r].shift();
      if (m) resolve(m);
      else this.pending[r].push(resolve);
    })));
    const bad = replies.find((x) => x.type === 'error');
    if (bad) throw new Error(`data-parallel worker failed: ${String(bad.message)}`);
    return replies;
  }

  /** Sends the message to every worker and resolves with their replies (rejects on an error reply). */
  async request(msg: unknown): Promise<WorkerReply[]> {
    if (this.failure) throw this.failure;
    const replies = await Promise.all(
      this.workers.map((w, r) => new Promise<WorkerReply>((resolve) => {
        this.pending[r].push(resolve);
        w.postMessage(msg);
      })),
    );
    const bad = replies.find((x) => x.type === 'error');
    if (bad) throw new Error(`data-parallel worker failed: ${String(bad.message)}`);
    return replies;
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
