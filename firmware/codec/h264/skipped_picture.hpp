#pragma once
// A picture in which every macroblock is P_Skip: with one reference frame and no neighbour
// motion, each macroblock copies the reference at zero motion, so decoders show the previous
// picture again, pixel for pixel, from a few dozen bytes (7.3.4, 8.4.1.1). Hardware encoders
// emit these for still input; here they stand in for x264's own work on unchanged frames.
#include "codec/h264/bitstream.hpp"

#include <cstdint>
#include <vector>

namespace agentcast::codec::h264 {

// The slice NAL unit (header byte included, no length prefix) of a skipped reference picture
// with `frame_num` in the stream described by `stream`.
std::vector<std::uint8_t> skipped_picture(const StreamParameters& stream, std::uint32_t frame_num);

}  // namespace agentcast::codec::h264
