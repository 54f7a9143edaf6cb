#pragma once
// Everything decided before a pipeline is built: the board, the encoders and the full
// gst-launch description (without the RTMP location, which carries the stream key).
#include "board/board_description.hpp"
#include "common/data_files.hpp"
#include "config/config.hpp"
#include "pipeline/encoder_selection.hpp"
#include "pipeline/pipeline_template.hpp"

#include <string>

namespace agentcast::pipeline {

struct PipelinePlan {
  std::string board_name;
  std::string board_reason;
  std::string board_notes;
  EncoderChoice video_encoder;
  EncoderChoice aac_encoder;
  std::string description;
};

// Values for the ${placeholders} of the fragments, from the config.
TemplateValues template_values(const config::Config& config);

// Fills pipelines/stream.txt with the chosen fragments. Throws TemplateError.
std::string compose_description(const config::Config& config, std::string_view video_encoder,
                                std::string_view aac_encoder, const DataFiles& files);

// Resolves board.name (auto-detecting from `facts`), chooses the encoders and composes the
// description. Throws board::BoardError, EncoderError or TemplateError.
PipelinePlan plan_pipeline(const config::Config& config, const DataFiles& files, const board::MachineFacts& facts,
                           const ElementProber& probe);

}  // namespace agentcast::pipeline
