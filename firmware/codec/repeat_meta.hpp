#pragma once
// A GstMeta on a raw frame that repeats the previous one (the scene did not change in between),
// so the encoder branch can tell a still picture from a new one without comparing pixels. A
// meta of our own instead of a borrowed buffer flag: no other element gives it a meaning.
#include <gst/gst.h>

namespace agentcast::codec {

void mark_repeat(GstBuffer* frame);  // `frame` must be writable
bool is_repeat(GstBuffer* frame);

}  // namespace agentcast::codec
