// Enum-to-text for the models' small enums (ModelKind, InstallState).
#pragma once

#include <cstddef>
#include <string_view>

namespace facefuse::models {

// `names[value]`, or "unknown" for a value outside the table (a cast from
// bad data). Precondition: `names` lists the enumerators in declaration order,
// starting at 0.
template <class Enum, size_t N>
constexpr std::string_view EnumName(Enum value, const std::string_view (&names)[N]) {
  const auto index = static_cast<size_t>(value);
  return index < N ? names[index] : std::string_view("unknown");
}

}  // namespace facefuse::models
