#pragma once
// Text from outside (log files, chat, server error strings) made safe to draw and to log:
// valid UTF-8, no terminal escape sequences, no control or bidi-override characters, bounded
// length. Drawing uses pango_layout_set_text, never markup, so markup needs no escaping here.
#include <cstddef>
#include <string>
#include <string_view>

namespace agentcast {

// One display line. Tabs become spaces (to the next multiple of 8); anything longer than
// `max_chars` code points is cut and ends with "…".
std::string sanitize_line(std::string_view raw, std::size_t max_chars);

// For a log line: like sanitize_line, and newlines become "\n" so one message stays one line.
std::string sanitize_for_log(std::string_view raw, std::size_t max_chars = 400);

}  // namespace agentcast
