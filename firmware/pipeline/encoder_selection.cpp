#include "pipeline/encoder_selection.hpp"

#include "common/handles.hpp"

#include <gst/gst.h>

#include <algorithm>
#include <array>
#include <utility>

namespace agentcast::pipeline {
namespace {

std::string describe(const ElementProbe& probe) {
  switch (probe.result) {
    case ElementProbe::Result::usable:
      return "usable";
    case ElementProbe::Result::missing:
      return "missing: " + probe.detail;
    case ElementProbe::Result::fails_ready:
      return "fails to reach READY: " + probe.detail;
  }
  return probe.detail;
}

}  // namespace

ElementProbe probe_gst_element(std::string_view element) {
  const std::string name(element);
  GstObjectPtr<GstElementFactory> factory(gst_element_factory_find(name.c_str()));
  if (!factory) {
    const auto package = debian_package_for(element);
    return {ElementProbe::Result::missing,
            package.empty() ? "no such GStreamer element"
                            : "no such GStreamer element (Debian package " + std::string(package) + ")"};
  }
  GstElement* instance = gst_element_factory_create(factory.get(), nullptr);
  if (instance == nullptr) return {ElementProbe::Result::fails_ready, "the factory could not create it"};
  GstElementPtr owned(GST_ELEMENT(gst_object_ref_sink(instance)));
  const GstStateChangeReturn ret = gst_element_set_state(owned.get(), GST_STATE_READY);
  gst_element_set_state(owned.get(), GST_STATE_NULL);
  if (ret == GST_STATE_CHANGE_FAILURE) return {ElementProbe::Result::fails_ready, "no usable device or driver"};
  return {ElementProbe::Result::usable, {}};
}

EncoderChoice choose_video_encoder(std::string_view configured, std::string_view board_name,
                                   std::span<const std::string> preference, const ElementProber& probe,
                                   const std::function<bool(std::string_view)>& has_fragment,
                                   std::span<const std::string> failed) {
  const auto has_failed = [&](std::string_view element) {
    return std::find(failed.begin(), failed.end(), element) != failed.end();
  };
  if (configured != "auto" && !has_failed(configured)) {
    const ElementProbe result = probe(configured);
    if (result.result != ElementProbe::Result::usable) {
      throw EncoderError("video.encoder: \"" + std::string(configured) + "\" is " + describe(result));
    }
    EncoderChoice choice{std::string(configured), "named by video.encoder", {}};
    choice.considered.push_back({std::string(configured), "chosen"});
    return choice;
  }
  EncoderChoice choice;
  for (const auto& element : preference) {
    if (!choice.element.empty()) {
      choice.considered.push_back({element, "not needed"});
      continue;
    }
    if (has_failed(element)) {
      choice.considered.push_back({element, "failed while streaming"});
      continue;
    }
    if (!has_fragment(element)) {
      choice.considered.push_back({element, "skipped: no pipeline fragment pipelines/video/" + element + ".txt"});
      continue;
    }
    const ElementProbe result = probe(element);
    if (result.result == ElementProbe::Result::usable) {
      choice.element = element;
      choice.considered.push_back({element, "chosen"});
    } else {
      choice.considered.push_back({element, describe(result)});
    }
  }
  if (choice.element.empty()) {
    std::string tried;
    for (const auto& candidate : choice.considered) tried += "\n  " + candidate.element + ": " + candidate.verdict;
    throw EncoderError("no usable H.264 encoder for board " + std::string(board_name) + ":" + tried);
  }
  const bool first = choice.considered.front().element == choice.element;
  choice.reason = "auto: " + std::string(first ? "first" : "first usable") + " entry of board " +
                  std::string(board_name) + "'s preference list";
  if (!failed.empty()) {
    std::string gone;
    for (const auto& element : failed) gone += (gone.empty() ? "" : ", ") + element;
    choice.reason = "fallback after " + gone + " failed while streaming: " + choice.reason;
  }
  return choice;
}

EncoderChoice choose_first_usable(std::span<const std::string> preference, const ElementProber& probe,
                                  std::string_view what) {
  EncoderChoice choice;
  for (const auto& element : preference) {
    if (!choice.element.empty()) {
      choice.considered.push_back({element, "not needed"});
      continue;
    }
    const ElementProbe result = probe(element);
    if (result.result == ElementProbe::Result::usable) {
      choice.element = element;
      choice.reason = "first usable " + std::string(what);
    }
    choice.considered.push_back({element, result.result == ElementProbe::Result::usable ? "chosen" : describe(result)});
  }
  if (choice.element.empty()) {
    std::string tried;
    for (const auto& candidate : choice.considered) tried += "\n  " + candidate.element + ": " + candidate.verdict;
    throw EncoderError("no usable " + std::string(what) + ":" + tried);
  }
  return choice;
}

std::string_view debian_package_for(std::string_view element) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 11> packages{{
      {"x264enc", "gstreamer1.0-plugins-ugly"},
      {"openh264enc", "gstreamer1.0-plugins-bad"},
      {"vah264enc", "gstreamer1.0-plugins-bad"},
      {"vaapih264enc", "gstreamer1.0-vaapi"},
      {"v4l2h264enc", "gstreamer1.0-plugins-good"},
      {"nvv4l2h264enc", "NVIDIA L4T nvidia-l4t-gstreamer"},
      {"voaacenc", "gstreamer1.0-plugins-bad"},
      {"avenc_aac", "gstreamer1.0-libav"},
      {"fdkaacenc", "gstreamer1.0-plugins-bad"},
      {"alsasrc", "gstreamer1.0-alsa"},
      {"rtmp2sink", "gstreamer1.0-plugins-bad"},
  }};
  for (const auto& [name, package] : packages) {
    if (name == element) return package;
  }
  return {};
}

}  // namespace agentcast::pipeline
