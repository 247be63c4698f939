#include "face/landmark/landmarker.h"

namespace facefuse::face {

Status CheckLandmarkerName(const std::string& name) {
  if (name == "2dfan4" || name == "pfld_68" || name == "face_mesh") return Status::Ok();
  return InvalidArgument("unknown landmarker '" + name + "' (known: 2dfan4, pfld_68, face_mesh)");
}

Result<std::unique_ptr<FaceLandmarker>> OpenLandmarker(const std::string& name, const std::filesystem::path& model,
                                                       const LandmarkerOptions& options) {
  FF_RETURN_IF_ERROR(CheckLandmarkerName(name));
  if (name == "2dfan4") return OpenFan68(model, options);
  if (name == "pfld_68") return OpenPfld68(model, options);
  return OpenFaceMesh(model, options);
}

}  // namespace facefuse::face
