#include "gpio/led_player.hpp"

namespace agentcast::gpio {

LedPlayer::LedPlayer(live::Clock& clock, OutputLine* status, OutputLine* live) : clock_(clock) {
  status_.line = status;
  live_.line = live;
}

void LedPlayer::show(LedState state) {
  if (shown_ == state) return;
  shown_ = state;
  const LedPattern pattern = pattern_for(state);
  // Both tracks restart together, so two blinking LEDs blink in step.
  play(status_, pattern.status);
  play(live_, pattern.live);
}

void LedPlayer::play(Track& track, const Blink& blink) {
  track.next.reset();
  if (track.line == nullptr || blink.empty()) return;
  track.blink = blink;
  track.step = 0;
  enter_step(track);
}

void LedPlayer::enter_step(Track& track) {
  const LedStep& step = track.blink[track.step];
  if (track.level != step.lit) {
    track.line->set(step.lit);
    track.level = step.lit;
  }
  if (track.blink.size() == 1) {  // steady: nothing more to time
    track.next.reset();
    return;
  }
  track.next = clock_.after(step.ms, [this, &track] {
    track.step = (track.step + 1) % track.blink.size();
    enter_step(track);
  });
}

}  // namespace agentcast::gpio
