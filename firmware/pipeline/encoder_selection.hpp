#pragma once
// Which H.264 (and AAC) encoder the pipeline uses, and why.
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace agentcast::pipeline {

struct ElementProbe {
  enum class Result { usable, missing, fails_ready };
  Result result;
  std::string detail;  // why it is not usable, for the probe report
};

// Checks that a GStreamer element exists and reaches READY (hardware encoders open their
// device there, so a registered plugin without hardware fails this step).
using ElementProber = std::function<ElementProbe(std::string_view element)>;
ElementProbe probe_gst_element(std::string_view element);

struct Candidate {
  std::string element;
  std::string verdict;  // "chosen", "missing: ...", "fails READY: ...", "skipped: ..."
};

struct EncoderChoice {
  std::string element;
  std::string reason;
  std::vector<Candidate> considered;
};

class EncoderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `configured` is video.encoder: "auto" walks `preference` (the board's list) and takes the
// first usable one; a named encoder must be usable itself. `has_fragment` says whether a
// pipeline fragment exists for an element (board lists may name encoders we cannot drive).
// `failed` lists encoders that failed while streaming: they are passed over, and a named
// encoder that failed falls back to the board's list, so the box keeps streaming.
EncoderChoice choose_video_encoder(std::string_view configured, std::string_view board_name,
                                   std::span<const std::string> preference, const ElementProber& probe,
                                   const std::function<bool(std::string_view)>& has_fragment,
                                   std::span<const std::string> failed = {});

// The first usable element of `preference`.
EncoderChoice choose_first_usable(std::span<const std::string> preference, const ElementProber& probe,
                                  std::string_view what);

// The Debian package that ships an element, for error messages ("" when unknown).
std::string_view debian_package_for(std::string_view element);

}  // namespace agentcast::pipeline
