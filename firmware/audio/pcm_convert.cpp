#include "audio/pcm_convert.hpp"

#include <gst/audio/audio.h>

#include <memory>

namespace agentcast::audio {
namespace {

struct ConverterFree {
  void operator()(GstAudioConverter* converter) const { gst_audio_converter_free(converter); }
};

GstAudioInfo s16_info(int rate, int channels) {
  GstAudioInfo info;
  gst_audio_info_set_format(&info, GST_AUDIO_FORMAT_S16, rate, channels, nullptr);
  return info;
}

}  // namespace

std::optional<Pcm> convert(const Pcm& in, int rate, int channels, std::string& problem) {
  if (in.rate == rate && in.channels == channels) return in;
  GstAudioInfo in_info = s16_info(in.rate, in.channels);
  GstAudioInfo out_info = s16_info(rate, channels);
  // Mono to stereo copies the voice to both sides; stereo to mono averages them.
  const std::unique_ptr<GstAudioConverter, ConverterFree> converter(gst_audio_converter_new(
      GST_AUDIO_CONVERTER_FLAG_NONE, &in_info, &out_info,
      gst_structure_new("options", GST_AUDIO_CONVERTER_OPT_RESAMPLER_METHOD, GST_TYPE_AUDIO_RESAMPLER_METHOD,
                        GST_AUDIO_RESAMPLER_METHOD_KAISER, nullptr)));
  if (!converter) {
    problem = "GStreamer cannot convert " + std::to_string(in.rate) + " Hz x" + std::to_string(in.channels) + " to " +
              std::to_string(rate) + " Hz x" + std::to_string(channels);
    return std::nullopt;
  }
  const auto in_frames = static_cast<gsize>(in.frames());
  // The resampler holds back a few frames of history: the output is sized for all of them and
  // a run of silence pushes the last real ones out.
  const gsize latency = gst_audio_converter_get_max_latency(converter.get());
  const gsize padded_frames = in_frames + 2 * latency + 64;
  std::vector<std::int16_t> padded(in.samples);
  padded.resize(padded_frames * static_cast<gsize>(in.channels), 0);
  const gsize out_frames = gst_audio_converter_get_out_frames(converter.get(), padded_frames);
  Pcm out;
  out.rate = rate;
  out.channels = channels;
  out.samples.resize(out_frames * static_cast<gsize>(channels));
  gpointer in_planes[] = {padded.data()};
  gpointer out_planes[] = {out.samples.data()};
  if (!gst_audio_converter_samples(converter.get(), GST_AUDIO_CONVERTER_FLAG_NONE, in_planes, padded_frames, out_planes,
                                   out_frames)) {
    problem = "GStreamer's audio converter failed";
    return std::nullopt;
  }
  // Drop the resampler's delay at the start and keep exactly the input's duration.
  const auto delay_frames = static_cast<gsize>(
      gst_util_uint64_scale_round(latency, static_cast<guint64>(rate), static_cast<guint64>(in.rate)));
  const auto wanted_frames = static_cast<gsize>(
      gst_util_uint64_scale_round(in_frames, static_cast<guint64>(rate), static_cast<guint64>(in.rate)));
  const gsize start = std::min(delay_frames, out_frames) * static_cast<gsize>(channels);
  const gsize end = std::min(start + wanted_frames * static_cast<gsize>(channels), out.samples.size());
  out.samples = std::vector<std::int16_t>(out.samples.begin() + static_cast<std::ptrdiff_t>(start),
                                          out.samples.begin() + static_cast<std::ptrdiff_t>(end));
  return out;
}

}  // namespace agentcast::audio
