// ONNX Runtime's start-up on one model, in this fresh process: InferenceSession.create, then the first run on
// <set>/input_N.pb. Prints {"create_ms", "first_run_ms", "first_result_ms"} as JSON.
//
//   node bench/ort_startup.mjs <model_dir> <set_dir> --ort <npm prefix> [--threads T]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

function usage(msg) {
  console.error(`${msg}\nusage: node ort_startup.mjs <model_dir> <set_dir> --ort <npm prefix> [--threads T]`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const positional = [];
let prefix = null;
let threads = 0;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--ort') prefix = argv[++i];
  else if (argv[i] === '--threads') threads = parseInt(argv[++i], 10);
  else positional.push(argv[i]);
}
if (positional.length !== 2 || !prefix) usage('a model folder, a test_data_set folder and --ort are required');
const [modelDir, setDir] = positional;

// The TensorProto fields the fixtures use: dims (1), data_type (2), float_data (4), int64_data (7), name (8),
// raw_data (9). Float32 and int64 only.
function readVarint(buf, pos) {
  let value = 0n, shift = 0n, byte;
  do {
    byte = buf[pos++];
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
  } while (byte & 0x80);
  return [value, pos];
}

function readTensor(file) {
  const buf = fs.readFileSync(file);
  const t = { dims: [], type: 0, name: '', floats: [], ints: [], raw: null };
  let pos = 0;
  while (pos < buf.length) {
    let key;
    [key, pos] = readVarint(buf, pos);
    const field = Number(key >> 3n), wire = Number(key & 7n);
    if (wire === 0) {
      let v;
      [v, pos] = readVarint(buf, pos);
      if (field === 1) t.dims.push(Number(v));
      else if (field === 2) t.type = Number(v);
      else if (field === 7) t.ints.push(BigInt.asIntN(64, v));
    } else if (wire === 2) {
      let len;
      [len, pos] = readVarint(buf, pos);
      const bytes = buf.subarray(pos, pos + Number(len));
      pos += Number(len);
      if (field === 1) for (let p = 0; p < bytes.length;) { let v; [v, p] = readVarint(bytes, p); t.dims.push(Number(v)); }
      else if (field === 4) for (let p = 0; p < bytes.length; p += 4) t.floats.push(bytes.readFloatLE(p));
      else if (field === 7) for (let p = 0; p < bytes.length;) { let v; [v, p] = readVarint(bytes, p); t.ints.push(BigInt.asIntN(64, v)); }
      else if (field === 8) t.name = bytes.toString('utf8');
      else if (field === 9) t.raw = Buffer.from(bytes);
    } else if (wire === 5) {
      if (field === 4) t.floats.push(buf.readFloatLE(pos));
      pos += 4;
    } else if (wire === 1) {
      pos += 8;
    } else {
      usage(`${file}: unsupported protobuf wire type ${wire}`);
    }
  }
  if (t.type === 1) {
    const data = t.raw ? new Float32Array(t.raw.buffer, t.raw.byteOffset, t.raw.length / 4) : Float32Array.from(t.floats);
    return { name: t.name, type: 'float32', dims: t.dims, data };
  }
  if (t.type === 7) {
    const data = t.raw ? new BigInt64Array(t.raw.buffer.slice(t.raw.byteOffset, t.raw.byteOffset + t.raw.length))
                       : BigInt64Array.from(t.ints);
    return { name: t.name, type: 'int64', dims: t.dims, data };
  }
  usage(`${file}: data type ${t.type} is not float32 or int64`);
}

const ort = createRequire(path.join(path.resolve(prefix), 'index.js'))('onnxruntime-node');
ort.env.logLevel = 'error';
const inputs = fs.readdirSync(setDir).filter(f => /^input_\d+\.pb$/.test(f))
  .sort((a, b) => parseInt(a.slice(6), 10) - parseInt(b.slice(6), 10))
  .map(f => readTensor(path.join(setDir, f)));

const options = threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {};
const t0 = process.hrtime.bigint();
const session = await ort.InferenceSession.create(path.join(modelDir, 'model.onnx'), options);
const t1 = process.hrtime.bigint();
const feeds = {};
inputs.forEach((t, i) => { feeds[t.name || session.inputNames[i]] = new ort.Tensor(t.type, t.data, t.dims); });
const t2 = process.hrtime.bigint();
await session.run(feeds);
const t3 = process.hrtime.bigint();
const ms = (a, b) => Number(b - a) / 1e6;
console.log(JSON.stringify({ create_ms: ms(t0, t1), first_run_ms: ms(t2, t3), first_result_ms: ms(t0, t1) + ms(t2, t3) }));
