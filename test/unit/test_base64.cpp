#include "core/base64.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace railway {
namespace {

std::string encode(const std::string& bytes) {
    return base64_encode(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

std::string decode(const std::string& text) {
    const auto bytes = base64_decode(text);
    EXPECT_TRUE(bytes.has_value()) << text;
    return bytes ? std::string(bytes->begin(), bytes->end()) : std::string();
}

TEST(Base64, Rfc4648Vectors) {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
    for (const auto& [plain, coded] : vectors) {
        EXPECT_EQ(encode(plain), coded);
        EXPECT_EQ(decode(coded), plain);
    }
}

TEST(Base64, RoundTripsRandomBytes) {
    std::mt19937 random(14);
    for (int size = 0; size < 300; ++size) {
        std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
        for (auto& byte : bytes)
            byte = static_cast<std::uint8_t>(random());
        const auto back = base64_decode(base64_encode(bytes.data(), bytes.size()));
        ASSERT_TRUE(back.has_value());
        EXPECT_EQ(*back, bytes);
    }
}

TEST(Base64, RefusesWhatIsNotCanonical) {
    for (const char* text : {"Zg", "Zg=", "Zg===", "Z===", "====", "Zm9v\n", " Zm9v", "Zm9v====",
                             "Zh==", "Zm9=", "Zm=v", "Z=9v", "Zm9vYg==Zm9v", "Zm9*", "Zm9\xC3",
                             "Zm9-", "Zm9_"}) {
        std::string why;
        EXPECT_FALSE(base64_decode(text, &why).has_value()) << text;
        EXPECT_FALSE(why.empty()) << text;
    }
}

}  // namespace
}  // namespace railway
