// Registers every replacement training kernel for the wasm backend.
import { replaceKernel, KernelFn } from './util';
import { conv2DBackpropFilter } from './conv2DBackpropFilter';
import { conv2DBackpropInput } from './conv2DBackpropInput';

const registry: [string, () => KernelFn][] = [
  ['Conv2DBackpropFilter', () => conv2DBackpropFilter],
  ['Conv2DBackpropInput', () => conv2DBackpropInput],
];
let registered: string[] | null = null;

/** Registers the training kernels for backendName 'wasm' (idempotent); returns the kernel names. */
export function registerWasmTrainingKernels(): string[] {
  if (registered) return registered.slice();
  const names: string[] = [];
  for (const [name, make] of registry) {
    replaceKernel(name, make());
    names.push(name);
  }
  registered = names;
  return names.slice();
}
