#pragma once
// Just enough H.264 syntax (ITU-T H.264) to add pictures to an encoder's stream: bit-level
// reading and writing of RBSPs, the parameter-set fields a P slice header depends on, and the
// slice header's frame_num.
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace agentcast::codec::h264 {

class SyntaxError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// NAL payload <-> RBSP: emulation prevention bytes (7.4.1).
std::vector<std::uint8_t> unescape(std::span<const std::uint8_t> payload);
std::vector<std::uint8_t> escape(std::span<const std::uint8_t> rbsp);

class BitReader {
 public:
  explicit BitReader(std::span<const std::uint8_t> rbsp) : data_(rbsp) {}
  std::uint32_t bits(int count);  // throws SyntaxError past the end
  bool flag() { return bits(1) != 0; }
  std::uint32_t ue();
  std::int32_t se();
  std::size_t position() const { return position_; }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t position_ = 0;  // in bits
};

class BitWriter {
 public:
  void bits(std::uint32_t value, int count);
  void flag(bool value) { bits(value ? 1 : 0, 1); }
  void ue(std::uint32_t value);
  void se(std::int32_t value);
  bool byte_aligned() const { return used_ == 0; }
  // rbsp_trailing_bits(): the stop bit, then zeros up to the byte boundary.
  void trailing_bits();
  // Zeros up to the byte boundary (after a stop bit written by other means).
  void align_with_zeros();
  std::vector<std::uint8_t> take();

 private:
  std::vector<std::uint8_t> bytes_;
  std::uint8_t current_ = 0;
  int used_ = 0;  // bits in current_
};

// What a P slice of one stream must say, from its only SPS and PPS.
struct StreamParameters {
  int nal_length_size = 4;  // bytes before each NAL unit in stream-format=avc
  std::uint32_t pps_id = 0;
  int log2_max_frame_num = 4;
  std::uint32_t macroblocks = 0;  // per picture
  int chroma_array_type = 1;
  bool cabac = false;
  bool weighted_pred = false;
  int pic_init_qp = 26;
  std::uint32_t default_l0_references = 1;  // num_ref_idx_l0_default_active_minus1 + 1
  bool deblocking_control = false;
  bool redundant_pic_cnt = false;

  std::uint32_t max_frame_num() const { return 1U << log2_max_frame_num; }
};

// Reads an AVCDecoderConfigurationRecord (ISO/IEC 14496-15, the codec_data of
// stream-format=avc). A stream we cannot add pictures to exactly gives nullopt and the reason
// in `why`: field pictures, a picture order other than type 2 (decoding order), more than one
// reference frame, several parameter sets, slice groups, scaling matrices, 4:4:4 planes.
std::optional<StreamParameters> read_avc_config(std::span<const std::uint8_t> record, std::string& why);

enum class NalType : std::uint8_t { slice = 1, idr_slice = 5, sei = 6, sps = 7, pps = 8, aud = 9 };

inline int nal_type(std::uint8_t header) { return header & 0x1f; }
inline int nal_ref_idc(std::uint8_t header) { return (header >> 5) & 0x3; }

// What the header of a slice NAL unit (types 1 and 5, header byte included) says about its
// picture. Throws SyntaxError for B and SI/SP slices, which these streams never carry.
struct SliceHeader {
  std::uint32_t frame_num = 0;
  int qp = 0;  // SliceQP_Y
};
SliceHeader read_slice_header(std::span<const std::uint8_t> nal, const StreamParameters& stream);
// The same NAL unit with frame_num set to `frame_num`; every other bit is kept.
std::vector<std::uint8_t> with_frame_num(std::span<const std::uint8_t> nal, const StreamParameters& stream,
                                         std::uint32_t frame_num);

}  // namespace agentcast::codec::h264
