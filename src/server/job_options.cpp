#include "server/job_options.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <cstdio>
#include <variant>

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

}  // namespace

std::vector<std::string> AcceptedOptionNames() {
  std::vector<std::string> names;
  for (const OptionField& field : Fields()) names.emplace_back(field.name);
  return names;
}

Result<SwapRequest> SwapRequestFromOptions(std::string_view json_text) {
  SwapRequest request;
  if (json_text.empty()) return request;
  const nlohmann::json options = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (!options.is_object()) return InvalidArgument("the options part must hold a JSON object");
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

}  // namespace facefuse::server
