#include "retake/base58.hpp"

#include <CppUTest/TestHarness.h>

using namespace agentcast::retake;

TEST_GROUP(Base58){};

TEST(Base58, DecodesKnownValues) {
  const auto bytes = base58_decode("2g");  // 0x61 = 'a'
  CHECK(bytes.has_value());
  LONGS_EQUAL(1, bytes->size());
  LONGS_EQUAL(0x61, (*bytes)[0]);
  const auto zeros = base58_decode("11");
  LONGS_EQUAL(2, zeros->size());
  LONGS_EQUAL(0, (*zeros)[0]);
}

TEST(Base58, SolanaAddressesDecodeTo32Bytes) {
  CHECK(is_solana_address("11111111111111111111111111111111"));             // the system program
  CHECK(is_solana_address("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"));  // the SPL token program
  CHECK(is_solana_address("So11111111111111111111111111111111111111112"));  // wrapped SOL mint
}

TEST(Base58, RejectsWhatIsNotAnAddress) {
  CHECK_FALSE(is_solana_address(""));
  CHECK_FALSE(is_solana_address("0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl"));              // characters outside the alphabet
  CHECK_FALSE(is_solana_address("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5D"));    // 31 bytes
  CHECK_FALSE(is_solana_address("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DAA"));  // 33 bytes
  CHECK_FALSE(is_solana_address("0x52908400098527886E0F7030069857D2E4169EE7"));    // an Ethereum address
  CHECK_FALSE(is_solana_address(std::string(200, '2')));
}
