#pragma once
// Bitcoin/Solana base58 (alphabet without 0, O, I, l).
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace agentcast::retake {

// nullopt when `text` holds a character outside the alphabet or is empty.
std::optional<std::vector<std::uint8_t>> base58_decode(std::string_view text);

// A Solana public key: base58 that decodes to exactly 32 bytes.
bool is_solana_address(std::string_view text);

}  // namespace agentcast::retake
