// facefuse's ONNX inference runtime: load a model once, run it many times.
//
//   facefuse::SessionOptions opts;            // CPU provider, all cores
//   auto session = facefuse::Session::Open("det.onnx", opts);
//   if (!session.ok()) { report(session.status()); }
//   auto outputs = (*session)->Run({image_tensor});
//
// Errors never escape as exceptions and bad models or inputs never abort:
// Open reports an unsupported op, attribute or dtype naming the node; Run
// reports a missing input or a wrong name, dtype or shape.
//
// Thread safety: a Session may be shared between threads; Run calls on one
// Session are serialised internally (open one Session per worker for
// parallelism).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "facefuse/memory_budget.h"
#include "facefuse/status.h"
#include "facefuse/tensor.h"

namespace facefuse {

struct SessionOptions {
  // Kernel threads; 0 means all cores. Open refuses a negative count or more than 4x the cores (InvalidArgument).
  int threads = 0;
  // A registered execution provider (RegisteredProviders()): "cpu" (oneDNN +
  // own kernels, reference fallback) or "reference" (plain kernels only, for
  // checking). Open refuses another name (InvalidArgument listing the known).
  std::string provider = "cpu";
  // Run graph optimisation passes (constant folding, fusions, dead nodes).
  // Not an option: a model that computes in float16 is always lowered to
  // compute in float32 before validation, keeping its float16 inputs and
  // outputs (inputs()/outputs() report them; feed and read float16 there).
  bool optimize = true;
  // With optimize and the "cpu" provider: run 2-D convolutions, and the ops
  // between them, on channels-last (NHWC) activations, changing the layout
  // only where the graph needs NCHW. false keeps every activation NCHW (for
  // comparisons); results agree to float rounding either way.
  bool channels_last = true;
  // When set, receives one line per change an optimisation pass (or the
  // float16 lowering) made.
  std::function<void(std::string_view)> debug_log;
  // Largest tensor one node may produce. A node whose inferred output is
  // larger fails the run with OutOfMemory before any memory is touched (a
  // corrupt model can ask for terabytes).
  uint64_t max_tensor_bytes = uint64_t{16} << 30;
  // When set, the session's memory is admitted against this budget (usually
  // shared by every session of a job or worker): its weights for as long as
  // it is open (Open fails with OutOfMemory when they do not fit), its
  // activation arena for as long as it is open, and every tensor a run
  // allocates outside the arena (outputs included) for as long as that
  // tensor lives. Kernels' private scratch memory is not counted. A run that
  // does not fit fails with OutOfMemory and leaves the session usable.
  std::shared_ptr<MemoryBudget> memory_budget;
  // How long a run waits for other sessions to release budget before it
  // fails; 0 fails at once. Use it when several workers share one budget.
  std::chrono::milliseconds memory_wait{0};
  // Time every node's kernel on every run; read the totals with
  // Session::profile(). Costs two clock reads per node.
  bool profile = false;
  // A folder for the kernels' timed plan choices (which layout a convolution
  // of a given shape ran fastest in on this CPU, with these threads), kept
  // between processes like an engine cache; empty: none. Open reads
  // FOLDER/plan-choices.tsv (a damaged file, or one from another facefuse
  // version, is ignored), and the first run of each set of input shapes
  // rewrites it when a kernel timed something new. A failed write is ignored.
  // Without a folder the choices are kept for the session only.
  std::filesystem::path plan_cache_dir;
  // Time the kernels' candidate plans on the first run of each shape (a large
  // convolution's layouts, Winograd) and keep the fastest. false takes each
  // kernel's default plan untimed and neither reads nor writes the plan
  // cache: the shortest start-up, at the cost of the plan a timing would pick.
  bool time_plans = true;
};

// Where one node's time went, summed over the runs profiled so far.
struct NodeProfile {
  std::string node;      // the node's name after optimisation ("" when the model gave none)
  std::string op_type;   // "FusedConv" for a fused node
  std::string provider;  // "cpu" or "reference"; "copy" for a copy between devices
  std::string shapes;    // its input shapes on the last run, e.g. "[1,3,640,640] [16,3,3,3] [16]"
  double seconds = 0;    // in the kernel (Compute), over all runs
};

// A profiled session's totals since it opened or since ResetProfile().
struct SessionProfile {
  uint64_t runs = 0;
  double run_seconds = 0;          // whole Run calls, checks and allocation included
  std::vector<NodeProfile> nodes;  // in execution order
};

// A graph input or output as declared by the model; -1 for a dynamic dim.
struct TensorInfo {
  std::string name;
  DataType dtype = DataType::kUndefined;
  std::vector<int64_t> dims;
  bool has_shape = false;
};

struct SessionStats {
  size_t weight_bytes = 0;            // initializers after optimisation
  size_t peak_activation_bytes = 0;   // largest planned intermediate arena so far
  size_t nodes = 0;                   // nodes after optimisation
  size_t nodes_in_model = 0;          // nodes as loaded
  std::vector<std::pair<std::string, size_t>> kernels_by_provider;  // provider name, node count
  size_t plan_cache_hits = 0;         // plan choices the plan cache gave and the kernels used (another node's, or
                                      // the folder's)
  size_t plans_timed = 0;             // plan choices the kernels timed
  std::string plan_cache_error;       // why SessionOptions::plan_cache_dir could not be written; "" when it could
  int threads = 0;                    // kernel threads: SessionOptions::threads, or the cores for 0
};

class Session {
 public:
  // Loads and prepares a model. Errors: NotFound, InvalidArgument (malformed
  // model, cycle, bad initializer), Unsupported (op/attribute/dtype, naming the
  // node).
  static Result<std::unique_ptr<Session>> Open(const std::filesystem::path& model, const SessionOptions& options);
  // The same from serialized bytes; external data resolves against base_dir.
  static Result<std::unique_ptr<Session>> OpenFromBytes(std::span<const uint8_t> bytes,
                                                        const std::filesystem::path& base_dir,
                                                        const SessionOptions& options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::vector<TensorInfo>& inputs() const;
  const std::vector<TensorInfo>& outputs() const;

  // Runs with inputs in graph-input order. Returns outputs in graph-output
  // order; each output owns its data.
  Result<std::vector<Tensor>> Run(const std::vector<Tensor>& inputs);
  // Runs with inputs by name (any order); every graph input must be given.
  Result<std::vector<Tensor>> Run(const std::vector<std::pair<std::string, Tensor>>& named_inputs);

  SessionStats stats() const;
  // The totals of a session opened with SessionOptions::profile (empty
  // otherwise); ResetProfile starts them again, e.g. after warm-up runs.
  SessionProfile profile() const;
  void ResetProfile();

 private:
  struct Impl;
  explicit Session(std::unique_ptr<Impl> impl);
  // Open and OpenFromBytes: checks `options`, has `load` fill in the graph (whatever load holds is freed before
  // the kernels prepack the weights), then prepares the session.
  static Result<std::unique_ptr<Session>> OpenWith(const SessionOptions& options,
                                                   const std::function<Status(Impl&)>& load);
  std::unique_ptr<Impl> impl_;
};

// The execution providers SessionOptions::provider may name, in registration
// order ("cpu", "reference", then any added at run time). Thread-safe.
std::vector<std::string> RegisteredProviders();

// What RunInBatches produced.
struct BatchedOutputs {
  std::vector<Tensor> outputs;  // graph-output order, the batches concatenated along dim 0
  int batch_size = 0;           // items per run after any halving: a good max_batch for the next call
  int halvings = 0;             // times a batch was halved because it did not fit
  int runs = 0;                 // successful Session::Run calls
};

// Runs `session` over a stack of items: dim 0 of every input is the item
// count (the same in each) and the model must take a dynamic batch along it.
// Each run takes up to `max_batch` items; a run that fails with OutOfMemory
// (its memory budget or an allocation) is retried with half the batch, down
// to one item, and later runs keep the smaller size. Each output's dim 0 must
// be the batch size. The concatenated outputs are plain host tensors, not
// counted against the session's budget.
// Errors: InvalidArgument (no inputs, unequal item counts, max_batch < 1, an
// output without the batch along dim 0), OutOfMemory when a single item does
// not fit, or the first other error a run returns.
Result<BatchedOutputs> RunInBatches(Session& session, const std::vector<Tensor>& inputs, int max_batch);

}  // namespace facefuse
