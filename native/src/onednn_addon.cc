// oneDNN (fp32, NHWC) convolution and matrix multiply for tfjs-backend-wasm's training kernels,
// run directly on the wasm heap: JavaScript passes the heap's current ArrayBuffer and byte offsets.
// The heap may grow (and be replaced) between calls, so no pointer into it is ever kept here.
// Primitives are cached per shape; reordered weights are cached per (shape, filter tensor id) so a
// filter that is used twice (forward, then input gradient) is reordered once per value.
#include <napi.h>
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

engine &cpuEngine() {
  static engine e(engine::kind::cpu, 0);
  return e;
}

// Each worker thread (data-parallel replicas) has its own stream and caches: no locking on the hot path.
thread_local std::unique_ptr<stream> tlStream;
stream &cpuStream() {
  if (!tlStream) tlStream.reset(new stream(cpuEngine()));
  return *tlStream;
}

// Which oneDNN implementation each primitive kind dispatched to (for the environment report).
std::mutex implMutex;
std::map<std::string, std::set<std::string>> implSeen;
void noteImpl(const char *kind, const char *impl) {
  std::lock_guard<std::mutex> lock(implMutex);
  implSeen[kind].insert(impl);
}

// Geometry passed from JavaScript: n,h,w,ci,kh,kw,co,oh,ow,sh,sw,dh,dw,padT,padL,padB,padR.
struct Geom {
  memory::dim n, h, w, ci, kh, kw, co, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr;
};

Geom readGeom(const Napi::Int32Array &a) {
  if (a.ElementLength() != 17) throw std::runtime_error("conv geometry needs 17 integers");
  const int32_t *g = a.Data();
  return {g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15], g[16]};
}

std::vector<int64_t> geomKey(const Geom &g) {
  return {g.n, g.h, g.w, g.ci, g.kh, g.kw, g.co, g.oh, g.ow, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.pb, g.pr};
}

struct ConvDescs {
  memory::desc src, wAny, wUser, dst;
  memory::dims strides, dil, padL, padR;
};

ConvDescs convDescs(const Geom &g) {
  ConvDescs d;
  d.src = memory::desc({g.n, g.ci, g.h, g.w}, dt::f32, tag::nhwc);
  d.dst = memory::desc({g.n, g.co, g.oh, g.ow}, dt::f32, tag::nhwc);
  d.wAny = memory::desc({g.co, g.ci, g.kh, g.kw}, dt::f32, tag::any);
  // tfjs filters are [kh, kw, ci, co]: oneDNN's hwio.
  d.wUser = memory::desc({g.co, g.ci, g.kh, g.kw}, dt::f32, tag::hwio);
  d.strides = {g.sh, g.sw};
  d.dil = {g.dh - 1, g.dw - 1};
  d.padL = {g.pt, g.pl};
  d.padR = {g.pb, g.pr};
  return d;
}

convolution_forward::primitive_desc fwdPd(const ConvDescs &d) {
  convolution_forward::desc desc(prop_kind::forward_training, algorithm::convolution_direct, d.src, d.wAny, d.dst,
                                 d.strides, d.dil, d.padL, d.padR);
  return convolution_forward::primitive_desc(desc, cpuEngine());
}

/** Weights reordered into the layout a primitive chose, valid while the filter tensor id is the same. */
struct CachedWeights {
  memory mem;
  bool identity = false;  // the primitive takes the user layout: use the heap directly
  double filterId = -1;
  std::unique_ptr<reorder> toPrim;
  memory::desc primDesc;
};

void prepareWeights(CachedWeights &cw, const memory::desc &user, const memory::desc &prim) {
  cw.primDesc = prim;
  cw.identity = (user == prim);
  if (!cw.identity) {
    cw.mem = memory(prim, cpuEngine());
    cw.toPrim.reset(new reorder(memory(user, cpuEngine(), DNNL_MEMORY_NONE), cw.mem));
  }
}

/** Returns the weights memory to use: the heap itself, or the cached reordered copy (refreshed when the id changed). */
memory weightsFor(CachedWeights &cw, const memory::desc &user, void *ptr, double filterId) {
  memory heap(user, cpuEngine(), ptr);
  if (cw.identity) return heap;
  if (cw.filterId != filterId || filterId < 0) {
    cw.toPrim->execute(cpuStream(), {{DNNL_ARG_FROM, heap}, {DNNL_ARG_TO, cw.mem}});
    cw.filterId = filterId;
  }
  return cw.mem;
}

struct ConvFwd {
  convolution_forward::primitive_desc pd;
  convolution_forward prim;
  ConvDescs d;
  CachedWeights w;
};
struct ConvBwdData {
  convolution_backward_data::primitive_desc pd;
  convolution_backward_data prim;
  ConvDescs d;
  CachedWeights w;
};
struct ConvBwdWeights {
  convolution_backward_weights::primitive_desc pd;
  convolution_backward_weights prim;
  ConvDescs d;
  bool identity = false;
  memory diffW;  // the primitive's layout, reordered into the heap's hwio after each call
  std::unique_ptr<reorder> toUser;
  // Strided 1x1 convolutions without padding: x is subsampled (every sh-th row, sw-th column) into
  // subX and the gradient taken with stride 1. oneDNN 2.6's jit_1x1 avx512 backward-weights kernel
  // with stride > 1 ("reduce to unit stride") writes past its scratchpad when the input channels are
  // padded (ci < 16, e.g. 64x64x8 -> 32x32x16), corrupting the C heap; stride 1 never takes that path.
  bool subsample = false;
  // One image of the heap's x seen as [1, ci, oh, ow] with the stride's steps, copied image by image:
  // a whole-batch view of an odd-sized x would overlap its next image, which oneDNN refuses.
  memory::desc xView, subImage;
  memory subX;
  std::unique_ptr<reorder> toSubX;
};

thread_local std::map<std::vector<int64_t>, std::unique_ptr<ConvFwd>> fwdCache;
thread_local std::map<std::vector<int64_t>, std::unique_ptr<ConvBwdData>> bwdDataCache;
thread_local std::map<std::vector<int64_t>, std::unique_ptr<ConvBwdWeights>> bwdWeightsCache;

ConvFwd &getFwd(const Geom &g) {
  auto key = geomKey(g);
  auto it = fwdCache.find(key);
  if (it != fwdCache.end()) return *it->second;
  std::unique_ptr<ConvFwd> c(new ConvFwd());
  c->d = convDescs(g);
  c->pd = fwdPd(c->d);
  c->prim = convolution_forward(c->pd);
  prepareWeights(c->w, c->d.wUser, c->pd.weights_desc());
  noteImpl("conv2d", c->pd.impl_info_str());
  return *(fwdCache[key] = std::move(c));
}

ConvBwdData &getBwdData(const Geom &g) {
  auto key = geomKey(g);
  auto it = bwdDataCache.find(key);
  if (it != bwdDataCache.end()) return *it->second;
  std::unique_ptr<ConvBwdData> c(new ConvBwdData());
  c->d = convDescs(g);
  auto hint = fwdPd(c->d);
  convolution_backward_data::desc desc(algorithm::convolution_direct, c->d.src, c->d.wAny, c->d.dst, c->d.strides,
                                       c->d.dil, c->d.padL, c->d.padR);
  c->pd = convolution_backward_data::primitive_desc(desc, cpuEngine(), hint);
  c->prim = convolution_backward_data(c->pd);
  prepareWeights(c->w, c->d.wUser, c->pd.weights_desc());
  noteImpl("conv2dBackpropInput", c->pd.impl_info_str());
  return *(bwdDataCache[key] = std::move(c));
}

ConvBwdWeights &getBwdWeights(const Geom &g) {
  auto key = geomKey(g);
  auto it = bwdWeightsCache.find(key);
  if (it != bwdWeightsCache.end()) return *it->second;
  std::unique_ptr<ConvBwdWeights> c(new ConvBwdWeights());
  c->subsample = g.kh == 1 && g.kw == 1 && (g.sh > 1 || g.sw > 1) && g.pt == 0 && g.pl == 0 && g.pb == 0 && g.pr == 0;
  if (c->subsample) {
    Geom unit = g;
    unit.h = g.oh;
    unit.w = g.ow;
    unit.sh = unit.sw = 1;
    c->d = convDescs(unit);
    c->xView = memory::desc({1, g.ci, g.oh, g.ow}, dt::f32, memory::dims{g.oh * g.sh * g.w * g.ci, 1, g.sh * g.w * g.ci, g.sw * g.ci});
    c->subImage = memory::desc({1, g.ci, g.oh, g.ow}, dt::f32, tag::nhwc);
    c->subX = memory(c->d.src, cpuEngine());
    c->toSubX.reset(new reorder(memory(c->xView, cpuEngine(), DNNL_MEMORY_NONE), memory(c->subImage, cpuEngine(), DNNL_MEMORY_NONE)));
  } else {
    c->d = convDescs(g);
  }
  auto hint = fwdPd(c->d);
  convolution_backward_weights::desc desc(algorithm::convolution_direct, c->d.src, c->d.wAny, c->d.dst, c->d.strides,
                                          c->d.dil, c->d.padL, c->d.padR);
  c->pd = convolution_backward_weights::primitive_desc(desc, cpuEngine(), hint);
  c->prim = convolution_backward_weights(c->pd);
  c->identity = (c->pd.diff_weights_desc() == c->d.wUser);
  if (!c->identity) {
    c->diffW = memory(c->pd.diff_weights_desc(), cpuEngine());
    c->toUser.reset(new reorder(c->diffW, memory(c->d.wUser, cpuEngine(), DNNL_MEMORY_NONE)));
  }
  noteImpl("conv2dBackpropFilter", c->pd.impl_info_str());
  return *(bwdWeightsCache[key] = std::move(c));
}

/** Pointer into the heap for [offset, offset + bytes), checked against the buffer's length. */
uint8_t *heapAt(uint8_t *base, size_t len, double offset, size_t bytes, const char *what) {
  if (offset < 0 || static_cast<size_t>(offset) + bytes > len) {
    throw std::runtime_error(std::string(what) + " lies outside the wasm heap");
  }
  return base + static_cast<size_t>(offset);
}

// Runs a kernel body; a oneDNN or addon error becomes a JavaScript exception (the caller falls back to wasm).
template <typename Body> Napi::Value guarded(Napi::Env env, Body body) {
  try {
    body();
  } catch (const dnnl::error &e) {
    Napi::Error::New(env, std::string("oneDNN: ") + e.what() + " (status " + std::to_string(e.status) + ")").ThrowAsJavaScriptException();
  } catch (const std::exception &e) {
    Napi::Error::New(env, std::string("oneDNN addon: ") + e.what()).ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

size_t bytesOf(const memory::desc &d) { return d.get_size(); }

// conv(kind, heap, geom, offIn0, offIn1, offOut, filterId)
//   kind 0 forward:        in0 = x,  in1 = filter, out = y
//   kind 1 input gradient: in0 = dy, in1 = filter, out = dx
//   kind 2 filter gradient: in0 = x, in1 = dy,     out = dfilter
Napi::Value Conv(const Napi::CallbackInfo &info) {
  return guarded(info.Env(), [&] {
    int kind = info[0].As<Napi::Number>().Int32Value();
    Napi::ArrayBuffer heap = info[1].As<Napi::ArrayBuffer>();
    Geom g = readGeom(info[2].As<Napi::Int32Array>());
    double o0 = info[3].As<Napi::Number>().DoubleValue();
    double o1 = info[4].As<Napi::Number>().DoubleValue();
    double oo = info[5].As<Napi::Number>().DoubleValue();
    double filterId = info[6].As<Napi::Number>().DoubleValue();
    uint8_t *base = static_cast<uint8_t *>(heap.Data());
    size_t len = heap.ByteLength();
    stream &s = cpuStream();
    if (kind == 0) {
      ConvFwd &c = getFwd(g);
      memory src(c.d.src, cpuEngine(), heapAt(base, len, o0, bytesOf(c.d.src), "x"));
      memory w = weightsFor(c.w, c.d.wUser, heapAt(base, len, o1, bytesOf(c.d.wUser), "filter"), filterId);
      memory dst(c.d.dst, cpuEngine(), heapAt(base, len, oo, bytesOf(c.d.dst), "y"));
      c.prim.execute(s, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, dst}});
    } else if (kind == 1) {
      ConvBwdData &c = getBwdData(g);
      memory ddst(c.d.dst, cpuEngine(), heapAt(base, len, o0, bytesOf(c.d.dst), "dy"));
      memory w = weightsFor(c.w, c.d.wUser, heapAt(base, len, o1, bytesOf(c.d.wUser), "filter"), filterId);
      memory dsrc(c.d.src, cpuEngine(), heapAt(base, len, oo, bytesOf(c.d.src), "dx"));
      c.prim.execute(s, {{DNNL_ARG_DIFF_DST, ddst}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DIFF_SRC, dsrc}});
    } else if (kind == 2) {
      ConvBwdWeights &c = getBwdWeights(g);
      memory src;
      if (c.subsample) {
        memory::desc full({g.n, g.ci, g.h, g.w}, dt::f32, tag::nhwc);
        uint8_t *x = heapAt(base, len, o0, bytesOf(full), "x");
        uint8_t *sub = static_cast<uint8_t *>(c.subX.get_data_handle());
        const size_t inImage = g.h * g.w * g.ci * sizeof(float), outImage = g.oh * g.ow * g.ci * sizeof(float);
        for (memory::dim i = 0; i < g.n; i++) {
          memory view(c.xView, cpuEngine(), x + i * inImage);
          memory dense(c.subImage, cpuEngine(), sub + i * outImage);
          c.toSubX->execute(s, {{DNNL_ARG_FROM, view}, {DNNL_ARG_TO, dense}});
        }
        src = c.subX;
      } else {
        src = memory(c.d.src, cpuEngine(), heapAt(base, len, o0, bytesOf(c.d.src), "x"));
      }
      memory ddst(c.d.dst, cpuEngine(), heapAt(base, len, o1, bytesOf(c.d.dst), "dy"));
      memory user(c.d.wUser, cpuEngine(), heapAt(base, len, oo, bytesOf(c.d.wUser), "dfilter"));
      memory dw = c.identity ? user : c.diffW;
      c.prim.execute(s, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, ddst}, {DNNL_ARG_DIFF_WEIGHTS, dw}});
      if (!c.identity) c.toUser->execute(s, {{DNNL_ARG_FROM, c.diffW}, {DNNL_ARG_TO, user}});
    } else {
      throw std::runtime_error("unknown convolution kind");
    }
    s.wait();
  });
}

struct MatMul {
  matmul::primitive_desc pd;
  matmul prim;
  memory::desc a, b, c;
};
thread_local std::map<std::vector<int64_t>, std::unique_ptr<MatMul>> matmulCache;

// matmul(heap, dims [batchA, batchB, M, K, N, transposeA, transposeB], offA, offB, offC)
// A is [batchA, M, K] (stored [batchA, K, M] when transposed), B likewise; C is [max batch, M, N].
Napi::Value MatMulFn(const Napi::CallbackInfo &info) {
  return guarded(info.Env(), [&] {
    Napi::ArrayBuffer heap = info[0].As<Napi::ArrayBuffer>();
    Napi::Int32Array dims = info[1].As<Napi::Int32Array>();
    if (dims.ElementLength() != 7) throw std::runtime_error("matmul needs 7 integers");
    const int32_t *d = dims.Data();
    memory::dim ba = d[0], bb = d[1], M = d[2], K = d[3], N = d[4];
    bool ta = d[5] != 0, tb = d[6] != 0;
    if ((ba != bb && ba != 1 && bb != 1) || ba < 1 || bb < 1) throw std::runtime_error("batch dimensions do not broadcast");
    std::vector<int64_t> key = {ba, bb, M, K, N, ta, tb};
    auto it = matmulCache.find(key);
    if (it == matmulCache.end()) {
      std::unique_ptr<MatMul> m(new MatMul());
      m->a = ta ? memory::desc({ba, M, K}, dt::f32, memory::dims{M * K, 1, M}) : memory::desc({ba, M, K}, dt::f32, memory::dims{M * K, K, 1});
      m->b = tb ? memory::desc({bb, K, N}, dt::f32, memory::dims{K * N, 1, K}) : memory::desc({bb, K, N}, dt::f32, memory::dims{K * N, N, 1});
      memory::dim bc = ba > bb ? ba : bb;
      m->c = memory::desc({bc, M, N}, dt::f32, tag::abc);
      m->pd = matmul::primitive_desc(matmul::desc(m->a, m->b, m->c), cpuEngine());
      m->prim = matmul(m->pd);
      noteImpl("matMul", m->pd.impl_info_str());
      it = matmulCache.emplace(key, std::move(m)).first;
    }
    MatMul &m = *it->second;
    uint8_t *base = static_cast<uint8_t *>(heap.Data());
    size_t len = heap.ByteLength();
    memory A(m.a, cpuEngine(), heapAt(base, len, info[2].As<Napi::Number>().DoubleValue(), m.a.get_size(), "a"));
    memory B(m.b, cpuEngine(), heapAt(base, len, info[3].As<Napi::Number>().DoubleValue(), m.b.get_size(), "b"));
    memory C(m.c, cpuEngine(), heapAt(base, len, info[4].As<Napi::Number>().DoubleValue(), m.c.get_size(), "c"));
    stream &s = cpuStream();
    m.prim.execute(s, {{DNNL_ARG_SRC, A}, {DNNL_ARG_WEIGHTS, B}, {DNNL_ARG_DST, C}});
    s.wait();
  });
}

// Max-pool gradient: oneDNN's backward pass needs the forward pass's workspace (argmax positions), so
// the forward pass runs again on x into a scratch output; both are cheap next to tfjs's own loop.
struct MaxPoolBwd {
  pooling_forward::primitive_desc fpd;
  pooling_forward fwd;
  pooling_backward::primitive_desc bpd;
  pooling_backward bwd;
  memory::desc src, dst;
  memory ws, scratchDst;
};
thread_local std::map<std::vector<int64_t>, std::unique_ptr<MaxPoolBwd>> maxPoolCache;

// maxPoolGrad(heap, geom [n,h,w,c,kh,kw,oh,ow,sh,sw,pt,pl,pb,pr], offX, offDy, offDx)
Napi::Value MaxPoolGrad(const Napi::CallbackInfo &info) {
  return guarded(info.Env(), [&] {
    Napi::ArrayBuffer heap = info[0].As<Napi::ArrayBuffer>();
    Napi::Int32Array ga = info[1].As<Napi::Int32Array>();
    if (ga.ElementLength() != 14) throw std::runtime_error("pool geometry needs 14 integers");
    const int32_t *g = ga.Data();
    std::vector<int64_t> key(g, g + 14);
    auto it = maxPoolCache.find(key);
    if (it == maxPoolCache.end()) {
      std::unique_ptr<MaxPoolBwd> m(new MaxPoolBwd());
      m->src = memory::desc({g[0], g[3], g[1], g[2]}, dt::f32, tag::nhwc);
      m->dst = memory::desc({g[0], g[3], g[6], g[7]}, dt::f32, tag::nhwc);
      memory::dims strides = {g[8], g[9]}, kernel = {g[4], g[5]}, padL = {g[10], g[11]}, padR = {g[12], g[13]};
      pooling_forward::desc fd(prop_kind::forward_training, algorithm::pooling_max, m->src, m->dst, strides, kernel, padL, padR);
      m->fpd = pooling_forward::primitive_desc(fd, cpuEngine());
      pooling_backward::desc bd(algorithm::pooling_max, m->src, m->dst, strides, kernel, padL, padR);
      m->bpd = pooling_backward::primitive_desc(bd, cpuEngine(), m->fpd);
      m->fwd = pooling_forward(m->fpd);
      m->bwd = pooling_backward(m->bpd);
      m->ws = memory(m->fpd.workspace_desc(), cpuEngine());
      m->scratchDst = memory(m->dst, cpuEngine());
      noteImpl("maxPoolGrad", m->bpd.impl_info_str());
      it = maxPoolCache.emplace(key, std::move(m)).first;
    }
    MaxPoolBwd &m = *it->second;
    uint8_t *base = static_cast<uint8_t *>(heap.Data());
    size_t len = heap.ByteLength();
    memory x(m.src, cpuEngine(), heapAt(base, len, info[2].As<Napi::Number>().DoubleValue(), m.src.get_size(), "x"));
    memory dy(m.dst, cpuEngine(), heapAt(base, len, info[3].As<Napi::Number>().DoubleValue(), m.dst.get_size(), "dy"));
    memory dx(m.src, cpuEngine(), heapAt(base, len, info[4].As<Napi::Number>().DoubleValue(), m.src.get_size(), "dx"));
    stream &s = cpuStream();
    m.fwd.execute(s, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, m.scratchDst}, {DNNL_ARG_WORKSPACE, m.ws}});
    m.bwd.execute(s, {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_WORKSPACE, m.ws}, {DNNL_ARG_DIFF_SRC, dx}});
    s.wait();
  });
}

const char *isaName(cpu_isa isa) {
  switch (isa) {
    case cpu_isa::sse41: return "sse41";
    case cpu_isa::avx: return "avx";
    case cpu_isa::avx2: return "avx2";
    case cpu_isa::avx2_vnni: return "avx2_vnni";
    case cpu_isa::avx512_mic: return "avx512_mic";
    case cpu_isa::avx512_mic_4ops: return "avx512_mic_4ops";
    case cpu_isa::avx512_core: return "avx512_core";
    case cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "all";
  }
}

// info() -> { version, isa, threads, impls: { kind: [impl, ...] } }
Napi::Value Info(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  const dnnl_version_t *v = dnnl_version();
  o.Set("version", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
  o.Set("isa", isaName(get_effective_cpu_isa()));
  o.Set("threads", omp_get_max_threads());
  Napi::Object impls = Napi::Object::New(env);
  {
    std::lock_guard<std::mutex> lock(implMutex);
    for (auto &kv : implSeen) {
      Napi::Array arr = Napi::Array::New(env, kv.second.size());
      uint32_t i = 0;
      for (auto &name : kv.second) arr.Set(i++, name);
      impls.Set(kv.first, arr);
    }
  }
  o.Set("impls", impls);
  return o;
}

// setThreads(n): oneDNN's OpenMP threads for the calling JavaScript thread's calls.
Napi::Value SetThreads(const Napi::CallbackInfo &info) {
  int n = info[0].As<Napi::Number>().Int32Value();
  if (n > 0) omp_set_num_threads(n);
  return Napi::Number::New(info.Env(), omp_get_max_threads());
}

// clearCache(): drops this thread's primitives and reordered weights (tests; memory after a model change).
Napi::Value ClearCache(const Napi::CallbackInfo &info) {
  fwdCache.clear();
  bwdDataCache.clear();
  bwdWeightsCache.clear();
  matmulCache.clear();
  maxPoolCache.clear();
  return info.Env().Undefined();
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("conv", Napi::Function::New(env, Conv));
  exports.Set("matmul", Napi::Function::New(env, MatMulFn));
  exports.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGrad));
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("clearCache", Napi::Function::New(env, ClearCache));
  return exports;
}

NODE_API_MODULE(medssl_onednn, Init)
