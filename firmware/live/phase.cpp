#include "live/phase.hpp"

#include <array>
#include <utility>

namespace agentcast::live {
namespace {

constexpr std::array<std::pair<Phase, std::string_view>, 14> kNames{{
    {Phase::starting, "starting"},
    {Phase::checking_verification, "checking-verification"},
    {Phase::awaiting_verification, "awaiting-verification"},
    {Phase::fetching_key, "fetching-key"},
    {Phase::starting_session, "starting-session"},
    {Phase::connecting, "connecting"},
    {Phase::confirming_live, "confirming-live"},
    {Phase::live, "live"},
    {Phase::reconnecting, "reconnecting"},
    {Phase::credentials_rejected, "credentials-rejected"},
    {Phase::platform_error, "platform-error"},
    {Phase::off_air, "off-air"},
    {Phase::stopping, "stopping"},
    {Phase::stopped, "stopped"},
}};

}  // namespace

std::string_view phase_name(Phase phase) {
  for (const auto& [known, name] : kNames) {
    if (known == phase) return name;
  }
  return "unknown";
}

std::optional<Phase> phase_from_name(std::string_view name) {
  for (const auto& [phase, known] : kNames) {
    if (known == name) return phase;
  }
  return std::nullopt;
}

bool is_attempting(Phase phase) {
  switch (phase) {
    case Phase::checking_verification:
    case Phase::awaiting_verification:
    case Phase::fetching_key:
    case Phase::starting_session:
    case Phase::connecting:
    case Phase::confirming_live:
    case Phase::live:
      return true;
    default:
      return false;
  }
}

}  // namespace agentcast::live
