#pragma once
// JSON that came from outside the process (config and board files, the credentials file, API
// answers, the status file) parsed so that nothing in it can throw past the parser: broken
// syntax, a number beyond a double's range ("1e400": nlohmann throws out_of_range, not
// parse_error) and absurd nesting all come back as one JsonInputError with where and what.
// Numbers are read through checked conversions: a float or an out-of-range value never
// becomes an integer by a silent (or undefined) cast.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace agentcast::json_input {

struct JsonInputError {
  std::size_t line = 1;  // 1-based position of the problem in the text
  std::size_t column = 1;
  std::string detail;  // "syntax error while parsing value - ...", "number overflow parsing '1e400'"; safe to log
};

using ParseResult = std::variant<nlohmann::json, JsonInputError>;

inline constexpr int kDefaultMaxDepth = 64;

// Never throws (but std::bad_alloc).
ParseResult parse(std::string_view text, int max_depth = kDefaultMaxDepth);

// An integer value that fits `T` exactly: a JSON integer, or a float with no fractional part
// (some servers send 3.0), within T's range. nullopt for anything else.
std::optional<std::int64_t> to_int64(const nlohmann::json& value);
std::optional<int> to_int(const nlohmann::json& value);
std::optional<std::uint64_t> to_uint64(const nlohmann::json& value);
// True for anything that is no whole number (a string, 2.5): "expected an integer", as opposed
// to a whole number the conversions above refuse as out of range.
bool is_not_whole_number(const nlohmann::json& value);
// Any JSON number as a double (always finite: parse() refuses what is not).
std::optional<double> to_double(const nlohmann::json& value);

}  // namespace agentcast::json_input
