#include "codec/h264/skipped_picture.hpp"

#include <algorithm>
#include <array>

namespace agentcast::codec::h264 {
namespace {

constexpr std::uint32_t kSliceTypeP = 0;
constexpr std::uint8_t kNalRefIdcHigh = 2;  // what x264 gives its P pictures

// Table 9-44: the LPS sub-range by probability state and quarter of the current range.
constexpr std::array<std::array<std::uint8_t, 4>, 64> kRangeLps{{
    {128, 176, 208, 240}, {128, 167, 197, 227}, {128, 158, 187, 216}, {123, 150, 178, 205}, {116, 142, 169, 195},
    {111, 135, 160, 185}, {105, 128, 152, 175}, {100, 122, 144, 166}, {95, 116, 137, 158},  {90, 110, 130, 150},
    {85, 104, 123, 142},  {81, 99, 117, 135},   {77, 94, 111, 128},   {73, 89, 105, 122},   {69, 85, 100, 116},
    {66, 80, 95, 110},    {62, 76, 90, 104},    {59, 72, 86, 99},     {56, 69, 81, 94},     {53, 65, 77, 89},
    {51, 62, 73, 85},     {48, 59, 69, 80},     {46, 56, 66, 76},     {43, 53, 63, 72},     {41, 50, 59, 69},
    {39, 48, 56, 65},     {37, 45, 54, 62},     {35, 43, 51, 59},     {33, 41, 48, 56},     {32, 39, 46, 53},
    {30, 37, 43, 50},     {29, 35, 41, 48},     {27, 33, 39, 45},     {26, 31, 37, 43},     {24, 30, 35, 41},
    {23, 28, 33, 39},     {22, 27, 32, 37},     {21, 26, 30, 35},     {20, 24, 29, 33},     {19, 23, 27, 31},
    {18, 22, 26, 30},     {17, 21, 25, 28},     {16, 20, 23, 27},     {15, 19, 22, 25},     {14, 18, 21, 24},
    {14, 17, 20, 23},     {13, 16, 19, 22},     {12, 15, 18, 21},     {12, 14, 17, 20},     {11, 14, 16, 19},
    {11, 13, 15, 18},     {10, 12, 15, 17},     {10, 12, 14, 16},     {9, 11, 13, 15},      {9, 11, 12, 14},
    {8, 10, 12, 14},      {8, 9, 11, 13},       {7, 9, 11, 12},       {7, 9, 10, 12},       {7, 8, 10, 11},
    {6, 8, 9, 11},        {6, 7, 9, 10},        {6, 7, 8, 9},         {2, 2, 2, 2},
}};

// Table 9-45: the next state after a least probable symbol.
constexpr std::array<std::uint8_t, 64> kNextStateLps{
    0,  0,  1,  2,  2,  4,  4,  5,  6,  7,  8,  9,  9,  11, 11, 12, 13, 13, 15, 15, 16, 16,
    18, 18, 19, 19, 21, 21, 22, 22, 23, 24, 24, 25, 26, 26, 27, 27, 28, 29, 29, 30, 30, 30,
    31, 32, 32, 33, 33, 33, 34, 34, 35, 35, 35, 36, 36, 36, 37, 37, 37, 38, 38, 63,
};

// mb_skip_flag of a P slice with no coded neighbour uses ctxIdx 11; (m, n) for
// cabac_init_idc 0 from Table 9-13.
constexpr int kSkipFlagM = 23;
constexpr int kSkipFlagN = 33;

// The arithmetic encoder of 9.3.4, for the two kinds of bin a skipped slice needs.
class CabacWriter {
 public:
  CabacWriter(BitWriter& out, int slice_qp) : out_(out) {
    const int pre_state = std::clamp(((kSkipFlagM * std::clamp(slice_qp, 0, 51)) >> 4) + kSkipFlagN, 1, 126);
    if (pre_state <= 63) {
      state_ = 63 - pre_state;
      mps_ = false;
    } else {
      state_ = pre_state - 64;
      mps_ = true;
    }
  }

  void skip_flag(bool bin) {
    const std::uint32_t lps_range = kRangeLps.at(static_cast<std::size_t>(state_)).at((range_ >> 6) & 3);
    range_ -= lps_range;
    if (bin != mps_) {
      low_ += range_;
      range_ = lps_range;
      if (state_ == 0) mps_ = !mps_;
      state_ = kNextStateLps.at(static_cast<std::size_t>(state_));
    } else {
      state_ = std::min(state_ + 1, 62);
    }
    renormalize();
  }

  // end_of_slice_flag; the last one also flushes, its final bit being rbsp_stop_one_bit.
  void end_of_slice(bool last) {
    range_ -= 2;
    if (!last) {
      renormalize();
      return;
    }
    low_ += range_;
    range_ = 2;
    renormalize();
    put_bit((low_ >> 9) & 1U);
    out_.bits(((low_ >> 7) & 3U) | 1U, 2);
  }

 private:
  void renormalize() {
    while (range_ < 256) {
      if (low_ < 256) {
        put_bit(0);
      } else if (low_ >= 512) {
        low_ -= 512;
        put_bit(1);
      } else {
        low_ -= 256;
        ++outstanding_;
      }
      range_ <<= 1;
      low_ <<= 1;
    }
  }

  void put_bit(std::uint32_t bit) {
    if (first_bit_) {
      first_bit_ = false;
    } else {
      out_.bits(bit, 1);
    }
    for (; outstanding_ > 0; --outstanding_) out_.bits(1 - bit, 1);
  }

  BitWriter& out_;
  std::uint32_t low_ = 0;
  std::uint32_t range_ = 510;
  int outstanding_ = 0;
  bool first_bit_ = true;
  int state_ = 0;
  bool mps_ = true;
};

void write_slice_header(BitWriter& out, const StreamParameters& stream, std::uint32_t frame_num) {
  out.ue(0);  // first_mb_in_slice
  out.ue(kSliceTypeP);
  out.ue(stream.pps_id);
  out.bits(frame_num % stream.max_frame_num(), stream.log2_max_frame_num);
  // Picture order type 2 and frames only: no field or POC syntax.
  if (stream.redundant_pic_cnt) out.ue(0);
  out.flag(true);              // num_ref_idx_active_override_flag: exactly the one reference
  out.ue(0);                   // num_ref_idx_l0_active_minus1
  out.flag(false);             // ref_pic_list_modification_flag_l0
  if (stream.weighted_pred) {  // pred_weight_table() with default weights: an exact copy
    out.ue(0);                 // luma_log2_weight_denom
    if (stream.chroma_array_type != 0) out.ue(0);
    out.flag(false);  // luma_weight_l0_flag
    if (stream.chroma_array_type != 0) out.flag(false);
  }
  out.flag(false);              // adaptive_ref_pic_marking_mode_flag: sliding window, like x264's P pictures
  if (stream.cabac) out.ue(0);  // cabac_init_idc
  out.se(0);                    // slice_qp_delta
  if (stream.deblocking_control) out.ue(1);  // disable_deblocking_filter_idc: nothing to filter
}

}  // namespace

std::vector<std::uint8_t> skipped_picture(const StreamParameters& stream, std::uint32_t frame_num) {
  BitWriter out;
  write_slice_header(out, stream, frame_num);
  if (stream.cabac) {
    while (!out.byte_aligned()) out.flag(true);  // cabac_alignment_one_bit
    CabacWriter cabac(out, stream.pic_init_qp);
    for (std::uint32_t mb = 1; mb <= stream.macroblocks; ++mb) {
      cabac.skip_flag(true);
      cabac.end_of_slice(mb == stream.macroblocks);
    }
    out.align_with_zeros();
  } else {
    out.ue(stream.macroblocks);  // mb_skip_run: the whole picture
    out.trailing_bits();
  }
  const auto rbsp = out.take();
  std::vector<std::uint8_t> nal{static_cast<std::uint8_t>((kNalRefIdcHigh << 5) | static_cast<int>(NalType::slice))};
  const auto payload = escape(rbsp);
  nal.insert(nal.end(), payload.begin(), payload.end());
  return nal;
}

}  // namespace agentcast::codec::h264
