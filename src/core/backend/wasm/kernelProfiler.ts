// Wall-clock profile per kernel of the wasm backend (tf.profile inflates large kernels on wasm because
// it reads every output back). Wraps each registered kernel; composite kernels report inclusive time.
import * as tf from '@tensorflow/tfjs';

export interface KernelTiming {
  kernel: string;
  totalMs: number;
  calls: number;
}

export class KernelProfiler {
  private readonly totals = new Map<string, KernelTiming>();
  private originals: tf.KernelConfig[] = [];
  private depth = 0;

  constructor(private readonly backendName = 'wasm') {}

  start(): void {
    if (this.originals.length) return;
    this.originals = tf.getKernelsForBackend(this.backendName).slice();
    for (const k of this.originals) {
      const orig = k.kernelFunc;
      const name = k.kernelName;
      const wrapped: tf.KernelFunc = (args) => {
        // Only the outermost kernel is timed (nested calls through the registry are included in it).
        if (this.depth > 0) return orig(args);
        this.depth++;
        const t0 = performance.now();
        try {
          return orig(args);
        } finally {
          const dt = performance.now() - t0;
          this.depth--;
          const e = this.totals.get(name) ?? { kernel: name, totalMs: 0, calls: 0 };
          e.totalMs += dt;
          e.calls++;
          this.totals.set(name, e);
        }
      };
      tf.unregisterKernel(name, this.backendName);
      tf.registerKernel({ kernelName: name, backendName: this.backendName, kernelFunc: wrapped });
    }
  }

  stop(): void {
    for (const k of this.originals) {
      tf.unregisterKernel(k.kernelName, this.backendName);
      tf.registerKernel(k);
    }
    this.originals = [];
  }

  reset(): void {
    this.totals.clear();
  }

  /** Kernels sorted by total time, largest first. */
  report(): KernelTiming[] {
    return [...this.totals.values()].sort((a, b) => b.totalMs - a.totalMs).map((e) => ({ ...e }));
  }
}
