#include "pipeline/fallback.hpp"

#include <algorithm>

namespace agentcast::pipeline {

std::optional<FallbackStep> fallback_after(const PipelineFault& fault, const PipelinePlan& plan,
                                           const Fallbacks& current) {
  FallbackStep step{current, {}};
  if (fault.part == PipelineFault::Part::audio_source && plan.audio_source != "silence") {
    step.next.audio_silence = true;
    step.note = "audio: " + plan.audio_source + " failed (" + fault.message + "); silence instead";
    return step;
  }
  const auto& failed = current.failed_encoders;
  if (fault.part == PipelineFault::Part::video_encoder && !plan.video_encoder.element.empty() &&
      std::find(failed.begin(), failed.end(), plan.video_encoder.element) == failed.end()) {
    step.next.failed_encoders.push_back(plan.video_encoder.element);
    step.note = "video encoder: " + plan.video_encoder.element + " failed (" + fault.message + ")";
    return step;
  }
  return std::nullopt;
}

}  // namespace agentcast::pipeline
