// RunInBatches: slices a stack of items into runs that fit, halving on OutOfMemory.
#include <algorithm>
#include <cstring>

#include "facefuse/runtime.h"

namespace facefuse {
namespace {

// Items [begin, begin + count) of a stacked tensor, as a view of its bytes.
Tensor SliceItems(const Tensor& t, int64_t begin, int64_t count) {
  Shape shape = t.shape();
  const size_t item_bytes = t.dim(0) == 0 ? 0 : t.bytes() / static_cast<size_t>(t.dim(0));
  shape[0] = count;
  auto* base = static_cast<std::byte*>(const_cast<void*>(t.raw()));
  return Tensor::View(t.dtype(), std::move(shape), base + static_cast<size_t>(begin) * item_bytes);
}

// Copies one run's outputs to rows [begin, begin + count) of the stacked
// outputs, allocating those on the first run.
Status Gather(std::vector<Tensor>& stacked, const std::vector<Tensor>& outputs, int64_t items, int64_t begin,
              int64_t count) {
  if (stacked.empty()) {
    for (const Tensor& o : outputs) {
      if (o.rank() == 0 || o.dim(0) != count)
        return InvalidArgument("RunInBatches: an output of shape " + ShapeToString(o.shape()) + " has no batch of " +
                               std::to_string(count) + " along dim 0");
      Shape shape = o.shape();
      shape[0] = items;
      FF_ASSIGN_OR_RETURN(Tensor t, Tensor::Allocate(o.dtype(), shape));
      stacked.push_back(std::move(t));
    }
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& o = outputs[i];
    Tensor& dst = stacked[i];
    Shape want = dst.shape();
    want[0] = count;
    if (o.dtype() != dst.dtype() || o.shape() != want)
      return InvalidArgument("RunInBatches: output " + std::to_string(i) + " changed from " +
                             ShapeToString(dst.shape()) + " to " + ShapeToString(o.shape()) + " between batches");
    const size_t item_bytes = items == 0 ? 0 : dst.bytes() / static_cast<size_t>(items);
    if (o.bytes() > 0)
      std::memcpy(static_cast<std::byte*>(dst.raw()) + static_cast<size_t>(begin) * item_bytes, o.raw(), o.bytes());
  }
  return Status::Ok();
}

}  // namespace

Result<BatchedOutputs> RunInBatches(Session& session, const std::vector<Tensor>& inputs, int max_batch) {
  if (inputs.empty()) return InvalidArgument("RunInBatches needs at least one input");
  if (max_batch < 1) return InvalidArgument("RunInBatches: max_batch must be at least 1");
  const int64_t items = inputs[0].rank() > 0 ? inputs[0].dim(0) : -1;
  for (const Tensor& t : inputs)
    if (t.rank() == 0 || t.dim(0) != items)
      return InvalidArgument("RunInBatches: every input needs the same item count along dim 0, got " +
                             ShapeToString(inputs[0].shape()) + " and " + ShapeToString(t.shape()));
  BatchedOutputs result;
  int64_t batch = std::min<int64_t>(max_batch, std::max<int64_t>(items, 1));
  std::vector<Tensor> slice(inputs.size());
  for (int64_t begin = 0; begin < items;) {
    const int64_t count = std::min(batch, items - begin);
    for (size_t i = 0; i < inputs.size(); ++i) slice[i] = SliceItems(inputs[i], begin, count);
    auto run = session.Run(slice);
    if (!run.ok()) {
      if (run.status().code() != StatusCode::kOutOfMemory) return run.status();
      if (count == 1)
        return run.status().WithContext("RunInBatches: a single item does not fit");
      batch = count / 2;
      ++result.halvings;
      continue;
    }
    FF_RETURN_IF_ERROR(Gather(result.outputs, *run, items, begin, count));
    ++result.runs;
    begin += count;
  }
  result.batch_size = static_cast<int>(batch);
  return result;
}

}  // namespace facefuse
