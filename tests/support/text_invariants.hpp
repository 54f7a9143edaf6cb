#pragma once
// What sanitize_line / sanitize_for_log promise for every input, checked by the unit tests
// and by the fuzzer (tests/fuzz/): valid UTF-8, no control, escape or bidi character, no more
// code points than asked for, and sanitising twice changes nothing.
#include <glib.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace agentcast::testing {

// Empty when `out` keeps every promise; otherwise what it breaks.
inline std::string broken_text_promise(std::string_view out, std::size_t max_chars) {
  if (!g_utf8_validate(out.data(), static_cast<gssize>(out.size()), nullptr)) return "not valid UTF-8";
  std::size_t chars = 0;
  for (const char* p = out.data(); p < out.data() + out.size(); p = g_utf8_next_char(p)) {
    const gunichar c = g_utf8_get_char(p);
    ++chars;
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) return "control character U+" + std::to_string(c);
    const bool bidi =
        c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
    if (bidi) return "bidi control U+" + std::to_string(c);
    if (c == 0x2028 || c == 0x2029 || c == 0xFEFF) return "separator or BOM U+" + std::to_string(c);
  }
  if (chars > max_chars) return "longer than " + std::to_string(max_chars) + " characters";
  return {};
}

}  // namespace agentcast::testing
