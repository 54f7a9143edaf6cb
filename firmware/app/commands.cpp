#include "app/commands.hpp"

#include "app/config_loading.hpp"
#include "app/streaming_app.hpp"
#include "board/board_description.hpp"
#include "common/data_files.hpp"
#include "common/log.hpp"
#include "common/redact.hpp"
#include "net/tls_trust.hpp"
#include "pipeline/encoder_selection.hpp"
#include "pipeline/pipeline_plan.hpp"

#include <filesystem>
#include <iostream>

namespace agentcast::app {
namespace {

// The loaded config and the pipeline it leads to.
struct Prepared {
  LoadedConfig loaded;
  pipeline::PipelinePlan plan;
};

Prepared prepare(const Command& command) {
  LoadedConfig loaded = load_config(command);
  const DataFiles files(loaded.directory);
  pipeline::PipelinePlan plan =
      pipeline::plan_pipeline(loaded.config, files, board::read_machine_facts(), pipeline::probe_gst_element);
  return {std::move(loaded), std::move(plan)};
}

}  // namespace

int run_command(const Command& command) {
  return with_config_errors([&] {
    Prepared prepared = prepare(command);
    const config::Config& config = prepared.loaded.config;
    if (const auto level = log::level_from_name(config.log.level)) log::set_threshold(*level);
    if (config.platform.kind == "retake" || config.output.url.starts_with("rtmps://")) net::require_tls_backend();
    std::optional<net::AdditionalTrust> trust;
    if (config.tls.ca_file) trust.emplace(*config.tls.ca_file);
    log::info("configuration: ", prepared.loaded.origin);
    net::HttpClient::Options http_options;
    if (trust) http_options.ca_bundle = trust->anchors_path();
    net::HttpClient http(http_options);  // outlives the app and every request it starts
    // Credentials before the app: what is wrong with them is said whatever else runs.
    std::optional<retake::Account> account;
    if (config.platform.kind == "retake") {
      account = load_account_or_explain(config);
      if (!account) return static_cast<int>(kExitCredentials);
    }
    // After a part fails while streaming, the pipeline is planned again without it.
    const board::MachineFacts facts = board::read_machine_facts();
    auto replan = [&config, directory = prepared.loaded.directory, facts](const pipeline::Fallbacks& fallbacks) {
      const DataFiles files(directory);
      return pipeline::plan_pipeline(config, files, facts, pipeline::probe_gst_element, fallbacks);
    };
    auto reread_config = [command] { return load_config(command).config; };
    StreamingApp app(config, std::move(prepared.plan), replan, std::move(account), http, reread_config);
    return app.run();
  });
}

int probe_command(const Command& command) {
  return with_config_errors([&] {
    const Prepared prepared = prepare(command);
    const auto& plan = prepared.plan;
    const auto& config = prepared.loaded.config;
    std::cout << "config:   " << prepared.loaded.origin << "\n";
    std::cout << "board:    " << plan.board_name << " (" << plan.board_reason << ")\n";
    if (!plan.board_notes.empty()) std::cout << "          " << plan.board_notes << "\n";
    std::cout << "gpio:     " << board::describe_gpio(plan.board_gpio) << "\n";
    std::cout << "encoder:  " << plan.video_encoder.element << " (" << plan.video_encoder.reason << ")\n";
    for (const auto& candidate : plan.video_encoder.considered) {
      std::cout << "          " << candidate.element << ": " << candidate.verdict << "\n";
    }
    std::cout << "aac:      " << plan.aac_encoder.element << " (" << plan.aac_encoder.reason << ")\n";
    const std::string url = config.platform.kind == "rtmp" ? redact_stream_url(config.output.url)
                                                           : std::string("(from the retake.tv API at go-live)");
    std::cout << "output:   " << url << "\n";
    std::cout << "pipeline (production, start to stop):\n" << plan.description << "\n";
    std::cout << "pipeline (output, one per connection):\n" << plan.output_description << "\n";
    std::cout << "          rtmp_sink location=" << url << "\n";
    return static_cast<int>(kExitOk);
  });
}

}  // namespace agentcast::app
