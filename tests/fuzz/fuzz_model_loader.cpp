// libFuzzer target: arbitrary bytes as a serialized ONNX model.
//
// Feeds the bytes to Session::OpenFromBytes (no base folder, so external data is always refused and no file is
// read). When the model opens, runs it once on zero-filled inputs of the declared shapes: dynamic dims become 1,
// an input of unknown rank becomes a scalar, and runs whose inputs would exceed kMaxInputElements in total are
// skipped. Any error Status is fine; a crash, a sanitizer report, a hang or an escaped exception is a finding.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "facefuse/runtime.h"
#include "facefuse/status.h"
#include "facefuse/tensor.h"

namespace {

constexpr int64_t kMaxInputElements = int64_t{1} << 20;

// Zero-filled feeds for the session's declared inputs; false when they would be too large or cannot be built.
bool MakeZeroInputs(const facefuse::Session& session, std::vector<facefuse::Tensor>* feeds) {
  int64_t total = 0;
  for (const facefuse::TensorInfo& info : session.inputs()) {
    facefuse::Shape shape;
    int64_t count = 1;
    for (int64_t d : info.dims) {
      const int64_t dim = d < 0 ? 1 : d;
      if (dim != 0 && count > kMaxInputElements / dim) return false;
      count *= dim;
      shape.push_back(dim);
    }
    total += count;
    if (total > kMaxInputElements) return false;
    const facefuse::DataType dtype =
        info.dtype == facefuse::DataType::kUndefined ? facefuse::DataType::kFloat32 : info.dtype;
    auto tensor = facefuse::Tensor::Allocate(dtype, shape);  // zero-initialised
    if (!tensor.ok()) return false;
    feeds->push_back(std::move(tensor).value());
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  facefuse::SessionOptions options;
  options.threads = 1;
  // Small enough that no single node can spend the time budget filling memory under ASan (a fuzzed Pad to
  // 256 MB ran the element-wise reference kernel past the 10 s timeout); errors past it are OutOfMemory.
  options.max_tensor_bytes = uint64_t{16} << 20;
  auto session = facefuse::Session::OpenFromBytes(std::span<const uint8_t>(data, size), {}, options);
  if (!session.ok()) return 0;
  std::vector<facefuse::Tensor> feeds;
  if (!MakeZeroInputs(**session, &feeds)) return 0;
  auto outputs = (*session)->Run(feeds);
  if (outputs.ok()) {
    // Read the first and last byte of each output: a buffer smaller than its shape or already freed shows up
    // under ASan (reading all of a large output would only cost time).
    volatile uint8_t sink = 0;
    for (const facefuse::Tensor& t : *outputs) {
      const size_t bytes = t.bytes();
      if (bytes == 0) continue;
      const auto* data = static_cast<const uint8_t*>(t.raw());
      sink = sink ^ data[0] ^ data[bytes - 1];
    }
    (void)sink;
  }
  return 0;
}
