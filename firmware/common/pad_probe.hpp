#pragma once
// A probe on a pad, removed when this handle goes or is reset (the pad is held until then).
// Its data belongs to the probe: GStreamer calls `destroy` on it once the probe is removed and
// no streaming thread is inside the callback any more.
#include "common/handles.hpp"

#include <gst/gst.h>

#include <utility>

namespace agentcast {

class PadProbe {
 public:
  PadProbe() = default;
  PadProbe(GstPad* pad, GstPadProbeType type, GstPadProbeCallback callback, gpointer data = nullptr,
           GDestroyNotify destroy = nullptr) {
    if (pad == nullptr) {
      if (destroy != nullptr) destroy(data);  // no probe to own it
      return;
    }
    pad_.reset(GST_PAD(gst_object_ref(pad)));
    id_ = gst_pad_add_probe(pad, type, callback, data, destroy);
  }
  ~PadProbe() { reset(); }
  PadProbe(PadProbe&& other) noexcept : pad_(std::move(other.pad_)), id_(std::exchange(other.id_, 0)) {}
  PadProbe& operator=(PadProbe&& other) noexcept {
    if (this != &other) {
      reset();
      pad_ = std::move(other.pad_);
      id_ = std::exchange(other.id_, 0);
    }
    return *this;
  }
  PadProbe(const PadProbe&) = delete;
  PadProbe& operator=(const PadProbe&) = delete;

  void reset() {
    if (pad_ && id_ != 0) gst_pad_remove_probe(pad_.get(), id_);
    id_ = 0;
    pad_.reset();
  }

 private:
  GstObjectPtr<GstPad> pad_;
  gulong id_ = 0;
};

}  // namespace agentcast
