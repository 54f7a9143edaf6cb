#include "codec/colour.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

namespace agentcast::codec {
namespace {

constexpr int kShift = 16;
constexpr double kOne = 1 << kShift;

int fixed(double coefficient) { return static_cast<int>(std::lround(coefficient * kOne)); }

std::uint8_t clamp8(int value) { return static_cast<std::uint8_t>(std::clamp(value, 0, 255)); }

// BT.709: Y' = Kr R + Kg G + Kb B; limited range puts Y' on 16..235 and Cb, Cr on 16..240.
constexpr double kKr709 = 0.2126;
constexpr double kKb709 = 0.0722;
constexpr double kKg709 = 1 - kKr709 - kKb709;
// JFIF: BT.601 coefficients, full range.
constexpr double kKr601 = 0.299;
constexpr double kKb601 = 0.114;
constexpr double kKg601 = 1 - kKr601 - kKb601;

using Matrix = std::array<std::array<int, 3>, 3>;

// RGB (0..255) to limited-range BT.709, in fixed point: rows Y, Cb, Cr; columns R, G, B.
Matrix make_rgb_to_yuv() {
  const double ys = 219.0 / 255;
  const double cs = 224.0 / 255;
  const double cb = cs / (2 * (1 - kKb709));
  const double cr = cs / (2 * (1 - kKr709));
  return {{{fixed(ys * kKr709), fixed(ys * kKg709), fixed(ys * kKb709)},
           {fixed(-cb * kKr709), fixed(-cb * kKg709), fixed(cb * (1 - kKb709))},
           {fixed(cr * (1 - kKr709)), fixed(-cr * kKg709), fixed(-cr * kKb709)}}};
}

const Matrix& rgb_to_yuv() {
  static const Matrix matrix = make_rgb_to_yuv();
  return matrix;
}

// Limited-range BT.709 (Y-16, U-128, V-128) to full-range BT.601 (Y, U-128, V-128), in fixed
// point. Through RGB: R = y + 2(1-Kr) cr, B = y + 2(1-Kb) cb, G = (y - Kr R - Kb B) / Kg.
Matrix make_bt709_to_jfif() {
  // Columns: contribution of normalised y (0..1), cb and cr (-0.5..0.5) to R, G, B.
  const std::array<double, 3> r{1, 0, 2 * (1 - kKr709)};
  const std::array<double, 3> b{1, 2 * (1 - kKb709), 0};
  const std::array<double, 3> in_scale{1 / 219.0, 1 / 224.0, 1 / 224.0};
  Matrix m{};
  for (std::size_t i = 0; i < 3; ++i) {
    const double g = ((i == 0 ? 1.0 : 0.0) - kKr709 * r[i] - kKb709 * b[i]) / kKg709;
    const double y = kKr601 * r[i] + kKg601 * g + kKb601 * b[i];
    const double u = (b[i] - y) / (2 * (1 - kKb601));
    const double v = (r[i] - y) / (2 * (1 - kKr601));
    m[0][i] = fixed(255 * y * in_scale[i]);
    m[1][i] = fixed(255 * u * in_scale[i]);
    m[2][i] = fixed(255 * v * in_scale[i]);
  }
  return m;
}

const Matrix& bt709_to_jfif_matrix() {
  static const Matrix matrix = make_bt709_to_jfif();
  return matrix;
}

constexpr int kHalf = 1 << (kShift - 1);

}  // namespace

Yuv rgb_to_bt709(int r, int g, int b) {
  const auto& m = rgb_to_yuv();
  return {(m[0][0] * r + m[0][1] * g + m[0][2] * b + (16 << kShift) + kHalf) >> kShift,
          (m[1][0] * r + m[1][1] * g + m[1][2] * b + (128 << kShift) + kHalf) >> kShift,
          (m[2][0] * r + m[2][1] * g + m[2][2] * b + (128 << kShift) + kHalf) >> kShift};
}

Yuv bt709_to_jfif(int y, int u, int v) {
  const auto& m = bt709_to_jfif_matrix();
  const int dy = y - 16;
  const int du = u - 128;
  const int dv = v - 128;
  return {clamp8((m[0][0] * dy + m[0][1] * du + m[0][2] * dv + kHalf) >> kShift),
          clamp8(((m[1][0] * dy + m[1][1] * du + m[1][2] * dv + kHalf) >> kShift) + 128),
          clamp8(((m[2][0] * dy + m[2][1] * du + m[2][2] * dv + kHalf) >> kShift) + 128)};
}

void xrgb_to_i420_bt709(const std::uint8_t* xrgb, int stride, int width, int height, const I420Planes& out) {
  const auto& m = rgb_to_yuv();
  const auto pixel = [&](int x, int y) {
    std::uint32_t word;
    std::memcpy(&word, xrgb + static_cast<std::ptrdiff_t>(y) * stride + static_cast<std::ptrdiff_t>(x) * 4, 4);
    return word;
  };
  for (int y = 0; y < height; ++y) {
    const auto* row = xrgb + static_cast<std::ptrdiff_t>(y) * stride;
    std::uint8_t* luma = out.y + static_cast<std::ptrdiff_t>(y) * out.y_stride;
    for (int x = 0; x < width; ++x) {
      std::uint32_t word;
      std::memcpy(&word, row + static_cast<std::ptrdiff_t>(x) * 4, 4);
      const int r = static_cast<int>((word >> 16) & 0xff);
      const int g = static_cast<int>((word >> 8) & 0xff);
      const int b = static_cast<int>(word & 0xff);
      luma[x] = static_cast<std::uint8_t>((m[0][0] * r + m[0][1] * g + m[0][2] * b + (16 << kShift) + kHalf) >> kShift);
    }
  }
  // Chroma from the sum of each 2x2 block: four times the mean, so two more bits of shift.
  constexpr int kBlockShift = kShift + 2;
  constexpr int kBlockHalf = 1 << (kBlockShift - 1);
  for (int y = 0; y < (height + 1) / 2; ++y) {
    const int y0 = 2 * y;
    const int y1 = std::min(y0 + 1, height - 1);
    std::uint8_t* u_row = out.u + static_cast<std::ptrdiff_t>(y) * out.u_stride;
    std::uint8_t* v_row = out.v + static_cast<std::ptrdiff_t>(y) * out.v_stride;
    for (int x = 0; x < (width + 1) / 2; ++x) {
      const int x0 = 2 * x;
      const int x1 = std::min(x0 + 1, width - 1);
      int r = 0;
      int g = 0;
      int b = 0;
      for (const std::uint32_t word : {pixel(x0, y0), pixel(x1, y0), pixel(x0, y1), pixel(x1, y1)}) {
        r += static_cast<int>((word >> 16) & 0xff);
        g += static_cast<int>((word >> 8) & 0xff);
        b += static_cast<int>(word & 0xff);
      }
      u_row[x] = static_cast<std::uint8_t>(
          (m[1][0] * r + m[1][1] * g + m[1][2] * b + (128 << kBlockShift) + kBlockHalf) >> kBlockShift);
      v_row[x] = static_cast<std::uint8_t>(
          (m[2][0] * r + m[2][1] * g + m[2][2] * b + (128 << kBlockShift) + kBlockHalf) >> kBlockShift);
    }
  }
}

void i420_bt709_to_jfif(const ConstI420Planes& in, int width, int height, const I420Planes& out) {
  const auto& m = bt709_to_jfif_matrix();
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* luma_in = in.y + static_cast<std::ptrdiff_t>(y) * in.y_stride;
    const std::uint8_t* u_in = in.u + static_cast<std::ptrdiff_t>(y / 2) * in.u_stride;
    const std::uint8_t* v_in = in.v + static_cast<std::ptrdiff_t>(y / 2) * in.v_stride;
    std::uint8_t* luma_out = out.y + static_cast<std::ptrdiff_t>(y) * out.y_stride;
    for (int x = 0; x < width; ++x) {
      const int du = u_in[x / 2] - 128;
      const int dv = v_in[x / 2] - 128;
      luma_out[x] = clamp8((m[0][0] * (luma_in[x] - 16) + m[0][1] * du + m[0][2] * dv + kHalf) >> kShift);
    }
  }
  // A grey's chroma does not depend on its luma in either space (m[1][0] and m[2][0] are 0
  // up to rounding), so the chroma planes convert on their own.
  for (int y = 0; y < (height + 1) / 2; ++y) {
    const std::uint8_t* u_in = in.u + static_cast<std::ptrdiff_t>(y) * in.u_stride;
    const std::uint8_t* v_in = in.v + static_cast<std::ptrdiff_t>(y) * in.v_stride;
    std::uint8_t* u_out = out.u + static_cast<std::ptrdiff_t>(y) * out.u_stride;
    std::uint8_t* v_out = out.v + static_cast<std::ptrdiff_t>(y) * out.v_stride;
    for (int x = 0; x < (width + 1) / 2; ++x) {
      const int du = u_in[x] - 128;
      const int dv = v_in[x] - 128;
      u_out[x] = clamp8(((m[1][1] * du + m[1][2] * dv + kHalf) >> kShift) + 128);
      v_out[x] = clamp8(((m[2][1] * du + m[2][2] * dv + kHalf) >> kShift) + 128);
    }
  }
}

}  // namespace agentcast::codec
