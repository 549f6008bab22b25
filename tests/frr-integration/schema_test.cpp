// staticd_schema(): the FRR version string picks the staticd XPath layout; the boundaries (8.4, 10.3,
// 10.7) and the texts that are not versions are pinned here.

#include "frr-integration/schema.hpp"

#include <gtest/gtest.h>

namespace wgfo::frr {
namespace {

TEST(StaticdSchema, MapsVersionsToLayouts) {
  EXPECT_EQ(staticd_schema("8.4.4"), StaticdSchema::Frr8_4);
  EXPECT_EQ(staticd_schema("8.4"), StaticdSchema::Frr8_4);
  EXPECT_EQ(staticd_schema("8.5.1"), StaticdSchema::Frr8_4);
  EXPECT_EQ(staticd_schema("9.1.3"), StaticdSchema::Frr8_4);
  EXPECT_EQ(staticd_schema("10.2.3"), StaticdSchema::Frr8_4);
  EXPECT_EQ(staticd_schema("10.3.1"), StaticdSchema::Frr10_3);
  EXPECT_EQ(staticd_schema("10.6.0"), StaticdSchema::Frr10_3);
  EXPECT_EQ(staticd_schema("10.7.0-dev"), StaticdSchema::Frr10_7);
  EXPECT_EQ(staticd_schema("11.0"), StaticdSchema::Frr10_7);
  EXPECT_EQ(staticd_schema("8.4.4-1.1~deb12u2"), StaticdSchema::Frr8_4);
}

TEST(StaticdSchema, RefusesOldVersionsAndNonVersions) {
  EXPECT_EQ(staticd_schema("8.3.1"), std::nullopt);
  EXPECT_EQ(staticd_schema("7.5"), std::nullopt);
  EXPECT_EQ(staticd_schema(""), std::nullopt);
  EXPECT_EQ(staticd_schema("8"), std::nullopt);
  EXPECT_EQ(staticd_schema("8."), std::nullopt);
  EXPECT_EQ(staticd_schema("v8.4"), std::nullopt);
  EXPECT_EQ(staticd_schema("8.4x"), std::nullopt);
  EXPECT_EQ(staticd_schema("99999999999.1"), std::nullopt);
}

}  // namespace
}  // namespace wgfo::frr
