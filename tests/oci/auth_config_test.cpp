// SPDX-License-Identifier: MIT
// Credential files (docker config.json, containers auth.json) and WWW-Authenticate challenges.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "oci/auth_config.h"
#include "oci/challenge.h"
#include "oci/encoding.h"

namespace wb::oci {
namespace {

TEST(AuthConfig, DecodesAuthsEntries) {
  const std::string json = R"({
    "auths": {
      "https://index.docker.io/v1/": {"auth": ")" +
                           base64_encode("hubuser:hub:pass") + R"("},
      "localhost:5000": {"auth": ")" +
                           base64_encode("me:secret") + R"("},
      "ghcr.io": {"identitytoken": "refresh-me"},
      "quay.io": {"username": "old", "password": "style"}
    },
    "credsStore": "desktop",
    "credHelpers": {"gcr.io": "gcloud"},
    "unrelated": 1
  })";
  auto file = parse_auth_file(json);
  ASSERT_TRUE(file) << file.error().message;
  auto hub = find_auth(*file, "docker.io", "library/alpine");
  ASSERT_TRUE(hub);
  EXPECT_EQ(hub->username, "hubuser");
  EXPECT_EQ(hub->password, "hub:pass");  // split at the first ':'
  auto local = find_auth(*file, "localhost:5000", "x");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->username, "me");
  EXPECT_EQ(local->password, "secret");
  auto ghcr = find_auth(*file, "ghcr.io", "");
  ASSERT_TRUE(ghcr);
  EXPECT_EQ(ghcr->identity_token, "refresh-me");
  auto quay = find_auth(*file, "quay.io", "a/b");
  ASSERT_TRUE(quay);
  EXPECT_EQ(quay->username, "old");
  EXPECT_EQ(quay->password, "style");
  EXPECT_FALSE(find_auth(*file, "example.com", ""));
  EXPECT_EQ(find_helper(*file, "gcr.io"), "gcloud");
  EXPECT_EQ(find_helper(*file, "example.com"), "desktop");
  EXPECT_EQ(find_registry_helper(*file, "example.com"), "");
}

TEST(AuthConfig, TheMostSpecificNamespaceKeyWins) {
  const std::string json = R"({"auths": {
    "quay.io": {"auth": ")" +
                           base64_encode("all:1") + R"("},
    "quay.io/team": {"auth": ")" +
                           base64_encode("team:2") + R"("},
    "quay.io/team/tool": {"auth": ")" +
                           base64_encode("tool:3") + R"("}}})";
  auto file = parse_auth_file(json);
  ASSERT_TRUE(file);
  EXPECT_EQ(find_auth(*file, "quay.io", "team/tool")->username, "tool");
  EXPECT_EQ(find_auth(*file, "quay.io", "team/other")->username, "team");
  EXPECT_EQ(find_auth(*file, "quay.io", "teamx/y")->username, "all");
  EXPECT_EQ(find_auth(*file, "quay.io", "")->username, "all");
}

TEST(AuthConfig, RejectsMalformedFiles) {
  EXPECT_FALSE(parse_auth_file("[1,2]"));
  EXPECT_FALSE(parse_auth_file("{not json"));
  auto bad = parse_auth_file(R"({"auths": {"x": {"auth": "***"}}})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("not base64"), std::string::npos);
  auto no_colon =
      parse_auth_file(R"({"auths": {"x": {"auth": ")" + base64_encode("nocolon") + R"("}}})");
  ASSERT_FALSE(no_colon);
  EXPECT_TRUE(parse_auth_file(""));  // no file yet: empty
}

TEST(AuthConfig, WithAuthKeepsOtherFieldsAndReplacesAliases) {
  const std::string before = R"({"auths": {"https://index.docker.io/v1/": {"auth": "b2xkOm9sZA=="},
                                 "other.io": {"auth": "eDp5"}}, "psFormat": "table"})";
  auto after = with_auth(before, "docker.io", "new", "pw");
  ASSERT_TRUE(after);
  const auto j = nlohmann::json::parse(*after);
  EXPECT_EQ(j["psFormat"], "table");
  EXPECT_EQ(j["auths"]["other.io"]["auth"], "eDp5");
  EXPECT_EQ(j["auths"]["https://index.docker.io/v1/"]["auth"], base64_encode("new:pw"));
  EXPECT_EQ(j["auths"].size(), 2u);

  bool removed = false;
  auto gone = without_auth(*after, "docker.io", &removed);
  ASSERT_TRUE(gone);
  EXPECT_TRUE(removed);
  const auto k = nlohmann::json::parse(*gone);
  EXPECT_FALSE(k["auths"].contains("https://index.docker.io/v1/"));
  EXPECT_TRUE(k["auths"].contains("other.io"));
  auto again = without_auth(*gone, "docker.io", &removed);
  EXPECT_FALSE(removed);

  auto fresh = with_auth("", "localhost:5000", "u", "p");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(nlohmann::json::parse(*fresh)["auths"]["localhost:5000"]["auth"], base64_encode("u:p"));
}

TEST(Base64, RoundTripsAndRejectsGarbage) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", "user:pa:ss",
                                                       std::string("\0\xff\x10", 3)}) {
    auto d = base64_decode(base64_encode(s));
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, s);
  }
  EXPECT_EQ(base64_encode("user:pass"), "dXNlcjpwYXNz");
  EXPECT_FALSE(base64_decode("a*b"));
  EXPECT_FALSE(base64_decode("ab=c"));
  EXPECT_EQ(*base64_decode("dXNlcjpwYXNz\n"), "user:pass");
  EXPECT_EQ(*base64_decode("-_8"), std::string("\xfb\xff", 2));  // URL-safe alphabet
}

TEST(Challenge, ParsesBearerAndBasic) {
  auto c = parse_challenges(
      R"(Bearer realm="https://auth.example.io/token",service="registry.example.io",scope="repository:a/b:pull,push")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "bearer");
  EXPECT_EQ(c[0].param("realm"), "https://auth.example.io/token");
  EXPECT_EQ(c[0].param("service"), "registry.example.io");
  EXPECT_EQ(c[0].param("scope"), "repository:a/b:pull,push");

  auto b = parse_challenges(R"(Basic realm="Registry \"Realm\"", charset=UTF-8)");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].scheme, "basic");
  EXPECT_EQ(b[0].param("realm"), "Registry \"Realm\"");
  EXPECT_EQ(b[0].param("charset"), "UTF-8");

  auto two = parse_challenges(R"(Basic realm="x", Bearer realm="y",service=s)");
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].param("service"), "s");
  auto picked = pick_challenge({R"(Basic realm="x")", R"(Bearer realm="y")"});
  ASSERT_TRUE(picked);
  EXPECT_EQ(picked->scheme, "bearer");
  EXPECT_FALSE(pick_challenge({"Negotiate"}));
}

}  // namespace
}  // namespace wb::oci
