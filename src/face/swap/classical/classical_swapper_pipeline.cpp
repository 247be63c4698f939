// ClassicalSwapper: the bundled Face Mesh in front of SwapFaceClassical, on
// faces the caller detected.
#include "face/swap/classical/classical_swapper.h"

namespace facefuse::face {

Result<std::unique_ptr<ClassicalSwapper>> ClassicalSwapper::Open(const ClassicalSwapperOptions& options) {
  FF_ASSIGN_OR_RETURN(std::unique_ptr<FaceLandmarker> mesh, OpenFaceMesh(options.mesh_model, options));
  return std::unique_ptr<ClassicalSwapper>(new ClassicalSwapper(std::move(mesh), options));
}

Result<SourceFace> ClassicalSwapper::PrepareSource(const cv::Mat& source_bgr, const DetectedFace& face) {
  if (source_bgr.empty() || source_bgr.type() != CV_8UC3)
    return InvalidArgument("the source image must be a non-empty 8-bit BGR image");
  SourceFace source;
  source.image = source_bgr;
  source.face = face;
  FF_ASSIGN_OR_RETURN(source.mesh, mesh_->Detect(source_bgr, source.face));
  if (source.mesh.score < options_.min_presence)
    return NotFound("the source face's mesh is unreliable (presence " + std::to_string(source.mesh.score) + ")");
  return source;
}

Result<cv::Mat> ClassicalSwapper::Swap(const SourceFace& source, const cv::Mat& target_bgr,
                                       const std::vector<DetectedFace>& target_faces) {
  if (target_bgr.empty() || target_bgr.type() != CV_8UC3)
    return InvalidArgument("the target image must be a non-empty 8-bit BGR image");
  if (target_faces.empty()) return NotFound("no face found in the target image");
  // Meshes come from the original target, so one swapped face never disturbs
  // the landmarks of the next.
  cv::Mat result = target_bgr.clone();
  for (const DetectedFace& face : target_faces) {
    FaceLandmarks mesh;
    if (face.landmarks.size() == 468) {  // the caller's landmarker already ran the mesh on this face
      mesh.points = face.landmarks;
      mesh.score = 1;
    } else {
      FF_ASSIGN_OR_RETURN(mesh, mesh_->Detect(target_bgr, face));
      if (mesh.score < options_.min_presence) continue;
    }
    FF_ASSIGN_OR_RETURN(result, SwapFaceClassical(source.image, source.mesh, result, mesh, options_.swap));
  }
  return result;
}

}  // namespace facefuse::face
