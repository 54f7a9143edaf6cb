#include "codec/h264/bitstream.hpp"

#include <array>

namespace agentcast::codec::h264 {
namespace {

// Profiles whose SPS carries chroma_format_idc, bit depths and scaling matrices (7.3.2.1.1).
constexpr std::array<std::uint32_t, 13> kHighProfiles{100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135};

struct SequenceParameters {
  std::uint32_t id = 0;
  int chroma_array_type = 1;
  int log2_max_frame_num = 4;
  std::uint32_t macroblocks = 0;
};

std::vector<std::uint8_t> rbsp_of(std::span<const std::uint8_t> nal) {
  if (nal.empty()) throw SyntaxError("empty NAL unit");
  return unescape(nal.subspan(1));
}

bool is_high_profile(std::uint32_t profile) {
  for (const auto high : kHighProfiles) {
    if (profile == high) return true;
  }
  return false;
}

std::optional<SequenceParameters> read_sps(std::span<const std::uint8_t> nal, std::string& why) {
  const auto rbsp = rbsp_of(nal);
  BitReader in(rbsp);
  SequenceParameters sps;
  const std::uint32_t profile = in.bits(8);
  in.bits(16);  // constraint flags, level_idc
  sps.id = in.ue();
  if (is_high_profile(profile)) {
    const std::uint32_t chroma_format = in.ue();
    if (chroma_format == 3 && in.flag()) {
      why = "separate colour planes";
      return std::nullopt;
    }
    sps.chroma_array_type = static_cast<int>(chroma_format);
    in.ue();    // bit_depth_luma_minus8
    in.ue();    // bit_depth_chroma_minus8
    in.flag();  // qpprime_y_zero_transform_bypass_flag
    if (in.flag()) {
      why = "scaling matrices";
      return std::nullopt;
    }
  }
  const std::uint32_t log2_max_frame_num_minus4 = in.ue();
  if (log2_max_frame_num_minus4 > 12) throw SyntaxError("log2_max_frame_num out of range");
  sps.log2_max_frame_num = static_cast<int>(log2_max_frame_num_minus4) + 4;
  if (in.ue() != 2) {
    why = "picture order count type is not 2 (B-frames or reordering)";
    return std::nullopt;
  }
  if (in.ue() != 1) {
    why = "more than one reference frame";
    return std::nullopt;
  }
  in.flag();  // gaps_in_frame_num_value_allowed_flag
  const std::uint32_t width_mbs = in.ue() + 1;
  const std::uint32_t height_mbs = in.ue() + 1;
  if (!in.flag()) {
    why = "field pictures";
    return std::nullopt;
  }
  sps.macroblocks = width_mbs * height_mbs;
  return sps;
}

std::optional<StreamParameters> read_pps(std::span<const std::uint8_t> nal, const SequenceParameters& sps,
                                         std::string& why) {
  const auto rbsp = rbsp_of(nal);
  BitReader in(rbsp);
  StreamParameters stream;
  stream.pps_id = in.ue();
  if (in.ue() != sps.id) throw SyntaxError("the PPS refers to another SPS");
  stream.cabac = in.flag();
  in.flag();  // bottom_field_pic_order_in_frame_present_flag: frames only here
  if (in.ue() != 0) {
    why = "slice groups";
    return std::nullopt;
  }
  stream.default_l0_references = in.ue() + 1;
  in.ue();  // num_ref_idx_l1_default_active_minus1
  stream.weighted_pred = in.flag();
  in.bits(2);  // weighted_bipred_idc
  stream.pic_init_qp = 26 + in.se();
  in.se();  // pic_init_qs_minus26
  in.se();  // chroma_qp_index_offset
  stream.deblocking_control = in.flag();
  in.flag();  // constrained_intra_pred_flag
  stream.redundant_pic_cnt = in.flag();
  stream.log2_max_frame_num = sps.log2_max_frame_num;
  stream.macroblocks = sps.macroblocks;
  stream.chroma_array_type = sps.chroma_array_type;
  return stream;
}

// One length-prefixed parameter set of the record, advancing `at`.
std::span<const std::uint8_t> next_parameter_set(std::span<const std::uint8_t> record, std::size_t& at) {
  if (at + 2 > record.size()) throw SyntaxError("codec_data ends inside a parameter set length");
  const std::size_t length = (std::size_t{record[at]} << 8) | record[at + 1];
  at += 2;
  if (length == 0 || at + length > record.size()) throw SyntaxError("codec_data ends inside a parameter set");
  const auto set = record.subspan(at, length);
  at += length;
  return set;
}

// Bits from the start of the RBSP to frame_num in a slice header (7.3.3).
std::size_t frame_num_position(std::span<const std::uint8_t> rbsp) {
  BitReader in(rbsp);
  in.ue();  // first_mb_in_slice
  in.ue();  // slice_type
  in.ue();  // pic_parameter_set_id
  return in.position();
}

}  // namespace

std::vector<std::uint8_t> unescape(std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> rbsp;
  rbsp.reserve(payload.size());
  int zeros = 0;
  for (const std::uint8_t byte : payload) {
    if (zeros >= 2 && byte == 0x03) {
      zeros = 0;
      continue;
    }
    rbsp.push_back(byte);
    zeros = byte == 0 ? zeros + 1 : 0;
  }
  return rbsp;
}

std::vector<std::uint8_t> escape(std::span<const std::uint8_t> rbsp) {
  std::vector<std::uint8_t> payload;
  payload.reserve(rbsp.size() + rbsp.size() / 64 + 1);
  int zeros = 0;
  for (const std::uint8_t byte : rbsp) {
    if (zeros >= 2 && byte <= 0x03) {
      payload.push_back(0x03);
      zeros = 0;
    }
    payload.push_back(byte);
    zeros = byte == 0 ? zeros + 1 : 0;
  }
  if (!payload.empty() && payload.back() == 0) payload.push_back(0x03);  // 7.4.1: never end on 0x00
  return payload;
}

std::uint32_t BitReader::bits(int count) {
  if (position_ + static_cast<std::size_t>(count) > data_.size() * 8) throw SyntaxError("truncated H.264 syntax");
  std::uint32_t value = 0;
  for (int i = 0; i < count; ++i, ++position_) {
    const std::uint8_t byte = data_[position_ / 8];
    value = (value << 1) | ((byte >> (7 - position_ % 8)) & 1U);
  }
  return value;
}

std::uint32_t BitReader::ue() {
  int leading_zeros = 0;
  while (bits(1) == 0) {
    if (++leading_zeros > 31) throw SyntaxError("Exp-Golomb code longer than 32 bits");
  }
  if (leading_zeros == 0) return 0;
  return static_cast<std::uint32_t>((std::uint64_t{1} << leading_zeros) - 1 + bits(leading_zeros));
}

std::int32_t BitReader::se() {
  const std::uint32_t code = ue();
  const auto magnitude = static_cast<std::int32_t>((code + 1) / 2);
  return (code & 1U) != 0 ? magnitude : -magnitude;
}

void BitWriter::bits(std::uint32_t value, int count) {
  for (int i = count - 1; i >= 0; --i) {
    current_ = static_cast<std::uint8_t>((current_ << 1) | ((value >> i) & 1U));
    if (++used_ == 8) {
      bytes_.push_back(current_);
      current_ = 0;
      used_ = 0;
    }
  }
}

void BitWriter::ue(std::uint32_t value) {
  const std::uint64_t code = std::uint64_t{value} + 1;
  int length = 0;
  while ((code >> (length + 1)) != 0) ++length;
  bits(0, length);
  for (int i = length; i >= 0; --i) bits(static_cast<std::uint32_t>((code >> i) & 1U), 1);
}

void BitWriter::se(std::int32_t value) {
  ue(value > 0 ? static_cast<std::uint32_t>(value) * 2 - 1 : static_cast<std::uint32_t>(-value) * 2);
}

void BitWriter::trailing_bits() {
  flag(true);
  align_with_zeros();
}

void BitWriter::align_with_zeros() {
  while (!byte_aligned()) flag(false);
}

std::vector<std::uint8_t> BitWriter::take() {
  align_with_zeros();
  return std::move(bytes_);
}

std::optional<StreamParameters> read_avc_config(std::span<const std::uint8_t> record, std::string& why) {
  try {
    if (record.size() < 7 || record[0] != 1) throw SyntaxError("not an AVCDecoderConfigurationRecord");
    const int length_size = (record[4] & 0x3) + 1;
    if (length_size == 3) throw SyntaxError("NAL length size 3 is not allowed");
    if ((record[5] & 0x1f) != 1) {
      why = "not exactly one SPS";
      return std::nullopt;
    }
    std::size_t at = 6;
    const auto sps_nal = next_parameter_set(record, at);
    if (at >= record.size()) throw SyntaxError("codec_data ends before the PPS count");
    if (record[at++] != 1) {
      why = "not exactly one PPS";
      return std::nullopt;
    }
    const auto pps_nal = next_parameter_set(record, at);
    if (nal_type(sps_nal[0]) != static_cast<int>(NalType::sps) ||
        nal_type(pps_nal[0]) != static_cast<int>(NalType::pps)) {
      throw SyntaxError("codec_data parameter sets of the wrong NAL type");
    }
    const auto sps = read_sps(sps_nal, why);
    if (!sps) return std::nullopt;
    auto stream = read_pps(pps_nal, *sps, why);
    if (stream) stream->nal_length_size = length_size;
    return stream;
  } catch (const SyntaxError& error) {
    why = std::string("unreadable codec_data: ") + error.what();
    return std::nullopt;
  }
}

namespace {

SliceHeader read_header_from(std::span<const std::uint8_t> nal, std::span<const std::uint8_t> rbsp,
                             const StreamParameters& stream) {
  BitReader in(rbsp);
  SliceHeader header;
  const bool idr = nal_type(nal[0]) == static_cast<int>(NalType::idr_slice);
  in.ue();  // first_mb_in_slice
  const std::uint32_t slice_type = in.ue() % 5;
  constexpr std::uint32_t kP = 0;
  constexpr std::uint32_t kI = 2;
  if (slice_type != kP && slice_type != kI) throw SyntaxError("a B, SP or SI slice");
  in.ue();  // pic_parameter_set_id
  header.frame_num = in.bits(stream.log2_max_frame_num);
  if (idr) in.ue();  // idr_pic_id
  if (stream.redundant_pic_cnt) in.ue();
  std::uint32_t references = stream.default_l0_references;
  if (slice_type == kP) {
    if (in.flag()) references = in.ue() + 1;  // num_ref_idx_active_override_flag
    if (in.flag()) {                          // ref_pic_list_modification_flag_l0
      for (std::uint32_t idc = in.ue(); idc != 3; idc = in.ue()) {
        if (idc > 5) throw SyntaxError("bad modification_of_pic_nums_idc");
        in.ue();  // abs_diff_pic_num_minus1 or long_term_pic_num
      }
    }
    if (stream.weighted_pred) {
      in.ue();  // luma_log2_weight_denom
      if (stream.chroma_array_type != 0) in.ue();
      for (std::uint32_t i = 0; i < references; ++i) {
        const int weights = 1 + (stream.chroma_array_type != 0 ? 1 : 0);
        for (int component = 0; component < weights; ++component) {
          if (!in.flag()) continue;
          const int pairs = component == 0 ? 1 : 2;  // luma: weight, offset; chroma: both for Cb and Cr
          for (int j = 0; j < 2 * pairs; ++j) in.se();
        }
      }
    }
  }
  if (nal_ref_idc(nal[0]) != 0) {  // dec_ref_pic_marking()
    if (idr) {
      in.bits(2);  // no_output_of_prior_pics_flag, long_term_reference_flag
    } else if (in.flag()) {
      for (std::uint32_t operation = in.ue(); operation != 0; operation = in.ue()) {
        if (operation > 6) throw SyntaxError("bad memory_management_control_operation");
        if (operation == 1 || operation == 3) in.ue();
        if (operation == 2) in.ue();
        if (operation == 3 || operation == 6) in.ue();
        if (operation == 4) in.ue();
      }
    }
  }
  if (stream.cabac && slice_type != kI) in.ue();  // cabac_init_idc
  header.qp = stream.pic_init_qp + in.se();
  return header;
}

}  // namespace

SliceHeader read_slice_header(std::span<const std::uint8_t> nal, const StreamParameters& stream) {
  if (nal.empty()) throw SyntaxError("empty NAL unit");
  // The header is a few dozen bytes at the front; unescaping a whole 40 kB keyframe for it on
  // every picture would be wasted work. Only a header longer than that needs the rest.
  constexpr std::size_t kHeaderBytes = 64;
  if (nal.size() > kHeaderBytes + 1) {
    try {
      return read_header_from(nal, unescape(nal.subspan(1, kHeaderBytes)), stream);
    } catch (const SyntaxError&) {
      // fall through to the whole unit
    }
  }
  return read_header_from(nal, rbsp_of(nal), stream);
}

std::vector<std::uint8_t> with_frame_num(std::span<const std::uint8_t> nal, const StreamParameters& stream,
                                         std::uint32_t frame_num) {
  auto rbsp = rbsp_of(nal);
  std::size_t bit = frame_num_position(rbsp);
  if (bit + static_cast<std::size_t>(stream.log2_max_frame_num) > rbsp.size() * 8) {
    throw SyntaxError("slice header ends before frame_num");
  }
  for (int i = stream.log2_max_frame_num - 1; i >= 0; --i, ++bit) {
    const auto mask = static_cast<std::uint8_t>(0x80U >> (bit % 8));
    if (((frame_num >> i) & 1U) != 0) {
      rbsp[bit / 8] |= mask;
    } else {
      rbsp[bit / 8] &= static_cast<std::uint8_t>(~mask);
    }
  }
  std::vector<std::uint8_t> out{nal[0]};
  const auto payload = escape(rbsp);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

}  // namespace agentcast::codec::h264
