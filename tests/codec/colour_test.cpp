#include "codec/colour.hpp"

#include <CppUTest/TestHarness.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

using agentcast::codec::bt709_to_jfif;
using agentcast::codec::rgb_to_bt709;

namespace {

struct Exact {
  double y;
  double u;
  double v;
};

// The textbook formulas, in floating point.
Exact exact_yuv(double r, double g, double b, double kr, double kb, bool full_range) {
  const double kg = 1 - kr - kb;
  const double y = (kr * r + kg * g + kb * b) / 255;
  const double u = (b / 255 - y) / (2 * (1 - kb));
  const double v = (r / 255 - y) / (2 * (1 - kr));
  if (full_range) return {255 * y, 128 + 255 * u, 128 + 255 * v};
  return {16 + 219 * y, 128 + 224 * u, 128 + 224 * v};
}

std::string describe(int r, int g, int b) {
  return std::to_string(r) + "," + std::to_string(g) + "," + std::to_string(b);
}

}  // namespace

TEST_GROUP(Colour){};

TEST(Colour, RgbToBt709IsRoundedNotTruncated) {
  for (int r = 0; r < 256; r += 15) {
    for (int g = 0; g < 256; g += 15) {
      for (int b = 0; b < 256; b += 15) {
        const auto got = rgb_to_bt709(r, g, b);
        const auto want = exact_yuv(r, g, b, 0.2126, 0.0722, false);
        CHECK_TEXT(std::abs(got.y - want.y) <= 0.501, describe(r, g, b).c_str());
        CHECK_TEXT(std::abs(got.u - want.u) <= 0.501, describe(r, g, b).c_str());
        CHECK_TEXT(std::abs(got.v - want.v) <= 0.501, describe(r, g, b).c_str());
      }
    }
  }
}

TEST(Colour, GreysStayNeutralOnTheLimitedRange) {
  for (int level = 0; level < 256; ++level) {
    const auto got = rgb_to_bt709(level, level, level);
    LONGS_EQUAL(128, got.u);
    LONGS_EQUAL(128, got.v);
    LONGS_EQUAL(std::lround(16 + 219.0 * level / 255), got.y);
  }
  LONGS_EQUAL(16, rgb_to_bt709(0, 0, 0).y);
  LONGS_EQUAL(235, rgb_to_bt709(255, 255, 255).y);
}

TEST(Colour, TheStreamsColoursBecomeJfifColoursWithinOneStep) {
  for (int r = 0; r < 256; r += 15) {
    for (int g = 0; g < 256; g += 15) {
      for (int b = 0; b < 256; b += 15) {
        const auto stream = rgb_to_bt709(r, g, b);
        const auto got = bt709_to_jfif(stream.y, stream.u, stream.v);
        const auto want = exact_yuv(r, g, b, 0.299, 0.114, true);
        // Two roundings (into the stream, into JFIF) and the limited range's coarser steps.
        CHECK_TEXT(std::abs(got.y - want.y) <= 1.2, describe(r, g, b).c_str());
        CHECK_TEXT(std::abs(got.u - want.u) <= 1.6, describe(r, g, b).c_str());
        CHECK_TEXT(std::abs(got.v - want.v) <= 1.6, describe(r, g, b).c_str());
      }
    }
  }
  const auto black = bt709_to_jfif(16, 128, 128);
  const auto white = bt709_to_jfif(235, 128, 128);
  LONGS_EQUAL(0, black.y);
  LONGS_EQUAL(255, white.y);
  LONGS_EQUAL(128, white.u);
  LONGS_EQUAL(128, white.v);
}

TEST(Colour, PlanesMatchThePixelFormulasAndChromaIsTheBlockMean) {
  // 4x2 pixels: a red 2x2 block and a block of black and white.
  const std::uint32_t pixels[] = {0xff0000, 0xff0000, 0x000000, 0xffffff,  //
                                  0xff0000, 0xff0000, 0xffffff, 0x000000};
  std::vector<std::uint8_t> y(8), u(2), v(2);
  agentcast::codec::xrgb_to_i420_bt709(reinterpret_cast<const std::uint8_t*>(pixels), 16, 4, 2,
                                       {y.data(), 4, u.data(), 2, v.data(), 2});
  const auto red = rgb_to_bt709(255, 0, 0);
  LONGS_EQUAL(red.y, y[0]);
  LONGS_EQUAL(red.y, y[5]);
  LONGS_EQUAL(red.u, u[0]);
  LONGS_EQUAL(red.v, v[0]);
  LONGS_EQUAL(16, y[2]);
  LONGS_EQUAL(235, y[3]);
  LONGS_EQUAL(128, u[1]);  // black and white average to a neutral grey
  LONGS_EQUAL(128, v[1]);

  std::vector<std::uint8_t> jy(8), ju(2), jv(2);
  agentcast::codec::i420_bt709_to_jfif({y.data(), 4, u.data(), 2, v.data(), 2}, 4, 2,
                                       {jy.data(), 4, ju.data(), 2, jv.data(), 2});
  const auto red_jfif = bt709_to_jfif(red.y, red.u, red.v);
  LONGS_EQUAL(red_jfif.y, jy[0]);
  LONGS_EQUAL(red_jfif.u, ju[0]);
  LONGS_EQUAL(red_jfif.v, jv[0]);
  LONGS_EQUAL(0, jy[2]);
  LONGS_EQUAL(255, jy[3]);
}
