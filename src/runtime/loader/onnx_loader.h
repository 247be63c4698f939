// Reads ONNX models and tensors (libonnx's protobuf classes) into the IR.
//
// Handles opsets 7..18 of the default domain, initializers stored in raw_data
// or typed fields, external data files next to the model, graph inputs that
// are also initializers (treated as constants), and types inferred by ONNX's
// shape inference where it can. Never throws; every malformed input is an
// InvalidArgument that says what and where.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "common/env.h"
#include "facefuse/status.h"
#include "facefuse/tensor.h"
#include "runtime/ir/graph.h"

namespace facefuse::rt {

// Loads model.onnx; external data is resolved relative to its folder.
Result<Graph> LoadOnnxModel(const std::filesystem::path& path);
// Loads serialized ModelProto bytes; external data relative to base_dir (may be
// empty, in which case external data is an error), read through `env`
// (Env::Default() when null): a file that cannot be opened is NotFound, one
// that fails while read is IoError "reading PATH failed".
Result<Graph> LoadOnnxModelFromBytes(std::span<const uint8_t> bytes, const std::filesystem::path& base_dir,
                                     Env* env = nullptr);

// Reads a serialized onnx.TensorProto file (the backend-test .pb layout).
// Returns the tensor and, through `name`, its name field.
Result<Tensor> ReadTensorProtoFile(const std::filesystem::path& path, std::string* name = nullptr);

// Writes a tensor as a serialized onnx.TensorProto with raw_data.
Status WriteTensorProtoFile(const std::filesystem::path& path, const Tensor& t, const std::string& name);

// The graph's last initializer in file order (inswapper keeps its emap there;
// no node reads it). Returns it and, through `name`, its name. Errors: as
// LoadOnnxModel; NotFound when the graph has no initializer.
Result<Tensor> ReadLastInitializer(const std::filesystem::path& model, std::string* name = nullptr);

// Reads a whole file (common/read_file.h: checked before reading). Errors:
// NotFound, IoError (with the system's reason), InvalidArgument for a device,
// FIFO or socket, Unsupported for a file over protobuf's 2 GiB.
Result<std::string> ReadFileBytes(const std::filesystem::path& path);

}  // namespace facefuse::rt
