#pragma once
// The two colour conversions the box does itself, exactly (rounded, not truncated), because
// GStreamer's 8-bit converter is off by up to 4 code values on light tones and tints greys:
//  - the scene's RGB into the stream's I420, BT.709 limited range ("tv"): what the caps and
//    the H.264 VUI declare and what the platform's players decode;
//  - that I420 into JFIF's YCbCr (BT.601 full range) for thumbnails: what every JPEG decoder
//    assumes, so a thumbnail shows the same colours as the stream.
// Chroma is the mean of each 2x2 block (odd sizes repeat the last row and column).
#include <cstdint>

namespace agentcast::codec {

struct I420Planes {
  std::uint8_t* y;
  int y_stride;
  std::uint8_t* u;
  int u_stride;
  std::uint8_t* v;
  int v_stride;
};

struct ConstI420Planes {
  const std::uint8_t* y;
  int y_stride;
  const std::uint8_t* u;
  int u_stride;
  const std::uint8_t* v;
  int v_stride;
};

// `xrgb`: cairo's CAIRO_FORMAT_RGB24, one native-endian 32-bit 0x00RRGGBB word per pixel.
void xrgb_to_i420_bt709(const std::uint8_t* xrgb, int stride, int width, int height, const I420Planes& out);

void i420_bt709_to_jfif(const ConstI420Planes& in, int width, int height, const I420Planes& out);

// One pixel of each conversion, for tests and for reasoning about a colour.
struct Yuv {
  int y;
  int u;
  int v;
};
Yuv rgb_to_bt709(int r, int g, int b);
Yuv bt709_to_jfif(int y, int u, int v);

}  // namespace agentcast::codec
