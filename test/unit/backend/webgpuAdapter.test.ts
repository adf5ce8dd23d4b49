import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { adapterLabel, describeAdapter, type AdapterLike } from '../../../src/core/backend/webgpu/adapter';
import { dawnBackendFromEnv, dawnBinaryDir } from '../../../src/core/backend/webgpu/dawn';
import { findVulkanLoader, noAdapterReason, vulkanCannotLoad } from '../../../src/core/backend/webgpu/noAdapter';
import { dawnPlatformDir } from '../../../src/core/backend/dawnLocate';
import { faultMessage } from '../../../src/core/backend/webgpu/start';
import { formatWebGPU } from '../../../src/core/backend/formatEnvReport';

const limits = {
  maxStorageBuffersPerShaderStage: 16,
  maxStorageBufferBindingSize: 2 ** 27,
  maxBufferSize: 2 ** 31,
  maxComputeWorkgroupStorageSize: 32768,
};

function adapter(info: Partial<AdapterLike['info']>): AdapterLike {
  return { info: { vendor: '', architecture: '', device: '', description: '', ...info }, limits };
}

test('software adapters are recognised by name or by the fallback flag; real GPUs are hardware', () => {
  // What Dawn reports here on Mesa's OpenGL ES (vendor and architecture empty).
  const gles = describeAdapter(
    adapter({ device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6' }),
    'opengles',
    'compatibility',
  );
  assert.equal(gles.software, true);
  assert.match(gles.softwareReason, /'llvmpipe' is a CPU implementation/);
  assert.equal(gles.dawnBackend, 'opengles');
  assert.equal(gles.limits.maxStorageBuffersPerShaderStage, 16);
  assert.equal(gles.limits.maxComputeWorkgroupSizeX, 0, 'a limit the adapter does not report reads 0');
  const lavapipe = describeAdapter(adapter({ vendor: 'mesa', device: 'lavapipe', isFallbackAdapter: true }), 'vulkan', 'core');
  assert.equal(lavapipe.software, true);
  assert.match(lavapipe.softwareReason, /fallback/);
  assert.equal(
    describeAdapter(adapter({ vendor: 'google', architecture: 'swiftshader', device: 'subzero' }), undefined, 'core').software,
    true,
  );
  const nv = describeAdapter(
    adapter({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H100 80GB HBM3', description: 'NVIDIA: 550.54.15' }),
    undefined,
    'core',
  );
  assert.equal(nv.software, false);
  assert.equal(nv.dawnBackend, "Dawn's choice");
  assert.equal(adapterLabel(nv), "nvidia hopper NVIDIA H100 80GB HBM3 (NVIDIA: 550.54.15), hardware, Dawn Dawn's choice");
});

test('MEDSSL_DAWN_BACKEND: the four backends, case-insensitive; anything else names the choices', () => {
  assert.equal(dawnBackendFromEnv({}), undefined);
  assert.equal(dawnBackendFromEnv({ MEDSSL_DAWN_BACKEND: ' OpenGLES ' }), 'opengles');
  for (const b of ['vulkan', 'metal', 'd3d12']) assert.equal(dawnBackendFromEnv({ MEDSSL_DAWN_BACKEND: b }), b);
  assert.throws(
    () => dawnBackendFromEnv({ MEDSSL_DAWN_BACKEND: 'cuda' }),
    /MEDSSL_DAWN_BACKEND='cuda' is not a Dawn backend: use one of vulkan, opengles, metal, d3d12/,
  );
});

test('GPU errors become plain job-failure messages by kind', () => {
  assert.match(
    faultMessage('GPUOutOfMemoryError', 'Out of memory\n - While calling CreateBuffer'),
    /^WebGPU: the GPU ran out of memory \(Out of memory\)\. Lower pretrain\.batchSize/,
  );
  assert.match(
    faultMessage('GPUValidationError', 'Buffer size (1099511627776) exceeds the max buffer size limit\n - While calling'),
    /^WebGPU: the GPU rejected work of this step \(GPUValidationError: Buffer size .* limit\); its results cannot be trusted/,
  );
  assert.match(faultMessage('lost', 'unknown: device reset'), /^WebGPU: the GPU device was lost \(unknown: device reset\)/);
});

test('no adapter: the reason names the Dawn backend and, on Linux, the Vulkan loader situation', () => {
  assert.match(noAdapterReason('opengles'), /^no WebGPU adapter through Dawn backend 'opengles' \(MEDSSL_DAWN_BACKEND\)$/);
  const def = noAdapterReason(undefined);
  assert.match(def, /^no WebGPU adapter through Dawn's default backend/);
  if (process.platform === 'linux') assert.match(def, /Vulkan loader/);
});

test("the Vulkan loader beside a bundle's dawn.node (the portable GPU check) is found; without one Dawn is not asked on Linux", () => {
  const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'medssl-vk-'));
  try {
    const dir = path.join(bundle, 'webgpu', dawnPlatformDir());
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'libvulkan.so.1'), '');
    assert.equal(findVulkanLoader(bundle), path.join(dir, 'libvulkan.so.1'));
    assert.equal(vulkanCannotLoad(undefined, 'linux', bundle), false, 'a loader is there: Dawn is asked');
    fs.rmSync(path.join(dir, 'libvulkan.so.1'));
    const elsewhere = findVulkanLoader(bundle); // the machine's own loader, if it has one
    assert.equal(vulkanCannotLoad(undefined, 'linux', bundle), elsewhere === undefined);
    assert.equal(vulkanCannotLoad('vulkan', 'linux', bundle), elsewhere === undefined);
    // other backends and platforms never need the Vulkan loader
    assert.equal(vulkanCannotLoad('opengles', 'linux', bundle), false);
    assert.equal(vulkanCannotLoad(undefined, 'darwin', bundle), false);
    assert.equal(vulkanCannotLoad(undefined, 'win32', bundle), false);
  } finally {
    fs.rmSync(bundle, { recursive: true, force: true });
  }
});

test('the environment report block shows the adapter, software or hardware, and the limits', () => {
  const a = describeAdapter(
    adapter({ device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6' }),
    'opengles',
    'compatibility',
  );
  const text = formatWebGPU({ adapter: a }).join('\n');
  assert.match(text, /^WebGPU \(Dawn, opengles, compatibility feature level\): SOFTWARE adapter/);
  assert.match(text, /description\/driver: OpenGL version OpenGL ES 3\.2 Mesa 22\.3\.6/);
  assert.match(text, /limits: buffer 2\.00 GiB, storage binding 128 MiB, 16 storage buffers per stage/);
  assert.equal(formatWebGPU({ reason: 'no WebGPU adapter through X' })[0], 'WebGPU (Dawn): no adapter — no WebGPU adapter through X');
});

test("Dawn's native module loads on its own (the path on runtimes that cannot require() the package's ES module)", (t) => {
  assert.equal(dawnBinaryDir('/p', 'darwin', 'arm64'), path.join('/p', 'dist', 'darwin-universal'));
  assert.equal(dawnBinaryDir('/p', 'win32', 'x64'), path.join('/p', 'dist', 'win32-x64'));
  const file = path.join(dawnBinaryDir(path.dirname(require.resolve('webgpu'))), 'dawn.node');
  if (!fs.existsSync(file)) return t.skip(`no prebuilt Dawn for ${process.platform}-${process.arch}`);
  const native = { exports: {} as { create?: unknown; globals?: Record<string, unknown> } };
  process.dlopen(native, file);
  assert.equal(typeof native.exports.create, 'function');
  assert.equal((native.exports.globals?.GPUBufferUsage as { STORAGE?: number } | undefined)?.STORAGE, 0x80);
});
