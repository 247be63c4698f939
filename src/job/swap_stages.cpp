#include "job/swap_stages.h"

#include "media/image_io.h"
#include "pipeline/source_frame.h"

namespace facefuse::job {

Result<PreparedSwap> PrepareSwap(const pipeline::FaceSwapConfig& config,
                                 const std::vector<std::filesystem::path>& sources, std::vector<cv::Mat> images,
                                 const std::filesystem::path& reference, Job& job, JobContext& context) {
  PreparedSwap prepared;
  {
    StageScope stage("model_load", job, context);
    // The swapper's file stem, as the detect job's detector; "classical" for the built-in swapper (no file).
    stage.set_model(config.swapper_model.empty() ? config.swapper : config.swapper_model.stem().string());
    FF_ASSIGN_OR_RETURN(prepared.engine, pipeline::FaceSwapEngine::Open(config));
  }
  StageScope stage("detect", job, context);
  std::vector<std::string> names;
  for (const auto& s : sources) names.push_back(s.string());
  FF_RETURN_IF_ERROR(pipeline::ResolveVideoSources(*prepared.engine, sources, images));
  FF_ASSIGN_OR_RETURN(prepared.identity, prepared.engine->LearnIdentity(images, names, "source"));
  if (!reference.empty()) {
    FF_ASSIGN_OR_RETURN(cv::Mat reference_image, media::LoadImageBgr(reference));
    FF_ASSIGN_OR_RETURN(pipeline::Identity identity,
                        prepared.engine->LearnIdentity({reference_image}, {reference.string()}, "reference"));
    prepared.engine->SetReference(identity);
  }
  return prepared;
}

}  // namespace facefuse::job
