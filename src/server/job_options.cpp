#include "server/job_options.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <cstdio>
#include <set>
#include <variant>

#include "media/video_writer.h"

namespace facefuse::server {
namespace {

using Member = std::variant<std::string SwapRequest::*, float SwapRequest::*, int SwapRequest::*,
                            std::vector<std::string> SwapRequest::*>;

// One accepted option: its name, the request field it sets, and for numbers the closed range it must lie in.
struct OptionField {
  const char* name;
  Member member;
  double min = 0, max = 0;
  bool catalog_name = false;  // a model named in the catalog: no path separators
};

const std::array<OptionField, 15>& Fields() {
  static const std::array<OptionField, 15> fields{{
      {"swapper", &SwapRequest::swapper, 0, 0, true},
      {"detector", &SwapRequest::detector},
      {"detector-score", &SwapRequest::detector_score, 0, 1},
      {"landmarker", &SwapRequest::landmarker},
      {"selector", &SwapRequest::selector},
      {"order", &SwapRequest::order},
      {"mask-blur", &SwapRequest::mask_blur, 0, 1},
      {"mask-padding", &SwapRequest::mask_padding},
      {"swapper-weight", &SwapRequest::swapper_weight, 0, 1},
      {"pixel-boost", &SwapRequest::pixel_boost, 1, 8},
      {"occlusion-mask", &SwapRequest::occlusion_model, 0, 0, true},
      {"region-mask", &SwapRequest::region_model, 0, 0, true},
      {"regions", &SwapRequest::regions},
      {"enhancer", &SwapRequest::enhancer, 0, 0, true},
      {"enhancer-blend", &SwapRequest::enhancer_blend, 0, 100},
  }};
  return fields;
}

Status WrongType(const OptionField& field, const char* wanted) {
  return InvalidArgument(std::string("option \"") + field.name + "\" must be " + wanted);
}

// A number of `field`'s range into `out` (int fields take whole numbers only).
template <typename Number>
Status SetNumber(const OptionField& field, const nlohmann::json& value, Number& out) {
  const bool whole = std::is_integral_v<Number>;
  if (!value.is_number() || (whole && !value.is_number_integer())) {
    return WrongType(field, whole ? "a whole number" : "a number");
  }
  const double number = value.get<double>();
  if (!std::isfinite(number) || number < field.min || number > field.max) {
    char range[64];
    std::snprintf(range, sizeof range, "%g..%g", field.min, field.max);
    return InvalidArgument(std::string("option \"") + field.name + "\" must be in " + range + ", got " + value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  out = static_cast<Number>(number);
  return Status::Ok();
}

Status SetField(const OptionField& field, const nlohmann::json& value, SwapRequest& request) {
  if (auto* text = std::get_if<std::string SwapRequest::*>(&field.member)) {
    if (!value.is_string()) return WrongType(field, "a string");
    const std::string s = value.get<std::string>();
    if (field.catalog_name && s.find_first_of("/\\") != std::string::npos) {
      return InvalidArgument(std::string("option \"") + field.name + "\" takes a model name, not a path");
    }
    request.*(*text) = s;
    return Status::Ok();
  }
  if (auto* real = std::get_if<float SwapRequest::*>(&field.member)) return SetNumber(field, value, request.*(*real));
  if (auto* whole = std::get_if<int SwapRequest::*>(&field.member)) return SetNumber(field, value, request.*(*whole));
  auto* list = std::get_if<std::vector<std::string> SwapRequest::*>(&field.member);
  if (!value.is_array()) return WrongType(field, "an array of strings");
  std::vector<std::string> items;
  for (const nlohmann::json& item : value) {
    if (!item.is_string()) return WrongType(field, "an array of strings");
    items.push_back(item.get<std::string>());
  }
  request.*(*list) = std::move(items);
  return Status::Ok();
}

std::string JoinedNames() {
  std::string names;
  for (const std::string& name : AcceptedOptionNames()) names += (names.empty() ? "" : ", ") + name;
  return names;
}

// The options part as a JSON object. Errors: InvalidArgument when it is not JSON, not an object, or names a key
// twice in one object (JSON parsers differ on which one wins: the request is ambiguous).
Result<nlohmann::json> ParseOptions(std::string_view json_text) {
  std::vector<std::set<std::string>> keys;  // of each object open, innermost last
  std::string repeated;
  const auto check_keys = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start) keys.emplace_back();
    if (event == Event::object_end && !keys.empty()) keys.pop_back();
    if (event == Event::key && !keys.empty() && !keys.back().insert(parsed.get<std::string>()).second &&
        repeated.empty()) {
      repeated = parsed.get<std::string>();
    }
    return true;
  };
  nlohmann::json options = nlohmann::json::parse(json_text, check_keys, /*allow_exceptions=*/false);
  if (!options.is_object()) return InvalidArgument("the options part must hold a JSON object");
  if (!repeated.empty()) {
    return InvalidArgument("the options part names \"" + repeated.substr(0, 40) + "\" twice");
  }
  return options;
}

}  // namespace

std::vector<std::string> AcceptedOptionNames() {
  std::vector<std::string> names;
  for (const OptionField& field : Fields()) names.emplace_back(field.name);
  return names;
}

Result<SwapRequest> SwapRequestFromOptions(std::string_view json_text) {
  SwapRequest request;
  if (json_text.empty()) return request;
  FF_ASSIGN_OR_RETURN(const nlohmann::json options, ParseOptions(json_text));
  for (const auto& [name, value] : options.items()) {
    const OptionField* field = nullptr;
    for (const OptionField& candidate : Fields())
      if (name == candidate.name) field = &candidate;
    if (field == nullptr) {
      return InvalidArgument("unknown option \"" + name + "\" (accepted: " + JoinedNames() + ")");
    }
    FF_RETURN_IF_ERROR(SetField(*field, value, request));
    request.explicitly_set.push_back("--" + name);
  }
  return request;
}

namespace {

// One video option of `options` into `video`. Errors: InvalidArgument naming it.
Status SetVideoOption(const std::string& name, const nlohmann::json& value, VideoJobOptions* video) {
  const auto whole_in = [&](int min, int max, int& out) -> Status {
    if (!value.is_number_integer() || value.get<long long>() < min || value.get<long long>() > max) {
      return InvalidArgument("option \"" + name + "\" must be a whole number in " + std::to_string(min) + ".." +
                             std::to_string(max));
    }
    out = value.get<int>();
    return Status::Ok();
  };
  if (name == "quality") return whole_in(0, 100, video->quality);
  if (name == "detect-every") return whole_in(1, 1000, video->detect_every);
  if (name == "no-audio") {
    if (!value.is_boolean()) return InvalidArgument("option \"no-audio\" must be true or false");
    video->no_audio = value.get<bool>();
    return Status::Ok();
  }
  if (!value.is_string()) return InvalidArgument("option \"" + name + "\" must be a string");
  const std::string text = value.get<std::string>();
  if (name == "preset") {
    if (text.size() > 32 || text.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789") != std::string::npos) {
      return InvalidArgument("option \"preset\" must be an encoder preset name (letters and digits)");
    }
    video->preset = text;
    return Status::Ok();
  }
  if (!media::IsKnownVideoEncoder(text)) {
    return InvalidArgument("option \"encoder\" must be libx264, libx265, libvpx-vp9, h264_nvenc or hevc_nvenc");
  }
  video->encoder = text;
  return Status::Ok();
}

}  // namespace

Result<std::string> TakeVideoOptions(std::string_view json_text, bool target_is_video, VideoJobOptions* video) {
  if (json_text.empty()) return std::string();
  FF_ASSIGN_OR_RETURN(nlohmann::json options, ParseOptions(json_text));
  for (const char* name : {"quality", "preset", "encoder", "no-audio", "detect-every"}) {
    if (!options.contains(name)) continue;
    if (!target_is_video) return InvalidArgument(std::string("option \"") + name + "\" is for a video target");
    FF_RETURN_IF_ERROR(SetVideoOption(name, options[name], video));
    options.erase(name);
  }
  return options.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace facefuse::server
