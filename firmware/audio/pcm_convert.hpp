#pragma once
// Speech in whatever rate and channels the TTS engine made, converted to the stream's audio
// format (interleaved S16, the stream's rate and channels) by GStreamer's own audio converter
// and resampler (GstAudioConverter), in process: the pipeline's caps never change, so a reply
// never renegotiates or restarts anything.
#include "audio/wav.hpp"

#include <optional>
#include <string>

namespace agentcast::audio {

// nullopt with `problem` set when GStreamer cannot make the conversion.
std::optional<Pcm> convert(const Pcm& in, int rate, int channels, std::string& problem);

}  // namespace agentcast::audio
