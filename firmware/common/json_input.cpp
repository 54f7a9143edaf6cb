#include "common/json_input.hpp"

#include "common/untrusted_text.hpp"

#include <cmath>
#include <limits>

namespace agentcast::json_input {
namespace {

using nlohmann::json;

// A second pass over text the DOM parser refused, only to learn where and why: the DOM
// parser without exceptions says no more than "discarded".
class ErrorLocator : public nlohmann::json_sax<json> {
 public:
  bool null() override { return true; }
  bool boolean(bool /*value*/) override { return true; }
  bool number_integer(number_integer_t /*value*/) override { return true; }
  bool number_unsigned(number_unsigned_t /*value*/) override { return true; }
  bool number_float(number_float_t /*value*/, const string_t& /*text*/) override { return true; }
  bool string(string_t& /*value*/) override { return true; }
  bool binary(binary_t& /*value*/) override { return true; }
  bool start_object(std::size_t /*elements*/) override { return true; }
  bool key(string_t& /*value*/) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t /*elements*/) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& error) override {
    // A syntax error's position is the offending character; an overflowing number's is its
    // last digit: point at the number's first character instead.
    const bool overflow = error.id == 406;
    position_ = overflow && position > last_token.size() ? position - last_token.size() + 1 : position;
    message_ = error.what();
    return false;
  }

  std::size_t position() const { return position_; }
  const std::string& message() const { return message_; }

 private:
  std::size_t position_ = 0;
  std::string message_ = "invalid JSON";
};

// nlohmann's messages start "[json.exception.parse_error.101] parse error at line 1, column 2: ";
// the position is given separately, and the rest is what a reader needs. Their "; last read:
// '...'" quotes the text itself, which may be a secret (the token in the credentials file, the
// key in /agent/rtmp's answer): the position says where without it.
std::string readable_detail(std::string_view what) {
  if (what.starts_with("[")) {
    if (const auto end = what.find("] "); end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  if (what.starts_with("parse error")) {
    if (const auto colon = what.find(": "); colon != std::string_view::npos) what.remove_prefix(colon + 2);
  }
  if (const auto quoted = what.find("; last read:"); quoted != std::string_view::npos) what = what.substr(0, quoted);
  return sanitize_for_log(what, 200);
}

JsonInputError locate(std::string_view text, std::size_t byte, std::string detail) {
  // `byte` is 1-based and points just past the offending character.
  const std::size_t offset = std::min<std::size_t>(byte > 0 ? byte - 1 : 0, text.size());
  JsonInputError error;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++error.line;
      error.column = 1;
    } else {
      ++error.column;
    }
  }
  error.detail = std::move(detail);
  return error;
}

}  // namespace

ParseResult parse(std::string_view text, int max_depth) {
  bool too_deep = false;
  std::size_t deep_at = 0;
  // The depth callback cannot see the position; the first opening bracket past the limit
  // is found below when it matters.
  const json::parser_callback_t depth_check = [&](int depth, json::parse_event_t event, json& /*parsed*/) {
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth >= max_depth) {
      too_deep = true;
      return false;
    }
    return true;
  };
  json document = json::parse(text.begin(), text.end(), depth_check, /*allow_exceptions=*/false);
  if (document.is_discarded() && !too_deep) {
    ErrorLocator locator;
    json::sax_parse(text.begin(), text.end(), &locator);
    return locate(text, locator.position(), readable_detail(locator.message()));
  }
  if (too_deep) {
    int depth = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '[' || text[i] == '{') {
        if (++depth > max_depth) {
          deep_at = i + 1;
          break;
        }
      } else if (text[i] == ']' || text[i] == '}') {
        --depth;
      }
    }
    return locate(text, deep_at, "nested deeper than " + std::to_string(max_depth) + " levels");
  }
  return document;
}

std::optional<std::int64_t> to_int64(const json& value) {
  if (value.is_number_unsigned()) {
    const auto number = value.get<std::uint64_t>();
    if (number > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(number);
  }
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_number_float()) {
    const double number = value.get<double>();
    // 2^63 is exactly representable; every double below it (and at or above -2^63) fits.
    if (std::trunc(number) != number || number < -9223372036854775808.0 || number >= 9223372036854775808.0) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(number);
  }
  return std::nullopt;
}

std::optional<int> to_int(const json& value) {
  const auto number = to_int64(value);
  if (!number || *number < std::numeric_limits<int>::min() || *number > std::numeric_limits<int>::max()) {
    return std::nullopt;
  }
  return static_cast<int>(*number);
}

std::optional<std::uint64_t> to_uint64(const json& value) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer()) {
    const auto number = value.get<std::int64_t>();
    if (number < 0) return std::nullopt;
    return static_cast<std::uint64_t>(number);
  }
  if (value.is_number_float()) {
    const double number = value.get<double>();
    if (std::trunc(number) != number || number < 0 || number >= 18446744073709551616.0) return std::nullopt;
    return static_cast<std::uint64_t>(number);
  }
  return std::nullopt;
}

bool is_not_whole_number(const json& value) {
  if (!value.is_number()) return true;
  return value.is_number_float() && std::trunc(value.get<double>()) != value.get<double>();
}

std::optional<double> to_double(const json& value) {
  if (!value.is_number()) return std::nullopt;
  const double number = value.get<double>();
  if (!std::isfinite(number)) return std::nullopt;
  return number;
}

}  // namespace agentcast::json_input
