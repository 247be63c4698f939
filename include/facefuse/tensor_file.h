// facefuse: tensors read from files in ONNX's own formats, for tools that check or benchmark models.
//
// A tensor file is one serialized onnx.TensorProto (the layout of the ONNX backend tests' input_N.pb and
// output_N.pb). A model's initializers can be read straight from its .onnx file without opening a Session.
//
// Never throws and never aborts on a malformed file: every error is a Status that names the file.
// Thread safety: every function is thread-safe (no shared state).
#pragma once

#include <filesystem>
#include <string>

#include "facefuse/status.h"
#include "facefuse/tensor.h"

namespace facefuse {

// Reads the serialized onnx.TensorProto at `path`. Returns the tensor (owning its data) and, through `name` when
// not nullptr, the proto's name field. Errors, each naming the file: NotFound; IoError with the system's reason;
// InvalidArgument for a directory, device, FIFO or socket, a file that is not a serialized TensorProto, or data
// that does not match its dims; Unsupported for a dtype facefuse does not store, segments, or a file over 2 GiB.
Result<Tensor> ReadTensorFile(const std::filesystem::path& path, std::string* name = nullptr);

// Writes `t` (a host tensor) to `path` as a serialized onnx.TensorProto named `name`, its data as raw_data.
// Errors: IoError when the file cannot be written.
Status WriteTensorFile(const std::filesystem::path& path, const Tensor& t, const std::string& name);

// The last initializer, in file order, of the model at `model` (inswapper keeps its emap there; no node reads it).
// Returns it (owning its data) and, through `name` when not nullptr, its name. Errors: as ReadTensorFile for the
// file itself, InvalidArgument "MODEL is not a serialized ONNX model", NotFound when the graph has no initializer.
Result<Tensor> ReadLastInitializer(const std::filesystem::path& model, std::string* name = nullptr);

}  // namespace facefuse
