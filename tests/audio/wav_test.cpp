// The agent's speech as Open-LLM-VTuber sends it: WAV files of any rate, mono or stereo, read
// from their chunks (extensible headers, odd chunks, unfilled sizes), broken ones refused with a
// reason; and converted to the stream's format by GStreamer's resampler with the voice's
// timing and pitch kept.
#include "audio/wav.hpp"
#include "audio/pcm_convert.hpp"

#include <CppUTest/TestHarness.h>

#include <cmath>
#include <numbers>

using namespace agentcast::audio;

namespace {

// `seconds` of a sine at `hz`, amplitude 10000, on every channel; silence before `onset_s`.
Pcm tone(int rate, int channels, double hz, double seconds, double onset_s = 0) {
  Pcm pcm;
  pcm.rate = rate;
  pcm.channels = channels;
  const auto frames = static_cast<std::size_t>(seconds * rate);
  for (std::size_t i = 0; i < frames; ++i) {
    const double t = static_cast<double>(i) / rate;
    const auto value = t < onset_s ? 0 : static_cast<std::int16_t>(10000 * std::sin(2 * std::numbers::pi * hz * t));
    for (int c = 0; c < channels; ++c) pcm.samples.push_back(static_cast<std::int16_t>(value));
  }
  return pcm;
}

// Sign changes of the first channel, ignoring values near zero (the resampler's ringing at the
// ends): twice the frequency times the duration.
int zero_crossings(const Pcm& pcm) {
  int crossings = 0;
  int last_sign = 0;
  for (std::size_t i = 0; i < pcm.samples.size(); i += static_cast<std::size_t>(pcm.channels)) {
    const int sign = pcm.samples[i] > 1000 ? 1 : pcm.samples[i] < -1000 ? -1 : 0;
    if (sign != 0 && last_sign != 0 && sign != last_sign) ++crossings;
    if (sign != 0) last_sign = sign;
  }
  return crossings;
}

// The first frame whose first channel is clearly not silent.
std::int64_t first_sound(const Pcm& pcm) {
  for (std::size_t i = 0; i < pcm.samples.size(); i += static_cast<std::size_t>(pcm.channels)) {
    if (std::abs(pcm.samples[i]) > 2000) return static_cast<std::int64_t>(i) / pcm.channels;
  }
  return -1;
}

std::string header_with(std::uint16_t tag, std::uint16_t channels, std::uint32_t rate, std::uint16_t bits) {
  Pcm pcm;
  pcm.rate = static_cast<int>(rate);
  pcm.channels = channels;
  std::string wav = write_wav(pcm);
  wav[20] = static_cast<char>(tag & 0xFF);
  wav[21] = static_cast<char>(tag >> 8);
  wav[32] = static_cast<char>(channels * bits / 8);
  wav[34] = static_cast<char>(bits);
  return wav;
}

}  // namespace

TEST_GROUP(Wav){};

TEST(Wav, ReadsWhatItWritesAtAnyRateMonoOrStereo) {
  for (const int rate : {16000, 22050, 24000, 44100, 48000}) {
    for (const int channels : {1, 2}) {
      const Pcm original = tone(rate, channels, 440, 0.25);
      std::string problem;
      const auto read = parse_wav(write_wav(original), problem);
      CHECK_TEXT(read.has_value(), problem.c_str());
      LONGS_EQUAL(rate, read->rate);
      LONGS_EQUAL(channels, read->channels);
      CHECK(read->samples == original.samples);
      CHECK(std::abs(read->duration_ms() - 250) <= 1);
    }
  }
}

TEST(Wav, SkipsOtherChunksAndReadsExtensibleHeaders) {
  const Pcm original = tone(24000, 1, 440, 0.1);
  std::string wav = write_wav(original);
  // A LIST chunk of odd size (padded) between fmt and data, as some writers put it.
  wav.insert(36, std::string("LIST\x05\x00\x00\x00"
                             "abcde\x00",
                             14));
  std::string problem;
  auto read = parse_wav(wav, problem);
  CHECK_TEXT(read.has_value(), problem.c_str());
  CHECK(read->samples == original.samples);

  // WAVE_FORMAT_EXTENSIBLE: a 40-byte fmt chunk whose sub-format GUID starts with PCM's tag.
  std::string extensible = write_wav(original);
  extensible[16] = 40;
  extensible[20] = static_cast<char>(0xFE);
  extensible[21] = static_cast<char>(0xFF);
  std::string extra(24, '\0');
  extra[0] = 22;  // cbSize
  extra[8] = 1;   // sub-format: PCM
  extensible.insert(36, extra);
  read = parse_wav(extensible, problem);
  CHECK_TEXT(read.has_value(), problem.c_str());
  CHECK(read->samples == original.samples);
}

TEST(Wav, ADataSizeNeverFilledInRunsToTheEndAndALongerClaimIsCut) {
  const Pcm original = tone(16000, 1, 300, 0.1);
  std::string wav = write_wav(original);
  wav.replace(40, 4, "\xFF\xFF\xFF\xFF");
  std::string problem;
  auto read = parse_wav(wav, problem);
  CHECK(read && read->samples == original.samples);
  wav = write_wav(original);
  wav.resize(wav.size() - 101);  // the last half sample is dropped, not read past the end
  read = parse_wav(wav, problem);
  CHECK(read && read->samples.size() == original.samples.size() - 51);
}

TEST(Wav, WhatIsNotSixteenBitPcmIsRefusedWithTheReason) {
  std::string problem;
  CHECK_FALSE(parse_wav("", problem));
  STRCMP_EQUAL("not a RIFF/WAVE file", problem.c_str());
  CHECK_FALSE(parse_wav(std::string("RIFF\x04\x00\x00\x00WAVE", 12), problem));
  STRCMP_EQUAL("no fmt chunk", problem.c_str());
  CHECK_FALSE(parse_wav(header_with(1, 1, 24000, 8), problem));
  STRCMP_EQUAL("8-bit samples: only 16-bit PCM is played", problem.c_str());
  CHECK_FALSE(parse_wav(header_with(3, 1, 24000, 32), problem));
  STRCMP_EQUAL("format 3: only PCM is played", problem.c_str());
  CHECK_FALSE(parse_wav(header_with(1, 6, 24000, 16), problem));
  STRCMP_EQUAL("6 channels: only mono and stereo are played", problem.c_str());
  CHECK_FALSE(parse_wav(header_with(1, 1, 4000000, 16), problem));
  STRCMP_EQUAL("a sample rate of 4000000 Hz", problem.c_str());
  std::string no_data = write_wav(tone(24000, 1, 440, 0.01));
  no_data.resize(36);
  CHECK_FALSE(parse_wav(no_data, problem));
  STRCMP_EQUAL("no data chunk", problem.c_str());
  // Every truncation of a real file: read or refused, never past its end (ASan in the fuzzer).
  const std::string whole = write_wav(tone(24000, 2, 440, 0.01));
  for (std::size_t size = 0; size < whole.size(); ++size) {
    static_cast<void>(parse_wav(std::string_view(whole).substr(0, size), problem));
  }
}

TEST_GROUP(PcmConvert){};

TEST(PcmConvert, TwentyFourKilohertzMonoBecomesTheStreamsFormatWithItsPitchAndLength) {
  const Pcm voice = tone(24000, 1, 440, 1.0);
  std::string problem;
  const auto out = convert(voice, 48000, 2, problem);
  CHECK_TEXT(out.has_value(), problem.c_str());
  LONGS_EQUAL(48000, out->rate);
  LONGS_EQUAL(2, out->channels);
  LONGS_EQUAL(48000, out->frames());
  CHECK_TEXT(std::abs(zero_crossings(*out) - 880) <= 2, std::to_string(zero_crossings(*out)).c_str());  // still 440 Hz
  for (std::size_t i = 0; i < out->samples.size(); i += 2) {
    if (out->samples[i] != out->samples[i + 1]) FAIL("mono is copied to both channels");
  }
}

TEST(PcmConvert, TheVoiceStartsWhenItStartedAtAnyRate) {
  for (const int rate : {16000, 22050, 24000}) {
    const Pcm voice = tone(rate, 1, 300, 0.5, 0.2);  // sound from 200 ms
    std::string problem;
    const auto out = convert(voice, 44100, 2, problem);
    CHECK_TEXT(out.has_value(), problem.c_str());
    LONGS_EQUAL_TEXT(22050, out->frames(), std::to_string(rate).c_str());
    const std::int64_t onset_ms = first_sound(*out) * 1000 / 44100;
    CHECK_TEXT(std::abs(onset_ms - 200) <= 2, std::to_string(onset_ms).c_str());
  }
}

TEST(PcmConvert, StereoToMonoAndTheSameFormatAsItIs) {
  const Pcm stereo = tone(48000, 2, 440, 0.1);
  std::string problem;
  const auto mono = convert(stereo, 48000, 1, problem);
  CHECK(mono && mono->channels == 1 && mono->frames() == stereo.frames());
  const auto same = convert(stereo, 48000, 2, problem);
  CHECK(same && same->samples == stereo.samples);
}
