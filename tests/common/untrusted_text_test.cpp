#include "common/untrusted_text.hpp"

#include <CppUTest/TestHarness.h>
#include <glib.h>

#include <string>

using agentcast::sanitize_for_log;
using agentcast::sanitize_line;

TEST_GROUP(UntrustedText){};

TEST(UntrustedText, PlainTextIsUnchanged) {
  STRCMP_EQUAL("hello, world <b>not markup</b> & more",
               sanitize_line("hello, world <b>not markup</b> & more", 100).c_str());
}

TEST(UntrustedText, TerminalEscapeSequencesAreRemoved) {
  STRCMP_EQUAL("red normal", sanitize_line("\x1b[31mred\x1b[0m normal", 100).c_str());
  STRCMP_EQUAL("title gone", sanitize_line("\x1b]0;evil title\x07title gone", 100).c_str());
  STRCMP_EQUAL("x", sanitize_line("\x1b]8;;http://x\x1b\\x", 100).c_str());
}

TEST(UntrustedText, ControlCharactersAreDropped) {
  STRCMP_EQUAL("abc", sanitize_line(std::string("a\x01\x08"
                                                "b\x7f"
                                                "c\r",
                                                7),
                                    100)
                          .c_str());
  STRCMP_EQUAL("ab", sanitize_line("a\xc2\x85"
                                   "b",
                                   100)
                         .c_str());  // U+0085 (C1 NEL)
}

TEST(UntrustedText, BidiOverridesAreDropped) {
  STRCMP_EQUAL("abcdef", sanitize_line("abc\u202Edef\u202C", 100).c_str());
  STRCMP_EQUAL("ab", sanitize_line("a\u2066b\u2069", 100).c_str());
}

TEST(UntrustedText, InvalidUtf8BecomesValid) {
  const std::string out = sanitize_line("ok \xff\xfe bad \xc3", 100);
  CHECK(g_utf8_validate(out.c_str(), static_cast<gssize>(out.size()), nullptr));
  CHECK(out.starts_with("ok "));
  CHECK(out.find(" bad ") != std::string::npos);
}

TEST(UntrustedText, EmbeddedNulDoesNotEndTheText) {
  const std::string out = sanitize_line(std::string("a\0b", 3), 100);
  CHECK(g_utf8_validate(out.c_str(), static_cast<gssize>(out.size()), nullptr));
  CHECK(out.starts_with("a"));
  CHECK(out.ends_with("b"));
}

TEST(UntrustedText, TabsExpandToColumnsOfEight) { STRCMP_EQUAL("ab      c", sanitize_line("ab\tc", 100).c_str()); }

TEST(UntrustedText, LongLinesAreCutWithAnEllipsisWithinTheLimit) {
  const std::string out = sanitize_line(std::string(50, 'x'), 10);
  STRCMP_EQUAL("xxxxxxxxx\u2026", out.c_str());
  LONGS_EQUAL(10, g_utf8_strlen(out.c_str(), -1));
  const std::string multibyte = sanitize_line("ééééééééééé", 5);
  LONGS_EQUAL(5, g_utf8_strlen(multibyte.c_str(), -1));
  CHECK(g_utf8_validate(multibyte.c_str(), -1, nullptr));
}

TEST(UntrustedText, LogFormKeepsOneLine) { STRCMP_EQUAL("first\\nsecond", sanitize_for_log("first\nsecond").c_str()); }
