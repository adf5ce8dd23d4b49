/**
 * A small builder of ONNX graphs: nodes with unique value names, float32 / int64 initializers stored
 * as raw little-endian bytes, named inputs and outputs with symbolic dimensions, and the ModelProto
 * bytes (through the protobufjs descriptor in schema.ts).
 */
import { AttributeType, DataType, ONNX_IR_VERSION, ONNX_OPSET, modelProto } from './schema';

/** An attribute value: integers and integer lists are INT / INTS, a string is STRING, `{ float }` is FLOAT. */
export type AttrValue = number | number[] | string | { float: number };

/** A dimension: a fixed size or a symbolic name ('N', 'H'). */
export type Dim = number | string;

interface Attribute {
  name: string;
  type: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  ints?: number[];
}

interface Node {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: Attribute[];
}

interface Tensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

interface ValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: Array<{ dimValue?: number; dimParam?: string }> } } };
}

function attribute(name: string, v: AttrValue): Attribute {
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: Buffer.from(v, 'utf8') };
  if (Array.isArray(v)) {
    if (!v.every(Number.isInteger)) throw new Error(`onnx: attribute '${name}' must be a list of integers, got [${v.join(', ')}]`);
    return { name, type: AttributeType.INTS, ints: v };
  }
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`onnx: attribute '${name}' is ${v}: an integer, or { float } for a float`);
    return { name, type: AttributeType.INT, i: v };
  }
  return { name, type: AttributeType.FLOAT, f: v.float };
}

function valueInfo(name: string, elemType: number, dims: Dim[]): ValueInfo {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function bytesOf(a: Float32Array | BigInt64Array): Uint8Array {
  // ONNX raw_data is little-endian; typed arrays are in the machine's order, little-endian on every
  // platform Node runs the extension on (x64, arm64).
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

export class OnnxGraph {
  private readonly nodes: Node[] = [];
  private readonly initializers: Tensor[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly used = new Set<string>();

  /** A value name not used yet: `base`, else `base_1`, `base_2`, ... */
  unique(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Declares a float32 graph input. */
  input(name: string, dims: Dim[]): string {
    if (this.used.has(name)) throw new Error(`onnx: input name '${name}' is taken`);
    this.used.add(name);
    this.inputs.push(valueInfo(name, DataType.FLOAT, dims));
    return name;
  }

  /** Declares `value` a float32 graph output under `name` (an Identity when the value has another name). */
  output(value: string, name: string, dims: Dim[]): void {
    const out = value === name ? value : this.node('Identity', [value], {}, name);
    if (out !== name) throw new Error(`onnx: output name '${name}' is taken`);
    this.outputs.push(valueInfo(name, DataType.FLOAT, dims));
  }

  /** A float32 constant (weights, biases, statistics). */
  float(name: string, dims: number[], data: Float32Array): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length)
      throw new Error(`onnx: initializer '${name}' has ${data.length} values, shape [${dims.join(', ')}] needs ${size}`);
    const n = this.unique(name);
    this.initializers.push({ name: n, dims, dataType: DataType.FLOAT, rawData: bytesOf(data) });
    return n;
  }

  /** A 1-D int64 constant (shapes, axes). */
  int64(name: string, values: number[]): string {
    const n = this.unique(name);
    this.initializers.push({
      name: n,
      dims: [values.length],
      dataType: DataType.INT64,
      rawData: bytesOf(BigInt64Array.from(values.map(BigInt))),
    });
    return n;
  }

  /** Adds a node with one output named after `name`; returns that output's name. */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, name?: string): string {
    const out = this.unique(name ?? opType.toLowerCase());
    this.nodes.push({
      name: out,
      opType,
      input: inputs,
      output: [out],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /** Operator types in node order (for tests and the summary line). */
  opTypes(): string[] {
    return this.nodes.map((n) => n.opType);
  }

  /** The serialised ModelProto. */
  encode(o: { graphName: string; producerVersion: string; docString: string; metadata: Record<string, string> }): Buffer {
    const T = modelProto();
    const model = {
      irVersion: ONNX_IR_VERSION,
      producerName: 'medssl-studio',
      producerVersion: o.producerVersion,
      docString: o.docString,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      metadataProps: Object.entries(o.metadata).map(([key, value]) => ({ key, value })),
      graph: {
        name: o.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    const problem = T.verify(model);
    if (problem) throw new Error(`onnx: the model does not fit the schema: ${problem}`);
    return Buffer.from(T.encode(T.fromObject(model)).finish());
  }
}
