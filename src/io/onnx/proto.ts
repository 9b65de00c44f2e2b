/**
 * ONNX's protobuf messages, encoded and decoded by protobufjs from the official onnx.proto (vendored
 * beside this file, read through its JSON descriptor, descriptor.ts), so no byte of the format is
 * written by hand. Browser-safe: protobufjs/light needs no file access and no Node builtin.
 *
 *   const bytes = encodeModel(model);     // ModelProto as a plain object -> the .onnx file's bytes
 *   const back = decodeModel(bytes);      // and back (int64 fields as numbers, bytes as Uint8Array)
 */
import protobuf from 'protobufjs/light.js';
import { ONNX_DESCRIPTOR } from './descriptor.js';

/** TensorProto.DataType values used by Loom's exports. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9 } as const;
/** AttributeProto.AttributeType values. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** A TensorProto: dims, data type and the little-endian bytes of its values. */
export interface TensorProto {
  name?: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  /** A subgraph (the body of Loop, If, Scan). */
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
}

export interface NodeProto {
  op_type: string;
  name: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
  domain?: string;
}

/** A dimension: a fixed size, or a named symbolic one (`batch`, `time`). */
export type Dim = number | string;

export interface ValueInfoProto {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: ({ dim_value: number } | { dim_param: string })[] } } };
}

export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  doc_string?: string;
}

export interface ModelProto {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  producer_version: string;
  doc_string?: string;
  graph: GraphProto;
  metadata_props: { key: string; value: string }[];
}

let root: protobuf.Root | null = null;
function modelType(): protobuf.Type {
  root ??= protobuf.Root.fromJSON(ONNX_DESCRIPTOR as unknown as protobuf.INamespace);
  return root.lookupType('onnx.ModelProto');
}

/** The bytes of an .onnx file holding `model`. Throws when a field does not fit onnx.proto. */
export function encodeModel(model: ModelProto): Uint8Array {
  const type = modelType();
  const problem = type.verify(model);
  if (problem) throw new Error(`ONNX ModelProto: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}

/** An .onnx file's ModelProto as a plain object (int64 as numbers, bytes as Uint8Array). */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const type = modelType();
  return type.toObject(type.decode(bytes), { longs: Number, bytes: Uint8Array as never, defaults: false, arrays: true }) as ModelProto;
}

/** A value's type: a tensor of `elemType` with the given dims. */
export function tensorValueInfo(name: string, elemType: number, dims: Dim[]): ValueInfoProto {
  return {
    name,
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
  };
}
