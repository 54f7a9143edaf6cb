#include "audio/wav.hpp"

#include <cstring>

namespace agentcast::audio {
namespace {

constexpr std::uint16_t kFormatPcm = 1;
constexpr std::uint16_t kFormatExtensible = 0xFFFE;

std::uint32_t le32(std::string_view bytes, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

std::uint16_t le16(std::string_view bytes, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
  return static_cast<std::uint16_t>(p[0] | p[1] << 8);
}

void put32(std::string& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

void put16(std::string& out, std::uint16_t value) {
  out.push_back(static_cast<char>(value & 0xFF));
  out.push_back(static_cast<char>(value >> 8));
}

struct Format {
  std::uint16_t tag = 0;
  int channels = 0;
  int rate = 0;
  int bits = 0;
  int block_align = 0;
};

std::optional<Format> read_format(std::string_view chunk, std::string& problem) {
  if (chunk.size() < 16) {
    problem = "the fmt chunk is too short";
    return std::nullopt;
  }
  Format format;
  format.tag = le16(chunk, 0);
  format.channels = le16(chunk, 2);
  format.rate = static_cast<int>(std::min<std::uint32_t>(le32(chunk, 4), 10'000'000));
  format.block_align = le16(chunk, 12);
  format.bits = le16(chunk, 14);
  if (format.tag == kFormatExtensible) {
    // The sub-format GUID's first two bytes are the real format tag.
    if (chunk.size() < 26) {
      problem = "the extensible fmt chunk is too short";
      return std::nullopt;
    }
    format.tag = le16(chunk, 24);
  }
  if (format.tag != kFormatPcm) {
    problem = "format " + std::to_string(format.tag) + ": only PCM is played";
  } else if (format.bits != 16) {
    problem = std::to_string(format.bits) + "-bit samples: only 16-bit PCM is played";
  } else if (format.channels != 1 && format.channels != 2) {
    problem = std::to_string(format.channels) + " channels: only mono and stereo are played";
  } else if (format.rate < 8000 || format.rate > 192000) {
    problem = "a sample rate of " + std::to_string(format.rate) + " Hz";
  } else if (format.block_align != format.channels * 2) {
    problem = "a block alignment that does not match 16-bit samples";
  } else {
    return format;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Pcm> parse_wav(std::string_view bytes, std::string& problem) {
  if (bytes.size() < 12 || bytes.substr(0, 4) != "RIFF" || bytes.substr(8, 4) != "WAVE") {
    problem = "not a RIFF/WAVE file";
    return std::nullopt;
  }
  std::optional<Format> format;
  std::size_t at = 12;
  while (at + 8 <= bytes.size()) {
    const std::string_view id = bytes.substr(at, 4);
    const std::uint64_t declared = le32(bytes, at + 4);
    const std::size_t body = at + 8;
    // A data chunk whose size was never filled in (streamed writers: 0xFFFFFFFF) or that
    // claims more than arrived runs to the end of what arrived.
    const std::size_t size = static_cast<std::size_t>(std::min<std::uint64_t>(declared, bytes.size() - body));
    if (id == "fmt ") {
      format = read_format(bytes.substr(body, size), problem);
      if (!format) return std::nullopt;
    } else if (id == "data") {
      if (!format) {
        problem = "the data chunk comes before the fmt chunk";
        return std::nullopt;
      }
      const std::size_t usable = declared == 0xFFFFFFFF ? bytes.size() - body : size;
      Pcm pcm;
      pcm.rate = format->rate;
      pcm.channels = format->channels;
      pcm.samples.resize(usable / static_cast<std::size_t>(format->block_align) * format->channels);
      for (std::size_t i = 0; i < pcm.samples.size(); ++i) {
        pcm.samples[i] = static_cast<std::int16_t>(le16(bytes, body + i * 2));
      }
      return pcm;
    }
    at = body + size + (size & 1);  // chunks are padded to an even size
  }
  problem = format ? "no data chunk" : "no fmt chunk";
  return std::nullopt;
}

std::string write_wav(const Pcm& pcm) {
  const auto data_bytes = static_cast<std::uint32_t>(pcm.samples.size() * 2);
  std::string out = "RIFF";
  put32(out, 36 + data_bytes);
  out += "WAVEfmt ";
  put32(out, 16);
  put16(out, kFormatPcm);
  put16(out, static_cast<std::uint16_t>(pcm.channels));
  put32(out, static_cast<std::uint32_t>(pcm.rate));
  put32(out, static_cast<std::uint32_t>(pcm.rate * pcm.channels * 2));
  put16(out, static_cast<std::uint16_t>(pcm.channels * 2));
  put16(out, 16);
  out += "data";
  put32(out, data_bytes);
  for (const std::int16_t sample : pcm.samples) put16(out, static_cast<std::uint16_t>(sample));
  return out;
}

}  // namespace agentcast::audio
