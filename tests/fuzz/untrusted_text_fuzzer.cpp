// libFuzzer target for the sanitiser of untrusted text (common/untrusted_text.hpp): whatever
// bytes arrive from a log file, a viewer's comment or a server's error string, the result
// keeps every promise of tests/support/text_invariants.hpp. Built and run by tests/fuzz/run.
#include "common/untrusted_text.hpp"
#include "support/text_invariants.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void check(std::string_view input, const std::string& out, std::size_t max_chars, const char* which,
           const std::string& again) {
  std::string broken = agentcast::testing::broken_text_promise(out, max_chars);
  if (broken.empty() && again != out) broken = "sanitising twice changed the text";
  if (broken.empty()) return;
  std::fprintf(stderr, "%s(%zu bytes, max %zu): %s\n", which, input.size(), max_chars, broken.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the length limit, so cutting is fuzzed too.
  const std::size_t max_chars = 1 + data[0] % 120;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string line = agentcast::sanitize_line(input, max_chars);
  check(input, line, max_chars, "sanitize_line", agentcast::sanitize_line(line, max_chars));
  const std::string logged = agentcast::sanitize_for_log(input, max_chars);
  check(input, logged, max_chars, "sanitize_for_log", agentcast::sanitize_for_log(logged, max_chars));
  return 0;
}
