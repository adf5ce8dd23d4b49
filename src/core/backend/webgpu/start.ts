/**
 * The `webgpu` TensorFlow.js backend on Dawn, registered by the engine itself rather than by the
 * package's own factory: we choose the adapter, raise the device limits tfjs needs, and turn every
 * uncaptured GPU error into a failure instead of a silently wrong step.
 *
 * API (what the rest of the engine, `medssl env`, `medssl bench` and the GPU check call):
 *   probeWebGPU(): Promise<WebGPUAdapterReport>
 *       The adapter Dawn gives here (high-performance preference), without creating a device.
 *       Rejects with a plain reason when there is none.
 *   startWebGPU({ allowSoftware }): Promise<WebGPUStarted>
 *       Makes 'webgpu' tfjs's active backend on that adapter. A software adapter (llvmpipe, lavapipe,
 *       SwiftShader) is refused unless allowSoftware (then `started.software` is true: warn about it).
 *       Rejects with a plain reason (no adapter, software refused, device request failed); tfjs then
 *       stays on the backend it had, never on a dead 'webgpu'.
 *   webgpuStarted(): WebGPUStarted | undefined      the running device's adapter and granted limits.
 *   webgpuFault(): string | undefined               the first validation / out-of-memory error or device
 *                                                   loss; every tensor read after it rejects with it.
 *   maxAddNInputs(): number                         inputs one AddN kernel may take on the active backend.
 *
 * Why reads carry the fault: Dawn reports validation and out-of-memory errors through
 * `onuncapturederror` only (nothing throws at the call), and a rejected submission spoils the work
 * around it. Every step reads its loss with `await t.data()`, so failing the read fails the step
 * that went wrong, before its numbers are logged or a checkpoint is written.
 */
import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { describeAdapter, REQUESTED_LIMITS, type WebGPUAdapterReport, type WebGPULimits } from './adapter';
import { dawnBackendFromEnv, exposeNavigatorGpu, loadDawn } from './dawn';
import { noAdapterReason, vulkanCannotLoad } from './noAdapter';

export interface WebGPUStarted {
  adapter: WebGPUAdapterReport;
  /** Limits granted to the device (the adapter's own, requested in full). */
  limits: WebGPULimits;
  software: boolean;
}

let started: { report: WebGPUStarted; device: GPUDevice } | undefined;
let fault: string | undefined;
/** Set while we destroy the device ourselves, so its loss is not reported as a fault. */
let destroying = false;

export function webgpuFault(): string | undefined {
  return fault;
}

export function webgpuStarted(): WebGPUStarted | undefined {
  return started?.report;
}

function firstLine(s: string): string {
  return s.split('\n')[0].trim();
}

/** The message a job fails with, by the kind of GPU error. */
export function faultMessage(kind: string, message: string): string {
  const what = firstLine(message);
  if (/OutOfMemory/i.test(kind)) {
    return `WebGPU: the GPU ran out of memory (${what}). Lower pretrain.batchSize (or the input size or encoder width); nothing from this step was kept.`;
  }
  if (kind === 'lost') return `WebGPU: the GPU device was lost (${what}): the driver reset or the GPU went away; the run stops.`;
  return `WebGPU: the GPU rejected work of this step (${kind}: ${what}); its results cannot be trusted, so the run stops.`;
}

function recordFault(message: string): void {
  fault ??= message;
}

function throwIfFault(): void {
  if (fault) throw new Error(fault);
}

/** The package's backend with reads that fail once the device has reported an error. */
class CheckedWebGPUBackend extends WebGPUBackend {
  override async read(dataId: object): Promise<tf.backend_util.BackendValues> {
    throwIfFault();
    const values = await super.read(dataId);
    throwIfFault();
    return values;
  }

  override readSync(dataId: object): tf.backend_util.BackendValues {
    // Values still on the CPU side (small inputs the package's kernels compute on the CPU) read as
    // before; a GPU buffer's synchronous path needs OffscreenCanvas, which Node lacks: say so plainly.
    const d = this.tensorMap.get(dataId);
    if (d.values != null || d.dtype === 'string') return super.readSync(dataId);
    throwIfFault();
    throw new Error(
      'WebGPU: synchronous tensor reads (dataSync/arraySync/bufferSync) cannot run in Node; the engine reads with `await t.data()`',
    );
  }
}

async function requestAdapter(): Promise<{ adapter: GPUAdapter; report: WebGPUAdapterReport }> {
  // Without a Vulkan loader, Dawn on Linux can only fail, and says so with a raw native warning on
  // stderr (source path and line): the answer is known without asking it.
  const asked = dawnBackendFromEnv();
  if (vulkanCannotLoad(asked)) throw new Error(noAdapterReason(asked));
  const dawn = loadDawn();
  const options = { powerPreference: 'high-performance', featureLevel: dawn.featureLevel } as GPURequestAdapterOptions;
  const adapter = await dawn.gpu.requestAdapter(options);
  if (!adapter) throw new Error(noAdapterReason(dawn.backend));
  return { adapter, report: describeAdapter(adapter as never, dawn.backend, dawn.featureLevel) };
}

export async function probeWebGPU(): Promise<WebGPUAdapterReport> {
  if (started) return started.report.adapter;
  return (await requestAdapter()).report;
}

function softwareRefusal(a: WebGPUAdapterReport): string {
  return `only a software WebGPU adapter is available (${a.softwareReason}): it runs on the CPU, slower than wasm, so 'auto' does not use it; set backend: webgpu to use it anyway`;
}

async function createDevice(adapter: GPUAdapter, report: WebGPUAdapterReport): Promise<GPUDevice> {
  const requiredLimits: Record<string, number> = {};
  for (const k of REQUESTED_LIMITS) if (report.limits[k] > 0) requiredLimits[k] = report.limits[k];
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits });
  } catch (e) {
    throw new Error(`the WebGPU adapter refused a device with its own limits: ${firstLine(e instanceof Error ? e.message : String(e))}`);
  }
  device.onuncapturederror = (ev: GPUUncapturedErrorEvent) => {
    recordFault(faultMessage(ev.error.constructor?.name ?? 'GPUError', ev.error.message));
  };
  void device.lost.then((info) => {
    if (!destroying) recordFault(faultMessage('lost', `${info.reason}: ${info.message}`));
  });
  return device;
}

function grantedLimits(device: GPUDevice): WebGPULimits {
  const limits = {} as WebGPULimits;
  for (const k of REQUESTED_LIMITS) limits[k] = Number((device.limits as unknown as Record<string, number>)[k] ?? 0);
  return limits;
}

export async function startWebGPU(options: { allowSoftware: boolean }): Promise<WebGPUStarted> {
  if (started) {
    if (started.report.software && !options.allowSoftware) throw new Error(softwareRefusal(started.report.adapter));
    throwIfFault();
    await setOrThrow();
    return started.report;
  }
  const { adapter, report } = await requestAdapter();
  if (report.software && !options.allowSoftware) throw new Error(softwareRefusal(report));
  const device = await createDevice(adapter, report);
  const info = { vendor: report.vendor, architecture: report.architecture } as GPUAdapterInfo;
  // A factory left by the package (when something defined navigator.gpu before importing it) would
  // pick its own adapter: replace it with ours.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  exposeNavigatorGpu(loadDawn().gpu);
  tf.registerBackend('webgpu', () => new CheckedWebGPUBackend(device, info), 0);
  started = { device, report: { adapter: report, limits: grantedLimits(device), software: report.software } };
  await setOrThrow();
  return started.report;
}

async function setOrThrow(): Promise<void> {
  if (!(await tf.setBackend('webgpu'))) throw new Error("TensorFlow.js could not initialise backend 'webgpu' on the device");
  await tf.ready();
}

/** Inputs one AddN kernel may take: on WebGPU, one storage buffer per input plus the output. */
export function maxAddNInputs(): number {
  if (tf.getBackend() !== 'webgpu' || !started) return Number.POSITIVE_INFINITY;
  return Math.max(2, started.report.limits.maxStorageBuffersPerShaderStage - 1);
}

/** Drops the device (tests, and the GPU check between phases); the next start creates a fresh one. */
export function stopWebGPU(): void {
  if (!started) return;
  if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  destroying = true;
  started.device.destroy();
  started = undefined;
  fault = undefined;
}
