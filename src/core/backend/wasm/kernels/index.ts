// Registers every replacement training kernel for the wasm backend.
import { replaceKernel, KernelFn } from './util';
import { conv2DBackpropFilter } from './conv2DBackpropFilter';
import { conv2DBackpropInput } from './conv2DBackpropInput';
import { batchMatMul } from './batchMatMul';
import { identity } from './identity';
import { slice } from './slice';
import { tile } from './tile';
import { maxPoolGrad } from './maxPoolGrad';
import { unsortedSegmentSum } from './unsortedSegmentSum';
import { depthwiseBackpropFilter, depthwiseBackpropInput } from './depthwiseBackprop';

const registry: [string, () => KernelFn][] = [
  ['Conv2DBackpropFilter', () => conv2DBackpropFilter],
  ['Conv2DBackpropInput', () => conv2DBackpropInput],
  ['BatchMatMul', () => batchMatMul],
  ['Identity', () => identity],
  ['Slice', () => slice],
  ['Tile', () => tile],
  ['MaxPoolGrad', () => maxPoolGrad],
  ['UnsortedSegmentSum', () => unsortedSegmentSum],
  ['DepthwiseConv2dNativeBackpropFilter', () => depthwiseBackpropFilter],
  ['DepthwiseConv2dNativeBackpropInput', () => depthwiseBackpropInput],
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
