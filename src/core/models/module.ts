/**
 * Parameter store and module basics for the functional model code.
 *
 * Every model owns one {@link ParamStore}: named trainable tf.Variables ("params") and named
 * non-trainable tf.Variables ("buffers": BatchNorm running statistics, the whitening layer's running
 * mean and W). The logical names ("layer1.0.bn1.gamma") are ours; the tfjs variable names are left to
 * tfjs so that two models with the same structure (MoCo's query and key encoders) can coexist.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';

export type VariableKind = 'param' | 'buffer';

export interface NamedVariable {
  name: string;
  kind: VariableKind;
  variable: tf.Variable;
}

export class ParamStore {
  private readonly entries = new Map<string, NamedVariable>();
  private disposed = false;

  constructor(readonly rng: Rng) {}

  private add(name: string, kind: VariableKind, init: tf.Tensor): tf.Variable {
    if (this.disposed) throw new Error(`ParamStore: cannot add '${name}' to a disposed store`);
    if (this.entries.has(name)) {
      init.dispose();
      throw new Error(`ParamStore: duplicate variable name '${name}'`);
    }
    const variable = tf.variable(init, kind === 'param');
    init.dispose();
    this.entries.set(name, { name, kind, variable });
    return variable;
  }

  /** Adds a trainable variable; takes ownership of (and disposes) `init`. */
  param(name: string, init: tf.Tensor): tf.Variable {
    return this.add(name, 'param', init);
  }

  /** Adds a non-trainable buffer; takes ownership of (and disposes) `init`. */
  buffer(name: string, init: tf.Tensor): tf.Variable {
    return this.add(name, 'buffer', init);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  get(name: string): tf.Variable {
    const e = this.entries.get(name);
    if (!e) throw new Error(`ParamStore: no variable named '${name}'`);
    return e.variable;
  }

  /** Every variable in creation order (optionally only one kind). */
  list(kind?: VariableKind): NamedVariable[] {
    const all = [...this.entries.values()];
    return kind ? all.filter((e) => e.kind === kind) : all;
  }

  /** Trainable variables, in creation order. */
  trainable(): tf.Variable[] {
    return this.list('param').map((e) => e.variable);
  }

  /** Trainable variables by logical name (for tf.variableGrads-like maps keyed by our names). */
  trainableMap(): Map<string, tf.Variable> {
    return new Map(this.list('param').map((e) => [e.name, e.variable]));
  }

  numElements(kind?: VariableKind): number {
    return this.list(kind).reduce((s, e) => s + e.variable.size, 0);
  }

  scope(prefix: string): ParamScope {
    return new ParamScope(this, prefix);
  }

  /** Disposes and removes the variables under `prefix` ('' = all). */
  disposePrefix(prefix: string): void {
    if (!prefix) {
      this.dispose();
      return;
    }
    for (const [name, e] of [...this.entries]) {
      if (name.startsWith(`${prefix}.`)) {
        e.variable.dispose();
        this.entries.delete(name);
      }
    }
  }

  dispose(): void {
    for (const e of this.entries.values()) e.variable.dispose();
    this.entries.clear();
    this.disposed = true;
  }
}

/** A view of a store that prefixes names ("layer1.0." + "conv1.weight"). */
export class ParamScope {
  constructor(
    readonly store: ParamStore,
    readonly prefix: string,
  ) {}

  get rng(): Rng {
    return this.store.rng;
  }

  private full(name: string): string {
    return this.prefix ? `${this.prefix}.${name}` : name;
  }

  param(name: string, init: tf.Tensor): tf.Variable {
    return this.store.param(this.full(name), init);
  }

  buffer(name: string, init: tf.Tensor): tf.Variable {
    return this.store.buffer(this.full(name), init);
  }

  scope(name: string): ParamScope {
    return new ParamScope(this.store, this.full(name));
  }
}

/**
 * Base class of a model: its variables live in a store under a prefix ('' = the whole store), and it
 * has a training/evaluation flag. Subclasses implement their own forward functions and read
 * `this.training`. Several modules can share one store (MoCo: `encoder.*`, `projector.*`); each
 * module lists only its own variables, by names relative to its prefix, so an encoder's weights are
 * interchangeable between a standalone encoder and one inside a larger model.
 */
export abstract class Module {
  training = true;
  readonly store: ParamStore;
  /** Prefix of this module's variables in the store ('' = the whole store). */
  readonly prefix: string;

  constructor(scope: ParamScope) {
    this.store = scope.store;
    this.prefix = scope.prefix;
  }

  /** Training mode: batch statistics, running statistics updated. */
  train(on = true): this {
    this.training = on;
    return this;
  }

  /** Evaluation mode: running statistics used, never updated. */
  eval(): this {
    return this.train(false);
  }

  /** This module's variables, in creation order, named relative to the module's prefix. */
  namedVariables(kind?: VariableKind): NamedVariable[] {
    const all = this.store.list(kind);
    if (!this.prefix) return all;
    const p = `${this.prefix}.`;
    return all.filter((e) => e.name.startsWith(p)).map((e) => ({ ...e, name: e.name.slice(p.length) }));
  }

  trainableVariables(): tf.Variable[] {
    return this.namedVariables('param').map((e) => e.variable);
  }

  numParameters(): number {
    return this.namedVariables('param').reduce((s, e) => s + e.variable.size, 0);
  }

  /** Disposes this module's variables (the whole store when the prefix is ''). */
  dispose(): void {
    this.store.disposePrefix(this.prefix);
  }
}

function checkSameStructure(target: Module, source: Module): Array<[NamedVariable, NamedVariable]> {
  const src = new Map(source.namedVariables().map((e) => [e.name, e]));
  const pairs: Array<[NamedVariable, NamedVariable]> = [];
  const targetNames = new Set<string>();
  for (const t of target.namedVariables()) {
    targetNames.add(t.name);
    const s = src.get(t.name);
    if (!s) throw new Error(`copy/EMA: source has no variable '${t.name}'`);
    if (!tf.util.arraysEqual(s.variable.shape, t.variable.shape)) {
      throw new Error(`copy/EMA: '${t.name}' has shape [${t.variable.shape}] in the target but [${s.variable.shape}] in the source`);
    }
    pairs.push([t, s]);
  }
  if (src.size !== pairs.length) {
    const extra = [...src.keys()].filter((k) => !targetNames.has(k));
    throw new Error(`copy/EMA: source has variables the target lacks: ${extra.slice(0, 5).join(', ')}`);
  }
  return pairs;
}

/** target ← source, every param and buffer (e.g. initialise MoCo's key encoder). */
export function copyVariables(target: Module, source: Module): void {
  const pairs = checkSameStructure(target, source);
  tf.tidy(() => {
    for (const [t, s] of pairs) t.variable.assign(s.variable.clone());
  });
}

/**
 * Momentum (EMA) update: param_t ← m·param_t + (1−m)·param_s; buffers (running statistics) are
 * copied along (MoCo: "BatchNorm running statistics are copied along").
 */
export function emaUpdate(target: Module, source: Module, momentum: number): void {
  const pairs = checkSameStructure(target, source);
  tf.tidy(() => {
    for (const [t, s] of pairs) {
      if (t.kind === 'param') {
        t.variable.assign(tf.add(tf.mul(t.variable, momentum), tf.mul(s.variable, 1 - momentum)));
      } else {
        t.variable.assign(s.variable.clone());
      }
    }
  });
}
