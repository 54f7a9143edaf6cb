#include "gpio/led_pattern.hpp"

namespace agentcast::gpio {
namespace {

const Blink kOn{{true, 1000}};
const Blink kOff{{false, 1000}};
const Blink kBlink2Hz{{true, 250}, {false, 250}};
const Blink kBlink5Hz{{true, 100}, {false, 100}};
const Blink kSlowBlink{{true, 1000}, {false, 1000}};
const Blink kTwoFlashes{{true, 150}, {false, 150}, {true, 150}, {false, 1550}};
const Blink kThreeFlashes{{true, 150}, {false, 150}, {true, 150}, {false, 150}, {true, 150}, {false, 1250}};

}  // namespace

std::string_view led_state_name(LedState state) {
  switch (state) {
    case LedState::booting:
      return "booting";
    case LedState::awaiting_verification:
      return "awaiting verification";
    case LedState::connecting:
      return "connecting";
    case LedState::confirming:
      return "confirming";
    case LedState::live:
      return "live";
    case LedState::live_degraded:
      return "live, degraded";
    case LedState::reconnecting:
      return "reconnecting";
    case LedState::error:
      return "credentials or platform error";
    case LedState::off_air:
      return "off air";
    case LedState::stopping:
      return "stopping";
    case LedState::fatal:
      return "fatal";
  }
  return "unknown";
}

LedPattern pattern_for(LedState state) {
  switch (state) {
    case LedState::booting:
      return {kOn, kOff};
    case LedState::awaiting_verification:
      return {kTwoFlashes, kOff};
    case LedState::connecting:
      return {kBlink2Hz, kOff};
    case LedState::confirming:
      return {kBlink2Hz, kBlink2Hz};
    case LedState::live:
      return {kOn, kOn};
    case LedState::live_degraded:
      return {kSlowBlink, kOn};
    case LedState::reconnecting:
      return {kBlink5Hz, kOff};
    case LedState::error:
      return {kThreeFlashes, kOff};
    case LedState::off_air:
      return {kSlowBlink, kOff};
    case LedState::stopping:
      return {kOff, kBlink2Hz};
    case LedState::fatal:
      return {kBlink5Hz, kBlink5Hz};
  }
  return {kOff, kOff};
}

LedState led_state_for(live::Phase phase, bool degraded, bool fatal) {
  if (fatal) return LedState::fatal;
  switch (phase) {
    case live::Phase::starting:
      return LedState::booting;
    case live::Phase::awaiting_verification:
      return LedState::awaiting_verification;
    case live::Phase::checking_verification:
    case live::Phase::fetching_key:
    case live::Phase::starting_session:
    case live::Phase::connecting:
      return LedState::connecting;
    case live::Phase::confirming_live:
      return LedState::confirming;
    case live::Phase::live:
      return degraded ? LedState::live_degraded : LedState::live;
    case live::Phase::reconnecting:
      return LedState::reconnecting;
    case live::Phase::credentials_rejected:
    case live::Phase::platform_error:
      return LedState::error;
    case live::Phase::off_air:
      return LedState::off_air;
    case live::Phase::stopping:
    case live::Phase::stopped:
      return LedState::stopping;
  }
  return LedState::booting;
}

}  // namespace agentcast::gpio
