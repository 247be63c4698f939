#include "face/landmark/landmarker.h"

namespace facefuse::face {

Result<std::unique_ptr<FaceLandmarker>> OpenLandmarker(const std::string& name, const std::filesystem::path& model,
                                                       const LandmarkerOptions& options) {
  if (name == "2dfan4") return OpenFan68(model, options);
  if (name == "pfld_68") return OpenPfld68(model, options);
  if (name == "face_mesh") return OpenFaceMesh(model, options);
  return InvalidArgument("unknown landmarker '" + name + "' (known: 2dfan4, pfld_68, face_mesh)");
}

}  // namespace facefuse::face
