/**
 * The worker-thread side of data-parallel pretraining (workerReplicas.ts starts it): one
 * {@link Replica} on a 1-thread backend of the process's kind (wasm; cpu in tests), answering the
 * typed commands of protocol/replicas.ts one at a time, in order. Its collectives run through
 * SharedArrayBuffers shared with the other replicas (backend/wasm/dataParallel.ts).
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/types';
import type { Slice } from '../data/volume';
import type { ReplicaBuffers, ReplicaCommand, ReplicaReply } from '../../protocol/replicas';
import { AllGather, GradientExchange } from '../backend/wasm/dataParallel';
import type { ReplicaComm } from '../ssl/comm';
import { Replica } from './replica';

/** workerData of a replica thread; `kind` tells this module's entry guard that it is one. */
export interface ReplicaWorkerInit {
  kind: typeof REPLICA_WORKER_KIND;
  rank: number;
  world: number;
  config: ExperimentConfig;
  backend: string;
  diagSlices: Slice[];
  timeoutMs: number;
  fault?: WorkerFault;
}

export const REPLICA_WORKER_KIND = 'medssl-pretrain-worker';

/** Tests only: make one replica fail at a step (throw an error, or exit the thread). */
export interface WorkerFault {
  rank: number;
  step: number;
  kind: 'throw' | 'exit';
}

/**
 * The collectives over shared memory: keys gathered through one all-gather slot per replica (every
 * tensor of a call packed side by side, so one pair of barriers), gradients and running statistics
 * averaged by the all-reduce.
 */
function sharedMemoryComm(
  b: ReplicaBuffers,
  rank: number,
  world: number,
  sizes: { params: number; buffers: number; gatherFloats: number },
  timeoutMs: number,
): ReplicaComm {
  const grads = new GradientExchange(b.grads, rank, world, sizes.params);
  const bufs = new GradientExchange(b.buffers, rank, world, sizes.buffers);
  const all = new AllGather(b.gather, rank, world, sizes.gatherFloats);
  for (const x of [grads, bufs, all]) x.timeoutMs = timeoutMs;
  return {
    rank,
    world,
    gather: (ts) =>
      tf.tidy(() => {
        const rows = ts[0].shape[0];
        const flat = ts.map((t) => tf.reshape(t, [rows, -1]));
        const widths = flat.map((t) => t.shape[1]!);
        const got = all.gather(flat.length === 1 ? flat[0] : tf.concat(flat, 1));
        let at = 0;
        return ts.map((t, i) => {
          const part = flat.length === 1 ? got : tf.slice(got, [0, at], [-1, widths[i]]);
          at += widths[i];
          return tf.reshape(part, [rows * world, ...t.shape.slice(1)]);
        });
      }),
    gatherNumbers: (row) => {
      const v = all.gatherFloats(Float32Array.from(row));
      return Array.from({ length: world }, (_, r) => Array.from(v.subarray(r * row.length, (r + 1) * row.length)));
    },
    meanGrads: (ts) => grads.allReduceMean(ts),
    meanBuffers: (vars) => {
      const avg = bufs.allReduceMean(vars);
      vars.forEach((v, i) => v.assign(avg[i]));
      tf.dispose(avg);
    },
  };
}

/** Until 'init' brings the shared buffers, a replica knows only its place (rank, world). */
function unconnected(rank: number, world: number): ReplicaComm {
  const no = (): never => {
    throw new Error(`replica ${rank}: a collective before 'init' connected the replicas`);
  };
  return { rank, world, gather: no, gatherNumbers: no, meanGrads: no, meanBuffers: no };
}

/** Runs a replica in this worker thread until told to stop. */
export async function runReplicaWorker(init: ReplicaWorkerInit): Promise<void> {
  const port = parentPort!;
  let replica: Replica | null = null;
  let steps = 0;
  const handle = async (msg: ReplicaCommand): Promise<ReplicaReply> => {
    const rep = replica!;
    switch (msg.cmd) {
      case 'init': {
        const sizes = {
          params: rep.moco.query.store.numElements('param'),
          buffers: rep.moco.query.store.numElements('buffer') + rep.moco.key.store.numElements('buffer'),
          gatherFloats: msg.gatherFloats,
        };
        rep.connect(sharedMemoryComm(msg.buffers, init.rank, init.world, sizes, init.timeoutMs));
        return { type: 'ok' };
      }
      case 'load':
        await rep.load(msg.dir);
        return { type: 'ok' };
      case 'step': {
        steps++;
        const f = init.fault;
        if (f && f.rank === init.rank && f.step === steps) {
          if (f.kind === 'exit') process.exit(3);
          throw new Error(`injected failure at step ${steps}`);
        }
        return rep.step(msg.share, msg.lr);
      }
      case 'checkpoint':
        return { type: 'checkpoint', dir: await rep.checkpoint(msg.runDir, msg.state) };
      case 'diagnose':
        return { type: 'diagnostics', d: await rep.diagnose(init.diagSlices, msg.step, msg.epoch) };
      case 'checksum':
        return { type: 'checksum', value: await rep.checksum() };
      case 'stop':
        replica?.dispose();
        replica = null;
        return { type: 'ok' };
    }
  };
  // One message at a time, in order.
  let chain = Promise.resolve();
  port.on('message', (msg: ReplicaCommand) => {
    chain = chain.then(async () => {
      try {
        port.postMessage(await handle(msg));
      } catch (e) {
        port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) } satisfies ReplicaReply);
      }
    });
  });
  try {
    if (init.backend === 'wasm') {
      const { initWasmBackend } = await import('../backend/wasm/init');
      await initWasmBackend({ threads: 1 });
    } else if (!(await tf.setBackend(init.backend))) {
      throw new Error(`backend '${init.backend}' could not start in a worker`);
    }
    await tf.ready();
    replica = new Replica(init.config, unconnected(init.rank, init.world));
    const ready: ReplicaReply = {
      type: 'ready',
      rng: replica.rngState,
      numParams: replica.moco.query.store.numElements('param'),
      numBuffers: replica.moco.query.store.numElements('buffer') + replica.moco.key.store.numElements('buffer'),
      gatherFloats: Math.max(replica.keyFloats(), 8),
      info: replica.info,
    };
    port.postMessage(ready);
  } catch (e) {
    port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) } satisfies ReplicaReply);
  }
}
