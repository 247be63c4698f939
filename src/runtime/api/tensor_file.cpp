// include/facefuse/tensor_file.h over the ONNX loader.
#include "facefuse/tensor_file.h"

#include "runtime/loader/onnx_loader.h"

namespace facefuse {

Result<Tensor> ReadTensorFile(const std::filesystem::path& path, std::string* name) {
  return rt::ReadTensorProtoFile(path, name);
}

Status WriteTensorFile(const std::filesystem::path& path, const Tensor& t, const std::string& name) {
  return rt::WriteTensorProtoFile(path, t, name);
}

Result<Tensor> ReadLastInitializer(const std::filesystem::path& model, std::string* name) {
  return rt::ReadLastInitializer(model, name);
}

}  // namespace facefuse
