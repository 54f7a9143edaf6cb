#pragma once
// A complete RIFF/WAVE file as Open-LLM-VTuber sends its speech (chat-protocols.md §2.5: pydub
// keeps the TTS engine's rate and channels, so nothing is fixed): 16-bit PCM, mono or stereo,
// any rate from 8 to 192 kHz, plain or WAVE_FORMAT_EXTENSIBLE. Parsed from the header's chunks,
// never from assumed offsets; anything else is a problem string, never a crash.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentcast::audio {

struct Pcm {
  int rate = 0;
  int channels = 0;
  std::vector<std::int16_t> samples;  // interleaved, host order

  std::int64_t frames() const { return channels == 0 ? 0 : static_cast<std::int64_t>(samples.size()) / channels; }
  std::int64_t duration_ms() const { return rate == 0 ? 0 : frames() * 1000 / rate; }
};

// nullopt with `problem` set ("not a RIFF/WAVE file", "8-bit samples: only 16-bit PCM is
// played", ...) when the file is not one the box plays.
std::optional<Pcm> parse_wav(std::string_view bytes, std::string& problem);

// A WAV file of `pcm` (for tests and emulators of the other side).
std::string write_wav(const Pcm& pcm);

}  // namespace agentcast::audio
