#pragma once
// Everything decided before a pipeline is built: the board, the encoders and the full
// gst-launch description (without the RTMP location, which carries the stream key).
#include "board/board_description.hpp"
#include "common/data_files.hpp"
#include "config/config.hpp"
#include "pipeline/encoder_selection.hpp"
#include "pipeline/pipeline_template.hpp"

#include <string>
#include <vector>

namespace agentcast::pipeline {

struct PipelinePlan {
  std::string board_name;
  std::string board_reason;
  std::string board_notes;
  board::BoardGpio board_gpio;  // the LED and button lines of the board's header
  EncoderChoice video_encoder;
  EncoderChoice aac_encoder;
  std::string audio_source;        // audio.source, or "silence" after it failed
  std::string description;         // the production pipeline (pipelines/stream.txt)
  std::string output_description;  // one connection (pipelines/output.txt)
};

// What failed while streaming and must not be planned again.
struct Fallbacks {
  std::vector<std::string> failed_encoders;
  bool audio_silence = false;  // the configured audio source failed: silence instead
  bool operator==(const Fallbacks&) const = default;
};

// Values for the ${placeholders} of the fragments, from the config.
TemplateValues template_values(const config::Config& config);

// Fills pipelines/stream.txt with the chosen fragments. Throws TemplateError.
std::string compose_description(const config::Config& config, std::string_view video_encoder,
                                std::string_view aac_encoder, const DataFiles& files,
                                std::string_view audio_source = {});
// Fills pipelines/output.txt. Throws TemplateError.
std::string compose_output_description(const config::Config& config, const DataFiles& files);

// Resolves board.name (auto-detecting from `facts`), chooses the encoders and composes the
// description. Throws board::BoardError, EncoderError or TemplateError.
PipelinePlan plan_pipeline(const config::Config& config, const DataFiles& files, const board::MachineFacts& facts,
                           const ElementProber& probe, const Fallbacks& fallbacks = {});

}  // namespace agentcast::pipeline
