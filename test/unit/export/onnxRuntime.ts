// onnxruntime-node for the ONNX export's checks: loaded when installed (a devDependency whose CPU
// binaries ship in the package), else the tests skip and print why.

type Ort = typeof import('onnxruntime-node');

let ort: Ort | null | undefined;
let why = '';

function load(): Ort | null {
  if (ort !== undefined) return ort;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ort = require('onnxruntime-node') as Ort;
  } catch (e) {
    ort = null;
    why = `onnxruntime-node cannot be loaded (${(e as Error).message.split('\n')[0]}); the ONNX checks are skipped`;
    console.log(why);
  }
  return ort;
}

/** Why the ONNX checks cannot run, or null. */
export function ortMissing(): string | null {
  return load() ? null : why;
}

/** Runs `model` on one float32 input; returns the named output's values and dims. */
export async function runOnnx(
  model: Uint8Array,
  input: { name: string; data: Float32Array; dims: number[] },
  output: string,
): Promise<{ data: Float32Array; dims: number[] }> {
  const rt = load();
  if (!rt) throw new Error(why);
  // One thread: the test machine's cores are shared.
  const session = await rt.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const result = await session.run({ [input.name]: new rt.Tensor('float32', input.data, input.dims) });
    const t = result[output];
    return { data: Float32Array.from(t.data as Float32Array), dims: [...t.dims] };
  } finally {
    await session.release();
  }
}

/** max |a − b| / max |b|. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

/** NHWC values → NCHW. */
export function nhwcToNchw(v: ArrayLike<number>, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array(v.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[((b * c + k) * h + y) * w + x] = v[((b * h + y) * w + x) * c + k];
  return out;
}
