/**
 * What a WebGPU adapter is, in the terms a researcher needs: which GPU, which driver/API, whether it
 * is a real GPU or a CPU rasteriser pretending to be one, and the limits that bound a batch.
 */

/** Dawn's own backends (MEDSSL_DAWN_BACKEND; dawn.ts reads it). */
export const DAWN_BACKENDS = ['vulkan', 'opengles', 'metal', 'd3d12'] as const;
export type DawnBackend = (typeof DAWN_BACKENDS)[number];

/** Limits tfjs needs raised from WebGPU's defaults (8 storage buffers, 128 MiB bindings, 256 MiB buffers). */
export const REQUESTED_LIMITS = [
  'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
] as const;
export type RequestedLimit = (typeof REQUESTED_LIMITS)[number];
export type WebGPULimits = Record<RequestedLimit, number>;

export interface WebGPUAdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  /** Usually the driver: "OpenGL version OpenGL ES 3.2 Mesa 22.3.6", "NVIDIA 550.54", ... */
  description: string;
  /** Dawn's backend: the one MEDSSL_DAWN_BACKEND asked for, else "Dawn's choice". */
  dawnBackend: DawnBackend | "Dawn's choice";
  featureLevel: 'core' | 'compatibility';
  /** A CPU implementation (llvmpipe, lavapipe, SwiftShader, WARP, or flagged as a fallback adapter). */
  software: boolean;
  /** Why it counts as software (empty when hardware). */
  softwareReason: string;
  limits: WebGPULimits;
}

/** Names of CPU implementations of GPU APIs, as they appear in adapter info. */
const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|swrast|microsoft basic render|\bwarp\b/i;

/** The subset of GPUAdapter this file reads (dawn.node's adapter, or a test stand-in). */
export interface AdapterLike {
  info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean };
  limits: Record<string, number | undefined>;
  isFallbackAdapter?: boolean;
}

export function describeAdapter(
  adapter: AdapterLike,
  dawnBackend: DawnBackend | undefined,
  featureLevel: 'core' | 'compatibility',
): WebGPUAdapterReport {
  const { vendor, architecture, device, description } = adapter.info;
  const fallback = Boolean(adapter.info.isFallbackAdapter ?? adapter.isFallbackAdapter);
  const named = SOFTWARE_NAMES.exec([vendor, architecture, device, description].join(' '));
  const softwareReason = fallback
    ? 'Dawn reports a fallback (software) adapter'
    : named
      ? `'${named[0]}' is a CPU implementation of the GPU API`
      : '';
  const limits = {} as WebGPULimits;
  for (const k of REQUESTED_LIMITS) limits[k] = Number(adapter.limits[k] ?? 0);
  return {
    vendor: vendor ?? '',
    architecture: architecture ?? '',
    device: device ?? '',
    description: description ?? '',
    dawnBackend: dawnBackend ?? "Dawn's choice",
    featureLevel,
    software: Boolean(softwareReason),
    softwareReason,
    limits,
  };
}

/** One line naming the adapter: "llvmpipe-llvm-15-0-6-256-bits- (OpenGL version OpenGL ES 3.2 Mesa 22.3.6), software". */
export function adapterLabel(a: WebGPUAdapterReport): string {
  const name = [a.vendor, a.architecture, a.device].filter(Boolean).join(' ') || 'unnamed adapter';
  const desc = a.description ? ` (${a.description})` : '';
  return `${name}${desc}, ${a.software ? 'software' : 'hardware'}, Dawn ${a.dawnBackend}`;
}
