#include "face/model.h"

namespace facefuse::face {
namespace {

bool FixedAndDifferent(int64_t dim, int64_t want) { return want > 0 && dim > 0 && dim != want; }

}  // namespace

Status CheckInputContract(const Session& session, const InputContract& contract) {
  const size_t inputs = session.inputs().size(), outputs = session.outputs().size();
  auto refuse = [&] {
    return InvalidArgument(contract.refusal ? contract.refusal(inputs, outputs) : "the model breaks its contract");
  };
  if (inputs < contract.min_inputs || inputs > contract.max_inputs || outputs < contract.min_outputs) return refuse();
  if (inputs == 0) return Status::Ok();
  const TensorInfo& image = session.inputs()[0];
  if (!image.has_shape) return Status::Ok();
  const bool rank4 = image.dims.size() == 4;
  if (contract.nchw && (!rank4 || (contract.channels > 0 && image.dims[1] != contract.channels))) return refuse();
  if (!rank4) return Status::Ok();
  const int64_t height = image.dims[2], width = image.dims[3];
  if (!FixedAndDifferent(height, contract.height) && !FixedAndDifferent(width, contract.width)) return Status::Ok();
  if (contract.size_refusal) return InvalidArgument(contract.size_refusal(height, width));
  return refuse();
}

InputContract SquareImageContract(const std::filesystem::path& model, int size, size_t min_outputs,
                                  const std::string& refusal) {
  InputContract contract;
  contract.min_inputs = contract.max_inputs = 1;
  contract.min_outputs = min_outputs;
  contract.nchw = true;
  contract.channels = 3;
  contract.height = size;
  contract.refusal = [text = model.string() + " " + refusal](size_t, size_t) { return text; };
  return contract;
}

Result<std::unique_ptr<Session>> OpenFaceModel(const std::filesystem::path& model, const ModelOptions& options,
                                               const InputContract& contract) {
  SessionOptions session_options;
  session_options.threads = options.threads;
  session_options.memory_budget = options.memory_budget;
  session_options.plan_cache_dir = options.plan_cache_dir;
  FF_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::Open(model, session_options));
  FF_RETURN_IF_ERROR(CheckInputContract(*session, contract));
  return session;
}

}  // namespace facefuse::face
