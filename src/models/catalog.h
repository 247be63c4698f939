// The model catalog: every model facefuse knows by name, as data in code.
//
// An entry says what the model is (kind, contract), which file it is (file
// name, size, sha256), where it comes from (download URLs, licence) and
// whether it ships with facefuse (bundled: in the repository's models/).
//
// Sizes and hashes are pinned only where a reliable public source (or our own
// copy of the file) establishes them; elsewhere they are 0 / empty ("not
// pinned") and tools must say so instead of trusting the file. catalog.cpp
// records, per entry, where each pinned value comes from.
//
// Thread safety: the catalog is immutable static data; every function here
// may be called from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace facefuse::models {

// kConverter: an identity converter a swapper contract feeds the ArcFace
// embedding through (crossface_simswap for simswap).
enum class ModelKind { kDetector, kLandmarker, kRecognizer, kSwapper, kConverter, kEnhancer, kMask };

// "detector", "landmarker", "recognizer", "swapper", "converter", "enhancer", "mask".
std::string_view ModelKindName(ModelKind kind);

struct ModelEntry {
  std::string_view name;  // catalog name (FaceFusion naming), e.g. "inswapper_128"
  ModelKind kind;
  std::string_view file_name;   // file name in a models directory, e.g. "inswapper_128.onnx"
  uint64_t size_bytes;          // 0: not pinned
  std::string_view sha256;      // 64 lower-case hex digits; empty: not pinned
  std::string_view licence;     // short licence note; read the upstream terms before use
  std::string_view url;         // primary download URL (https)
  std::string_view mirror_url;  // second URL with the same file; may be empty
  // Non-empty: `url` is an archive (zip/tgz) that holds the model as this
  // member; facefuse does not unpack archives, so the model cannot be fetched
  // with `facefuse models download` and the user extracts it by hand.
  std::string_view archive_member;
  std::string_view contract;  // section of the model-contract doc the code follows
  bool bundled;               // ships in the repository's models/ folder
};

// Every catalog entry, in display order. Names are unique.
std::span<const ModelEntry> Catalog();

// The entry called `name`, or nullptr when there is none.
const ModelEntry* FindModel(std::string_view name);

// The entry whose file_name is `file_name`, or nullptr.
const ModelEntry* FindModelByFileName(std::string_view file_name);

inline bool HashPinned(const ModelEntry& e) { return !e.sha256.empty(); }
inline bool SizePinned(const ModelEntry& e) { return e.size_bytes != 0; }
inline bool Downloadable(const ModelEntry& e) { return e.archive_member.empty() && !e.url.empty(); }

}  // namespace facefuse::models
