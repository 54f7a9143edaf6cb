#include "common/untrusted_text.hpp"

#include "common/glib_handles.hpp"

#include <glib.h>

namespace agentcast {
namespace {

// Bidi_Control (UAX #9): embeddings, overrides and isolates reorder the text that follows
// them, and the marks (ALM, LRM, RLM) are invisible; none belongs in a line we draw or log.
bool is_bidi_control(gunichar c) {
  return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

// Code points dropped besides C0/DEL (handled byte-wise): C1 controls, bidi controls, the
// byte order mark, the line and paragraph separators (they would break the line in Pango)
// and the interlinear annotation marks.
bool is_dropped(gunichar c) {
  return (c >= 0x80 && c <= 0x9F) || is_bidi_control(c) || c == 0xFEFF || c == 0x2028 || c == 0x2029 ||
         (c >= 0xFFF9 && c <= 0xFFFB);
}

bool in_range(char byte, char low, char high) {
  const auto value = static_cast<unsigned char>(byte);
  return value >= static_cast<unsigned char>(low) && value <= static_cast<unsigned char>(high);
}

// Skips an escape sequence starting at text[i] == ESC and returns the index after it (ECMA-48):
//   CSI  ESC [ parameters(0x30-0x3F)* intermediates(0x20-0x2F)* final(0x40-0x7E)
//   OSC, DCS, SOS, PM, APC  ESC ] P X ^ _ ... terminated by BEL or ST (ESC \)
//   others  ESC intermediates(0x20-0x2F)* final(0x30-0x7E)
// A sequence broken off by any other byte ends just before that byte, and an ESC followed by
// anything but ASCII is dropped alone: the skipper only ever stops on an ASCII byte or at the
// end, so it can never cut a multi-byte character in half.
std::size_t skip_escape(std::string_view text, std::size_t i) {
  std::size_t j = i + 1;
  if (j >= text.size()) return j;
  const char kind = text[j];
  if (kind == '[') {
    ++j;
    while (j < text.size() && in_range(text[j], 0x30, 0x3F)) ++j;
    while (j < text.size() && in_range(text[j], 0x20, 0x2F)) ++j;
    if (j < text.size() && in_range(text[j], 0x40, 0x7E)) ++j;
    return j;
  }
  if (kind == ']' || kind == 'P' || kind == 'X' || kind == '^' || kind == '_') {
    for (++j; j < text.size(); ++j) {
      if (text[j] == '\a') return j + 1;
      if (text[j] == '\x1b') return (j + 1 < text.size() && text[j + 1] == '\\') ? j + 2 : j;
      if (text[j] == '\x18' || text[j] == '\x1a') return j + 1;  // CAN, SUB cancel the string
    }
    return j;
  }
  while (j < text.size() && in_range(text[j], 0x20, 0x2F)) ++j;
  if (j < text.size() && in_range(text[j], 0x30, 0x7E)) ++j;
  return j;
}

std::string clean(std::string_view raw, std::size_t max_chars, bool escape_newlines) {
  const GCharPtr valid(g_utf8_make_valid(raw.data(), static_cast<gssize>(raw.size())));
  const std::string_view text(valid.get());
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
    if (!is_dropped(c)) append(text.substr(i, len), 1);
    i += len;
  }
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
