// What replaces a part that failed while streaming, planned with a fake prober.
#include "pipeline/fallback.hpp"

#include <CppUTest/TestHarness.h>

using namespace agentcast;
using namespace agentcast::pipeline;

namespace {

ElementProbe all_usable(std::string_view) { return {ElementProbe::Result::usable, {}}; }

board::MachineFacts any_machine() {
  return {"", "aarch64", [](const std::string&) { return false; }};
}

PipelinePlan plan_for(const std::string& board, const std::string& audio, const Fallbacks& fallbacks = {}) {
  const auto config = config::parse(R"({"platform": {"kind": "rtmp"}, "board": {"name": ")" + board +
                                        R"("}, "audio": {"source": ")" + audio + R"("}})",
                                    "test.json");
  return plan_pipeline(config, DataFiles(), any_machine(), all_usable, fallbacks);
}

PipelineFault fault_of(PipelineFault::Part part) { return {part, GST_RESOURCE_ERROR, 0, false, "it broke"}; }

}  // namespace

TEST_GROUP(Fallback){};

TEST(Fallback, AFailingAlsaSourceFallsBackToSilenceOnce) {
  const auto plan = plan_for("generic", "alsa");
  const auto step = fallback_after(fault_of(PipelineFault::Part::audio_source), plan, {});
  CHECK(step.has_value());
  CHECK(step->next.audio_silence);
  STRCMP_EQUAL("audio: alsa failed (it broke); silence instead", step->note.c_str());
  const auto silent = plan_for("generic", "alsa", step->next);
  STRCMP_EQUAL("silence", silent.audio_source.c_str());
  // Silence that fails is rebuilt as it is: nothing left to fall back to.
  CHECK_FALSE(fallback_after(fault_of(PipelineFault::Part::audio_source), silent, step->next).has_value());
}

TEST(Fallback, AFailingEncoderFallsBackToTheNextOfTheBoardsList) {
  const auto plan = plan_for("rpi4", "silence");
  STRCMP_EQUAL("v4l2h264enc", plan.video_encoder.element.c_str());
  const auto step = fallback_after(fault_of(PipelineFault::Part::video_encoder), plan, {});
  CHECK(step.has_value());
  const auto next = plan_for("rpi4", "silence", step->next);
  STRCMP_EQUAL("x264enc", next.video_encoder.element.c_str());
  const auto again = fallback_after(fault_of(PipelineFault::Part::video_encoder), next, step->next);
  CHECK(again.has_value());
  STRCMP_EQUAL("openh264enc", plan_for("rpi4", "silence", again->next).video_encoder.element.c_str());
}

TEST(Fallback, OtherFailuresRebuildTheSamePlan) {
  const auto plan = plan_for("generic", "alsa");
  CHECK_FALSE(fallback_after(fault_of(PipelineFault::Part::other), plan, {}).has_value());
  CHECK_FALSE(fallback_after(fault_of(PipelineFault::Part::connection), plan, {}).has_value());
}
