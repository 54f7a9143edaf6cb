#include "common/untrusted_text.hpp"

#include "support/text_invariants.hpp"

#include <CppUTest/TestHarness.h>
#include <glib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
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

TEST(UntrustedText, AnEscapeBeforeAMultiByteCharacterLeavesNoStrayByte) {
  // printf 'x \x1b\xc3\xa9': the ESC goes, the character after it stays whole.
  const std::string out = sanitize_line("x \x1b\xc3\xa9", 100);
  STRCMP_EQUAL("x \u00e9", out.c_str());
  STRCMP_EQUAL("ok \U0001F600", sanitize_line("ok \x1b\xf0\x9f\x98\x80", 100).c_str());
  STRCMP_EQUAL("x \\n\u00e9", sanitize_for_log("x \n\x1b\xc3\xa9").c_str());
}

TEST(UntrustedText, AnEscapeSequenceBrokenOffByTextKeepsTheText) {
  STRCMP_EQUAL("\u4e2d\u6587 rest", sanitize_line("\x1b[12\u4e2d\u6587 rest", 100).c_str());
  STRCMP_EQUAL("plain", sanitize_line("\x1b(Bplain\x1b)0", 100).c_str());
  STRCMP_EQUAL("after", sanitize_line("\x1bPq#0;2;0\x1b\\after", 100).c_str());
}

TEST(UntrustedText, BidiMarksAndLineSeparatorsAreDropped) {
  STRCMP_EQUAL("ab", sanitize_line("a\u200f\u061cb", 100).c_str());
  STRCMP_EQUAL("onetwo", sanitize_line("one\u2028two\ufeff", 100).c_str());
}

// The fuzzer's seed corpus (tests/fuzz/corpus/untrusted_text): the first byte of each file
// picks the length limit, as in the fuzz target. tests/fuzz/run explores far beyond these.
TEST(UntrustedText, EverySeedOfTheFuzzCorpusKeepsThePromises) {
  const std::filesystem::path corpus = AGENTCAST_TESTS_DIR "/fuzz/corpus/untrusted_text";
  int seeds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (data.empty()) continue;
    ++seeds;
    const std::size_t max_chars = 1 + static_cast<unsigned char>(data[0]) % 120;
    const std::string_view input = std::string_view(data).substr(1);
    for (const bool for_log : {false, true}) {
      const std::string out = for_log ? sanitize_for_log(input, max_chars) : sanitize_line(input, max_chars);
      const std::string broken = agentcast::testing::broken_text_promise(out, max_chars);
      CHECK_TEXT(broken.empty(), (entry.path().filename().string() + ": " + broken).c_str());
      const std::string again = for_log ? sanitize_for_log(out, max_chars) : sanitize_line(out, max_chars);
      CHECK_TEXT(again == out, (entry.path().filename().string() + ": not stable").c_str());
    }
  }
  CHECK(seeds >= 10);
}
