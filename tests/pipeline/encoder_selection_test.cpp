#include "pipeline/encoder_selection.hpp"

#include <CppUTest/TestHarness.h>

#include <map>
#include <string>
#include <vector>

using namespace agentcast::pipeline;

namespace {

// A machine where only some elements exist or work.
ElementProber machine(const std::map<std::string, ElementProbe::Result>& elements) {
  return [elements](std::string_view name) {
    const auto it = elements.find(std::string(name));
    if (it == elements.end()) return ElementProbe{ElementProbe::Result::missing, "no such GStreamer element"};
    return ElementProbe{it->second, it->second == ElementProbe::Result::fails_ready ? "no device" : ""};
  };
}

bool every_fragment(std::string_view) { return true; }

}  // namespace

TEST_GROUP(EncoderSelection){};

TEST(EncoderSelection, AutoSkipsMissingAndBrokenEncoders) {
  const std::vector<std::string> preference{"nvv4l2h264enc", "v4l2h264enc", "x264enc", "openh264enc"};
  const auto choice = choose_video_encoder("auto", "test-board", preference,
                                           machine({{"v4l2h264enc", ElementProbe::Result::fails_ready},
                                                    {"x264enc", ElementProbe::Result::usable},
                                                    {"openh264enc", ElementProbe::Result::usable}}),
                                           every_fragment);
  STRCMP_EQUAL("x264enc", choice.element.c_str());
  LONGS_EQUAL(4, choice.considered.size());
  CHECK(choice.considered[0].verdict.starts_with("missing"));
  CHECK(choice.considered[1].verdict.starts_with("fails to reach READY"));
  STRCMP_EQUAL("chosen", choice.considered[2].verdict.c_str());
  STRCMP_EQUAL("not needed", choice.considered[3].verdict.c_str());
  CHECK(choice.reason.find("first usable") != std::string::npos);
}

TEST(EncoderSelection, AutoTakesTheFirstWhenItWorks) {
  const std::vector<std::string> preference{"v4l2h264enc", "x264enc"};
  const auto choice = choose_video_encoder(
      "auto", "rpi4", preference,
      machine({{"v4l2h264enc", ElementProbe::Result::usable}, {"x264enc", ElementProbe::Result::usable}}),
      every_fragment);
  STRCMP_EQUAL("v4l2h264enc", choice.element.c_str());
}

TEST(EncoderSelection, EncodersWithoutFragmentAreSkipped) {
  const std::vector<std::string> preference{"fancyenc", "x264enc"};
  const auto choice = choose_video_encoder(
      "auto", "b", preference,
      machine({{"fancyenc", ElementProbe::Result::usable}, {"x264enc", ElementProbe::Result::usable}}),
      [](std::string_view e) { return e == "x264enc"; });
  STRCMP_EQUAL("x264enc", choice.element.c_str());
  CHECK(choice.considered[0].verdict.starts_with("skipped"));
}

TEST(EncoderSelection, NoUsableEncoderListsWhatWasTried) {
  const std::vector<std::string> preference{"v4l2h264enc", "x264enc"};
  try {
    choose_video_encoder("auto", "rpi4", preference, machine({}), every_fragment);
    FAIL("expected EncoderError");
  } catch (const EncoderError& error) {
    const std::string message = error.what();
    CHECK_TEXT(message.find("rpi4") != std::string::npos, message.c_str());
    CHECK_TEXT(message.find("v4l2h264enc: missing") != std::string::npos, message.c_str());
    CHECK_TEXT(message.find("x264enc: missing") != std::string::npos, message.c_str());
  }
}

TEST(EncoderSelection, NamedEncoderThatIsMissingIsAClearError) {
  const std::vector<std::string> preference{"x264enc"};
  try {
    choose_video_encoder("nvv4l2h264enc", "generic", preference, machine({{"x264enc", ElementProbe::Result::usable}}),
                         every_fragment);
    FAIL("expected EncoderError");
  } catch (const EncoderError& error) {
    const std::string message = error.what();
    CHECK_TEXT(message.starts_with("video.encoder: \"nvv4l2h264enc\" is missing"), message.c_str());
  }
}

TEST(EncoderSelection, NamedEncoderIsUsedEvenIfNotInTheBoardList) {
  const std::vector<std::string> preference{"x264enc"};
  const auto choice = choose_video_encoder("openh264enc", "generic", preference,
                                           machine({{"openh264enc", ElementProbe::Result::usable}}), every_fragment);
  STRCMP_EQUAL("openh264enc", choice.element.c_str());
}

TEST(EncoderSelection, RealProbeFindsX264AndNotTheHardwareEncoders) {
  CHECK(probe_gst_element("x264enc").result == ElementProbe::Result::usable);
  const auto missing = probe_gst_element("nvv4l2h264enc");
  CHECK(missing.result == ElementProbe::Result::missing);
  CHECK(missing.detail.find("no such GStreamer element") != std::string::npos);
}
