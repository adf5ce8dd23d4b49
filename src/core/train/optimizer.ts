/**
 * SGD with momentum and (coupled, PyTorch-style) weight decay, over the named parameters of a store:
 *   g ← g + wd·w;  buf ← μ·buf + g;  w ← w − lr·buf
 * The momentum buffers live in their own ParamStore (as buffers named like the parameters), so a
 * checkpoint saves and restores them with saveWeights/loadWeights.
 */
import * as tf from '@tensorflow/tfjs';
import { ParamStore, type NamedVariable } from '../models/module';
import { Rng } from '../util/rng';

export class SgdMomentum {
  readonly state: ParamStore;
  private readonly bufs: tf.Variable[];

  constructor(
    readonly params: NamedVariable[],
    readonly momentum: number,
    readonly weightDecay: number,
  ) {
    this.state = new ParamStore(new Rng(0));
    this.bufs = params.map((p) => this.state.buffer(p.name, tf.zerosLike(p.variable)));
  }

  /** Applies gradients (same order as `params`) with learning rate `lr`. Does not dispose `grads`. */
  apply(grads: tf.Tensor[], lr: number): void {
    if (grads.length !== this.params.length) throw new Error(`SGD: ${grads.length} gradients for ${this.params.length} parameters`);
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[i];
        if (!g) throw new Error(`SGD: no gradient for '${p.name}' (is it used in the loss?)`);
        const gd = this.weightDecay ? tf.add(g, tf.mul(p.variable, this.weightDecay)) : g;
        const buf = this.bufs[i];
        buf.assign(tf.add(tf.mul(buf, this.momentum), gd));
        p.variable.assign(tf.sub(p.variable, tf.mul(buf, lr)));
      });
    });
  }

  dispose(): void {
    this.state.dispose();
  }
}
