// include/facefuse/tensor_file.h over the ONNX loader.
#include "facefuse/tensor_file.h"

#include "runtime/loader/onnx_loader.h"

namespace facefuse {

Result<Tensor> ReadTensorFile(const std::filesystem::path& path, std::string* name) {
  return rt::ReadTensorProtoFile(path, name);
}

Result<Tensor> ReadLastInitializer(const std::filesystem::path& model, std::string* name) {
  return rt::ReadLastInitializer(model, name);
}

}  // namespace facefuse
