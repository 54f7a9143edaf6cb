#include "common/untrusted_text.hpp"

#include <glib.h>

namespace agentcast {
namespace {

// U+202A..U+202E (embeddings, overrides) and U+2066..U+2069 (isolates) reorder the text that
// follows them; U+200E/U+200F marks are harmless and kept.
bool is_bidi_control(gunichar c) { return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069); }

// Skips an escape sequence starting at text[i] == ESC and returns the index after it:
// CSI "ESC [ params final", OSC "ESC ] ... BEL|ESC \", or a two-byte "ESC x".
std::size_t skip_escape(std::string_view text, std::size_t i) {
  if (i + 1 >= text.size()) return text.size();
  const char kind = text[i + 1];
  if (kind == '[') {
    std::size_t j = i + 2;
    while (j < text.size() && !(text[j] >= 0x40 && text[j] <= 0x7E)) ++j;
    return j < text.size() ? j + 1 : j;
  }
  if (kind == ']') {
    std::size_t j = i + 2;
    while (j < text.size()) {
      if (text[j] == '\a') return j + 1;
      if (text[j] == '\x1b' && j + 1 < text.size() && text[j + 1] == '\\') return j + 2;
      ++j;
    }
    return j;
  }
  return i + 2;
}

std::string clean(std::string_view raw, std::size_t max_chars, bool escape_newlines) {
  gchar* valid = g_utf8_make_valid(raw.data(), static_cast<gssize>(raw.size()));
  const std::string_view text(valid);
  std::string out;
  out.reserve(text.size());
  std::size_t chars = 0;
  bool cut = false;

  auto append = [&](std::string_view piece, std::size_t width) {
    if (chars + width > max_chars) {
      cut = true;
      return false;
    }
    out.append(piece);
    chars += width;
    return true;
  };

  for (std::size_t i = 0; i < text.size() && !cut;) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == 0x1b) {
      i = skip_escape(text, i);
      continue;
    }
    if (byte == '\t') {
      const std::size_t spaces = 8 - (chars % 8);
      append(std::string(spaces, ' '), spaces);
      ++i;
      continue;
    }
    if (byte == '\n' && escape_newlines) {
      append("\\n", 2);
      ++i;
      continue;
    }
    if (byte < 0x20 || byte == 0x7f) {
      ++i;
      continue;
    }
    const gchar* at = text.data() + i;
    const gunichar c = g_utf8_get_char(at);
    const std::size_t len = static_cast<std::size_t>(g_utf8_next_char(at) - at);
    if (!(c >= 0x80 && c <= 0x9f) && !is_bidi_control(c) && c != 0xFEFF) append(text.substr(i, len), 1);
    i += len;
  }
  g_free(valid);
  if (cut) {
    // Make room for the ellipsis so the result still fits in max_chars.
    if (max_chars == 0) return {};
    while (chars >= max_chars && !out.empty()) {
      const gchar* start = out.data();
      const gchar* last = g_utf8_find_prev_char(start, start + out.size());
      out.resize(static_cast<std::size_t>(last - start));
      --chars;
    }
    out += "\u2026";
  }
  return out;
}

}  // namespace

std::string sanitize_line(std::string_view raw, std::size_t max_chars) { return clean(raw, max_chars, false); }

std::string sanitize_for_log(std::string_view raw, std::size_t max_chars) { return clean(raw, max_chars, true); }

}  // namespace agentcast
