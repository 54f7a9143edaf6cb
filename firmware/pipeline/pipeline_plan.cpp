#include "pipeline/pipeline_plan.hpp"

#include <array>

namespace agentcast::pipeline {
namespace {

const std::array<std::string, 3> kAacPreference{"fdkaacenc", "voaacenc", "avenc_aac"};

std::string fragment(const DataFiles& files, const std::string& relative_path, const TemplateValues& values) {
  const auto file = files.read(relative_path);
  if (!file) throw TemplateError("pipeline fragment " + relative_path + " not found");
  return fill_template(file->content, values, file->origin);
}

}  // namespace

TemplateValues template_values(const config::Config& config) {
  const auto& video = config.video;
  const auto& audio = config.audio;
  return {
      {"width", std::to_string(video.width)},
      {"height", std::to_string(video.height)},
      {"fps", std::to_string(video.fps)},
      {"bitrate_kbps", std::to_string(video.bitrate_kbps)},
      {"bitrate_bps", std::to_string(video.bitrate_kbps * 1000)},
      // A 2 s VBV: the platform's reference uses bufsize = 2 x maxrate.
      {"vbv_buffer_ms", "2000"},
      {"keyframe_frames", std::to_string(video.keyframe_interval_frames())},
      {"audio_rate", std::to_string(audio.rate)},
      {"audio_channels", std::to_string(audio.channels)},
      {"audio_bitrate_bps", std::to_string(audio.bitrate_kbps * 1000)},
      {"alsa_device", audio.device},
      {"thumbnail_width", std::to_string(config.thumbnail_width())},
      {"thumbnail_height", std::to_string(config.thumbnail_height())},
  };
}

std::string compose_description(const config::Config& config, std::string_view video_encoder,
                                std::string_view aac_encoder, const DataFiles& files, std::string_view audio_source) {
  TemplateValues values = template_values(config);
  const std::string source = audio_source.empty() ? config.audio.source : std::string(audio_source);
  values["video_encoder"] = fragment(files, "pipelines/video/" + std::string(video_encoder) + ".txt", values);
  values["audio_source"] = fragment(files, "pipelines/audio/" + source + ".txt", values);
  values["audio_encoder"] = fragment(files, "pipelines/aac/" + std::string(aac_encoder) + ".txt", values);
  return fragment(files, "pipelines/stream.txt", values);
}

std::string compose_output_description(const config::Config& config, const DataFiles& files) {
  return fragment(files, "pipelines/output.txt", template_values(config));
}

PipelinePlan plan_pipeline(const config::Config& config, const DataFiles& files, const board::MachineFacts& facts,
                           const ElementProber& probe, const Fallbacks& fallbacks) {
  const auto boards = board::load_all(files);
  PipelinePlan plan;
  const board::BoardDescription* chosen = nullptr;
  if (config.board.name == "auto" || config.board.name == "none") {
    const auto detection = board::detect(boards, facts);
    if (detection.board == nullptr) throw board::BoardError(detection.reason);
    chosen = detection.board;
    plan.board_reason = "detected: " + detection.reason;
  } else {
    chosen = board::find_by_name(boards, config.board.name);
    if (chosen == nullptr) {
      std::string names;
      for (const auto& b : boards) names += (names.empty() ? "" : ", ") + b.name;
      throw board::BoardError("board.name: unknown board \"" + config.board.name + "\" (known: auto, none, " + names +
                              ")");
    }
    plan.board_reason = "named by board.name";
  }
  plan.board_name = chosen->name;
  plan.board_notes = chosen->notes;
  plan.board_gpio = board::with_overrides(chosen->gpio, config.board.gpio);
  plan.video_encoder = choose_video_encoder(
      config.video.encoder, chosen->name, chosen->encoders, probe,
      [&](std::string_view element) {
        return files.read("pipelines/video/" + std::string(element) + ".txt").has_value();
      },
      fallbacks.failed_encoders);
  plan.aac_encoder = choose_first_usable(kAacPreference, probe, "AAC encoder");
  plan.audio_source = fallbacks.audio_silence ? "silence" : config.audio.source;
  plan.description =
      compose_description(config, plan.video_encoder.element, plan.aac_encoder.element, files, plan.audio_source);
  plan.output_description = compose_output_description(config, files);
  return plan;
}

}  // namespace agentcast::pipeline
