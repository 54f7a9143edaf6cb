#pragma once
// What the two LEDs (status, live) show in each state of the box: one pattern per state,
// told apart at a glance from across a room (the README's table is this one). A subscriber of
// the go-live state decides the state; the LED player only plays what this says.
#include "live/phase.hpp"

#include <string_view>
#include <vector>

namespace agentcast::gpio {

enum class LedState {
  booting,                // before the first go-live attempt
  awaiting_verification,  // retake: the owner must verify through Twitter/X
  connecting,             // an attempt is under way (key, session, RTMP connection)
  confirming,             // the server takes the stream; the platform has not said live yet
  live,
  live_degraded,  // on air, but the platform API or a chat source is failing
  reconnecting,   // an attempt failed; waiting before the next
  error,          // credentials rejected or the platform refused: a person must look
  off_air,        // taken off air by the action button; a short press puts it on air again
  stopping,
  fatal,  // the box is going down after an internal fault (systemd starts it again)
};

std::string_view led_state_name(LedState state);

// One LED: its steps played in order and over again; a single step is a steady light.
struct LedStep {
  bool lit = false;
  int ms = 0;
};
using Blink = std::vector<LedStep>;

struct LedPattern {
  Blink status;
  Blink live;
};

LedPattern pattern_for(LedState state);

// The go-live phase and the box's health, as the LEDs tell them.
LedState led_state_for(live::Phase phase, bool degraded, bool fatal);

}  // namespace agentcast::gpio
