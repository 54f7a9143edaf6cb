#pragma once
// What a failed part of the production pipeline is replaced with: the decision, apart from the
// GStreamer work, so it is unit-tested on its own.
#include "pipeline/pipeline_fault.hpp"
#include "pipeline/pipeline_plan.hpp"

#include <optional>
#include <string>

namespace agentcast::pipeline {

struct FallbackStep {
  Fallbacks next;    // plan again without these
  std::string note;  // for the log and `status`, completed with the replacement once planned
};

// A failing audio source → silence (unless it is silence already); a failing video encoder →
// the next one. nullopt: nothing to leave out, the same plan is tried again.
std::optional<FallbackStep> fallback_after(const PipelineFault& fault, const PipelinePlan& plan,
                                           const Fallbacks& current);

}  // namespace agentcast::pipeline
