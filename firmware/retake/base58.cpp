#include "retake/base58.hpp"

#include <algorithm>
#include <array>

namespace agentcast::retake {
namespace {

constexpr std::string_view kAlphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

}  // namespace

std::optional<std::vector<std::uint8_t>> base58_decode(std::string_view text) {
  // A Solana address is 32-44 characters; anything far longer is not worth the quadratic work.
  if (text.empty() || text.size() > 128) return std::nullopt;
  std::vector<std::uint8_t> bytes;  // little-endian big number
  for (const char c : text) {
    const auto digit = kAlphabet.find(c);
    if (digit == std::string_view::npos) return std::nullopt;
    unsigned carry = static_cast<unsigned>(digit);
    for (auto& byte : bytes) {
      carry += static_cast<unsigned>(byte) * 58;
      byte = static_cast<std::uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push_back(static_cast<std::uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }
  // Each leading '1' stands for a leading zero byte.
  const auto zeros =
      static_cast<std::size_t>(std::find_if(text.begin(), text.end(), [](char c) { return c != '1'; }) - text.begin());
  bytes.insert(bytes.end(), zeros, 0);
  std::reverse(bytes.begin(), bytes.end());
  return bytes;
}

bool is_solana_address(std::string_view text) {
  const auto bytes = base58_decode(text);
  return bytes && bytes->size() == 32;
}

}  // namespace agentcast::retake
