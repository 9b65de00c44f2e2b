/**
 * A small builder of ONNX graphs: named values, nodes, initializers (weights and constants), the
 * graph's inputs and outputs, and the ModelProto around them (proto.ts encodes it). It knows no model:
 * src/export/onnx/ builds each model's graph with it.
 *
 *   const g = new GraphBuilder('charlm');
 *   const ids = g.input('ids', DataType.INT64, ['batch', 'time']);
 *   const x = g.node('Gather', [g.weight('embedding.weight', w, [V, C]), ids]);   // (B, T, C)
 *   g.output(x, 'logits', DataType.FLOAT, ['batch', 'time', C]);
 *   const bytes = encodeModel(g.model({ opset: 17, metadata: { vocab: '...' } }));
 */
import { AttributeType, DataType, tensorValueInfo, type AttributeProto, type Dim, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.js';

/** An attribute value: an integer, a float (`float(x)`), a string, a list of integers, of floats (`floats(xs)`), or a subgraph (`GraphBuilder.subgraph`). */
export type Attr = number | string | number[] | { float: number } | { floats: number[] } | { graph: GraphProto };

export const float = (x: number): Attr => ({ float: x });
export const floats = (xs: number[]): Attr => ({ floats: xs });

/** Values that can become an initializer. */
export type TensorData = Float32Array | Int32Array | BigInt64Array | Uint8Array;

function dataType(data: TensorData, bool: boolean): number {
  if (data instanceof Float32Array) return DataType.FLOAT;
  if (data instanceof Int32Array) return DataType.INT32;
  if (data instanceof BigInt64Array) return DataType.INT64;
  if (bool) return DataType.BOOL;
  throw new Error('ONNX graph: a Uint8Array initializer must be a bool tensor');
}

/** A TensorProto of `data` with shape `dims` (raw little-endian bytes, as every platform Loom runs on stores them). */
export function tensorProto(name: string, data: TensorData, dims: readonly number[], { bool = false } = {}): TensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new Error(`ONNX graph: initializer '${name}' of shape [${dims.join(', ')}] needs ${n} values, got ${data.length}`);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice(); // an own copy, byte offset 0
  return { name, dims: [...dims], data_type: dataType(data, bool), raw_data: bytes };
}

function attribute(name: string, v: Attr): AttributeProto {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`ONNX graph: attribute '${name}' = ${v} is not an integer; wrap a float in float()`);
    return { name, type: AttributeType.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v };
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  if ('graph' in v) return { name, type: AttributeType.GRAPH, g: v.graph };
  return { name, type: AttributeType.FLOATS, floats: v.floats };
}

export interface ModelOptions {
  /** The default domain's opset (17 or later for LayerNormalization). */
  opset: number;
  /** IR version (default 8, the one of opset 15 to 18). */
  irVersion?: number;
  producerVersion?: string;
  docString?: string;
  /** metadata_props: key -> value. */
  metadata?: Record<string, string>;
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];

  constructor(
    readonly name: string,
    private readonly initializers: TensorProto[] = [],
    private readonly used = new Set<string>(),
    private readonly constants = new Map<string, string>(),
  ) {}

  /**
   * A builder of a subgraph (a Loop's body) that shares this graph's names: its weights and constants
   * become initializers of the outer graph, which the body reads as outer-scope values, as it may read
   * any value computed before the node that holds it. `body.graph()` is the attribute value.
   */
  subgraph(name: string): GraphBuilder {
    return new GraphBuilder(this.fresh(name), this.initializers, this.used, this.constants);
  }

  /** The GraphProto of a subgraph (no initializers of its own), as the `{ graph }` attribute value. */
  graph(): { graph: GraphProto } {
    return { graph: { name: this.name, node: this.nodes, initializer: [], input: this.inputs, output: this.outputs } };
  }

  /** A fresh value name starting with `hint`. */
  fresh(hint: string): string {
    let name = hint;
    for (let i = 1; this.used.has(name); i++) name = `${hint}_${i}`;
    this.used.add(name);
    return name;
  }

  /** A graph input. */
  input(name: string, elemType: number, dims: Dim[]): string {
    if (this.used.has(name)) throw new Error(`ONNX graph: the name '${name}' is taken`);
    this.used.add(name);
    this.inputs.push(tensorValueInfo(name, elemType, dims));
    return name;
  }

  /** Makes `value` a graph output named `name` (through an Identity when it has another name). */
  output(value: string, name: string, elemType: number, dims: Dim[]): void {
    if (value !== name) {
      if (this.used.has(name)) throw new Error(`ONNX graph: the name '${name}' is taken`);
      this.used.add(name);
      this.nodes.push({ op_type: 'Identity', name: `${name}_identity`, input: [value], output: [name], attribute: [] });
    }
    this.outputs.push(tensorValueInfo(name, elemType, dims));
  }

  /** An initializer named `name` (a weight: its state-dict key, or a derived name). */
  weight(name: string, data: TensorData, dims: readonly number[], opts: { bool?: boolean } = {}): string {
    const n = this.fresh(name);
    this.initializers.push(tensorProto(n, data, dims, opts));
    return n;
  }

  /** A constant int64 tensor (1-D, or a scalar with `dims` []), shared between uses of the same values. */
  int64(values: number[], dims: number[] = [values.length]): string {
    return this.constant(`i64:${dims.join('x')}:${values.join(',')}`, 'const_i64', () => BigInt64Array.from(values.map(BigInt)), dims);
  }

  /** A constant float scalar (or 1-D with `dims`), shared between uses. */
  float32(values: number[], dims: number[] = []): string {
    return this.constant(`f32:${dims.join('x')}:${values.join(',')}`, 'const_f32', () => Float32Array.from(values), dims);
  }

  private constant(key: string, hint: string, data: () => TensorData, dims: number[]): string {
    let name = this.constants.get(key);
    if (!name) {
      name = this.weight(hint, data(), dims);
      this.constants.set(key, name);
    }
    return name;
  }

  /** Adds a node; returns its first output's name. `''` in `inputs` is an omitted optional input. */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, hint = op.toLowerCase()): string {
    return this.nodeN(op, inputs, 1, attrs, hint)[0];
  }

  /** Adds a node with `outputs` outputs; returns their names. */
  nodeN(op: string, inputs: string[], outputs: number, attrs: Record<string, Attr> = {}, hint = op.toLowerCase()): string[] {
    const out = Array.from({ length: outputs }, (_, i) => this.fresh(outputs === 1 ? hint : `${hint}_${i}`));
    this.nodes.push({
      op_type: op,
      name: this.fresh(`${hint}_node`),
      input: inputs,
      output: out,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /** The ModelProto of the graph built so far. */
  model(o: ModelOptions): ModelProto {
    return {
      ir_version: o.irVersion ?? 8,
      opset_import: [{ domain: '', version: o.opset }],
      producer_name: 'loom',
      producer_version: o.producerVersion ?? '',
      doc_string: o.docString,
      graph: { name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
      metadata_props: Object.entries(o.metadata ?? {}).map(([key, value]) => ({ key, value })),
    };
  }
}
