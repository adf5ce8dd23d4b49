// Dawn (the `webgpu` package's dawn.node) loaded by path, with the package's own exports.
// The bundles in dist/ resolve `import 'webgpu'` to this module (esbuild.mjs): the package's index is an
// ES module that finds its binary through import.meta.url, which a CommonJS bundle does not have, and
// the Node inside VS Code (ELECTRON_RUN_AS_NODE) of the oldest releases we support cannot require() an
// ES module. A plain require() of a Node-API binary works on every runtime we run on.
import { findDawnNode } from './dawnLocate';

interface DawnModule {
  create(flags: string[]): unknown;
  globals: Record<string, unknown>;
}

/**
 * GPUDevice.destroy() should unmap the device's buffers, but dawn.node leaves them mapped (their
 * ArrayBuffers stay attached). The package's index patches this; so does this module, so that the
 * bundle behaves like a source checkout. Buffers are tracked weakly so none is kept alive by it.
 */
function patchDestroyUnmaps(globals: Record<string, unknown>): void {
  type Buf = { mapState?: string; unmap(): void };
  type Proto = { createBuffer(...a: unknown[]): Buf; destroy(...a: unknown[]): unknown; [k: symbol]: unknown };
  const proto = (globals.GPUDevice as { prototype?: Proto } | undefined)?.prototype;
  const patched = Symbol.for('webgpu.deviceDestroyUnmapsBuffers');
  if (!proto || proto[patched]) return;
  const perDevice = new WeakMap<object, Set<WeakRef<Buf>>>();
  const collected = new FinalizationRegistry<{ set: Set<WeakRef<Buf>>; ref: WeakRef<Buf> }>(({ set, ref }) => set.delete(ref));
  const { createBuffer, destroy } = proto;
  proto.createBuffer = function (this: object, ...args: unknown[]): Buf {
    const buffer = createBuffer.apply(this, args);
    let set = perDevice.get(this);
    if (!set) perDevice.set(this, (set = new Set()));
    const ref = new WeakRef(buffer);
    set.add(ref);
    collected.register(buffer, { set, ref });
    return buffer;
  };
  proto.destroy = function (this: object, ...args: unknown[]): unknown {
    for (const ref of perDevice.get(this) ?? []) {
      const b = ref.deref();
      try {
        if (b?.mapState === 'mapped') b.unmap();
      } catch {
        // One bad buffer must not keep the device from being destroyed.
      }
    }
    perDevice.get(this)?.clear();
    return destroy.apply(this, args);
  };
  proto[patched] = true;
}

/** The path dawn.node was loaded from. */
export const dawnNodePath = findDawnNode(__dirname);
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a native binary, found at run time
const dawn = require(dawnNodePath) as DawnModule;
patchDestroyUnmaps(dawn.globals);

export const create = dawn.create;
export const globals = dawn.globals;
export const isMac = process.platform === 'darwin';
