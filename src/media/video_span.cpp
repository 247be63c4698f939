#include "media/video_span.h"

#include <charconv>
#include <string>
#include <vector>

namespace facefuse::media {
namespace {

Status BadPosition(std::string_view text, std::string_view why) {
  return InvalidArgument("invalid video position '" + std::string(text) + "': " + std::string(why) +
                         " (write a frame number such as 150, or a time such as 2.5s, 1:02.5 or 00:01:02.5)");
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A decimal without sign or exponent: digits, optionally '.' and digits ("2", "2.5", "02.50").
bool ParseDecimal(std::string_view s, double* value) {
  const size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  if (!IsDigits(whole)) return false;
  if (dot != std::string_view::npos && !IsDigits(s.substr(dot + 1))) return false;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), *value);
  return error == std::errc() && end == s.data() + s.size();
}

std::vector<std::string_view> SplitColons(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t from = 0;
  for (size_t colon = text.find(':'); colon != std::string_view::npos; colon = text.find(':', from)) {
    fields.push_back(text.substr(from, colon - from));
    from = colon + 1;
  }
  fields.push_back(text.substr(from));
  return fields;
}

// "m:ss.f" or "h:mm:ss.f": every field but the first below 60, only the last with a fraction.
Result<double> ParseClock(std::string_view text) {
  const std::vector<std::string_view> fields = SplitColons(text);
  if (fields.size() > 3) return BadPosition(text, "too many ':' fields");
  double total = 0;
  for (size_t i = 0; i < fields.size(); ++i) {
    const bool last = i + 1 == fields.size();
    double value = 0;
    if (last ? !ParseDecimal(fields[i], &value) : !(IsDigits(fields[i]) && ParseDecimal(fields[i], &value))) {
      return BadPosition(text, "each field must be a number (a fraction only in the seconds)");
    }
    if (i > 0 && value >= 60) return BadPosition(text, "minutes and seconds must be below 60");
    total = total * 60 + value;
  }
  return total;
}

}  // namespace

Result<VideoPosition> ParseVideoPosition(std::string_view text) {
  if (text.empty()) return BadPosition(text, "it is empty");
  if (text.front() == '-') return BadPosition(text, "it is negative");
  VideoPosition position;
  if (text.find(':') != std::string_view::npos) {
    FF_ASSIGN_OR_RETURN(position.value, ParseClock(text));
    return position;
  }
  if (text.back() == 's') {
    if (!ParseDecimal(text.substr(0, text.size() - 1), &position.value)) {
      return BadPosition(text, "a time needs a number before its 's'");
    }
    return position;
  }
  if (!IsDigits(text)) {
    const bool has_unit = (text.back() < '0' || text.back() > '9') && text.back() != '.';
    return BadPosition(text, has_unit ? "the only unit is s (seconds)" : "a frame number is a whole number");
  }
  position.is_frame = true;
  if (!ParseDecimal(text, &position.value)) return BadPosition(text, "the frame number is too large");
  return position;
}

double PositionSeconds(const VideoPosition& position, Rational frame_rate) {
  return position.is_frame ? position.value / frame_rate.value() : position.value;
}

}  // namespace facefuse::media
