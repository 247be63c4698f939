// FaceSwapper (include/facefuse/face_swap.h): a resolved SwapPlan over a FaceSwapEngine.
#include "facefuse/face_swap.h"

#include "pipeline/face_swap_engine.h"
#include "pipeline/swap_plan.h"

namespace facefuse {

struct FaceSwapper::State {
  SwapRequest request;
  std::string swapper;
  std::vector<std::string> warnings;
  std::unique_ptr<pipeline::FaceSwapEngine> engine;
};

FaceSwapper::FaceSwapper(std::unique_ptr<State> state) : state_(std::move(state)) {}
FaceSwapper::~FaceSwapper() = default;

Result<std::unique_ptr<FaceSwapper>> FaceSwapper::Open(const SwapRequest& request) {
  auto state = std::make_unique<State>();
  state->request = request;
  FF_ASSIGN_OR_RETURN(pipeline::SwapPlan plan, pipeline::ResolveSwapPlan(request, &state->warnings));
  state->swapper = plan.config.swapper;
  FF_ASSIGN_OR_RETURN(state->engine, pipeline::FaceSwapEngine::Open(plan.config));
  return std::unique_ptr<FaceSwapper>(new FaceSwapper(std::move(state)));
}

const std::string& FaceSwapper::swapper() const { return state_->swapper; }

const std::vector<std::string>& FaceSwapper::warnings() const { return state_->warnings; }

Result<SwapOutcome> FaceSwapper::Swap(const SwapImages& images) {
  const SwapRequest& r = state_->request;
  pipeline::FaceSwapEngine& engine = *state_->engine;
  FF_ASSIGN_OR_RETURN(pipeline::Identity identity, engine.LearnIdentity(images.sources, r.sources, "source"));
  if (r.selector == "reference") {
    FF_ASSIGN_OR_RETURN(pipeline::Identity reference,
                        engine.LearnIdentity({images.reference}, {r.reference}, "reference"));
    engine.SetReference(reference);
  }
  SwapOutcome outcome;
  FF_ASSIGN_OR_RETURN(outcome.image, engine.Swap(images.target, identity, &outcome.faces_swapped, r.target));
  return outcome;
}

}  // namespace facefuse
