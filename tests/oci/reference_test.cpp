// SPDX-License-Identifier: MIT
// Reference parsing: the distribution grammar, docker.io defaults, digests, invalid input.
#include <gtest/gtest.h>

#include "oci/reference.h"

namespace wb::oci {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

struct Case {
  std::string text;
  std::string registry, repository, tag, digest, canonical;
};

class ReferenceParse : public ::testing::TestWithParam<Case> {};

TEST_P(ReferenceParse, Parses) {
  const Case& c = GetParam();
  auto r = parse_reference(c.text);
  ASSERT_TRUE(r) << c.text << ": " << r.error().message;
  EXPECT_EQ(r->registry, c.registry) << c.text;
  EXPECT_EQ(r->repository, c.repository) << c.text;
  EXPECT_EQ(r->tag, c.tag) << c.text;
  EXPECT_EQ(r->digest, c.digest) << c.text;
  EXPECT_EQ(r->to_string(), c.canonical) << c.text;
  // The canonical form parses to the same reference.
  auto again = parse_reference(r->to_string());
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *r);
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, ReferenceParse,
    ::testing::Values(
        Case{"alpine", "docker.io", "library/alpine", "latest", "",
             "docker.io/library/alpine:latest"},
        Case{"alpine:3.19", "docker.io", "library/alpine", "3.19", "",
             "docker.io/library/alpine:3.19"},
        Case{"me/tool", "docker.io", "me/tool", "latest", "", "docker.io/me/tool:latest"},
        Case{"docker.io/alpine", "docker.io", "library/alpine", "latest", "",
             "docker.io/library/alpine:latest"},
        Case{"index.docker.io/me/x:v1", "docker.io", "me/x", "v1", "", "docker.io/me/x:v1"},
        Case{"registry-1.docker.io/me/x", "docker.io", "me/x", "latest", "",
             "docker.io/me/x:latest"},
        Case{"localhost:5000/x", "localhost:5000", "x", "latest", "", "localhost:5000/x:latest"},
        Case{"localhost/x:v1", "localhost", "x", "v1", "", "localhost/x:v1"},
        Case{"127.0.0.1:5000/bootstrap:v1", "127.0.0.1:5000", "bootstrap", "v1", "",
             "127.0.0.1:5000/bootstrap:v1"},
        Case{"ghcr.io/org/team/tool:1.0.0-rc.1", "ghcr.io", "org/team/tool", "1.0.0-rc.1", "",
             "ghcr.io/org/team/tool:1.0.0-rc.1"},
        Case{"[::1]:5000/x:y", "[::1]:5000", "x", "y", "", "[::1]:5000/x:y"},
        Case{"Registry.Example.COM/a/b", "Registry.Example.COM", "a/b", "latest", "",
             "Registry.Example.COM/a/b:latest"},
        Case{"host:443/a__b/c--d/e.f_g", "host:443", "a__b/c--d/e.f_g", "latest", "",
             "host:443/a__b/c--d/e.f_g:latest"},
        Case{"localhost:5000/x@" + kDigest, "localhost:5000", "x", "", kDigest,
             "localhost:5000/x@" + kDigest},
        Case{"localhost:5000/x:v1@" + kDigest, "localhost:5000", "x", "v1", kDigest,
             "localhost:5000/x:v1@" + kDigest},
        Case{"alpine@" + kDigest, "docker.io", "library/alpine", "", kDigest,
             "docker.io/library/alpine@" + kDigest},
        Case{"x:_under", "docker.io", "library/x", "_under", "", "docker.io/library/x:_under"}));

class ReferenceInvalid : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(ReferenceInvalid, IsRejectedWithAReason) {
  const auto& [text, reason] = GetParam();
  auto r = parse_reference(text);
  ASSERT_FALSE(r) << text << " parsed as " << r->to_string();
  EXPECT_NE(r.error().message.find("invalid reference '" + text + "'"), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find(reason), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, ReferenceInvalid,
    ::testing::Values(
        std::make_pair(std::string(""), std::string("empty")),
        std::make_pair(std::string("Upper/Case"), std::string("lowercase")),
        std::make_pair(std::string("docker.io/Me/x"), std::string("lowercase")),
        std::make_pair(std::string("x:-bad"), std::string("not a valid tag")),
        std::make_pair(std::string("x:" + std::string(129, 'a')), std::string("not a valid tag")),
        std::make_pair(std::string("x@sha256:abc"), std::string("64 lowercase hex")),
        std::make_pair(std::string("x@sha256:" + std::string(64, 'A')),
                       std::string("64 lowercase hex")),
        std::make_pair(std::string("x@md5:abcdef"), std::string("not supported")),
        std::make_pair(std::string("x@nocolon"), std::string("not a digest")),
        std::make_pair(std::string("a//b"), std::string("component")),
        std::make_pair(std::string("a/b/"), std::string("component")),
        std::make_pair(std::string("a/-b"), std::string("component")),
        std::make_pair(std::string("a/b..c"), std::string("component")),
        std::make_pair(std::string("a/b___c"), std::string("component")),
        std::make_pair(std::string("localhost:5000/"), std::string("repository name is missing")),
        std::make_pair(std::string(":tag"), std::string("repository name is missing")),
        std::make_pair(std::string("bad_host:5000/x"), std::string("registry host")),
        std::make_pair(std::string("host:99999999/x"), std::string("registry host")),
        std::make_pair(std::string("https://ghcr.io/x"), std::string("URL scheme")),
        std::make_pair(std::string("a b"), std::string("component"))));

TEST(Reference, LongNamesAreRejected) {
  const std::string name = "host.example/" + std::string(250, 'a');
  auto r = parse_reference(name);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("255"), std::string::npos);
}

TEST(Reference, ApiHostOfDockerHub) {
  EXPECT_EQ(parse_reference("alpine")->api_host(), "registry-1.docker.io");
  EXPECT_EQ(parse_reference("localhost:5000/x")->api_host(), "localhost:5000");
  EXPECT_EQ(parse_reference("ghcr.io/x")->api_host(), "ghcr.io");
}

TEST(Reference, ManifestReferencePrefersTheDigest) {
  EXPECT_EQ(parse_reference("x:v1")->manifest_reference(), "v1");
  EXPECT_EQ(parse_reference("x:v1@" + kDigest)->manifest_reference(), kDigest);
}

TEST(Reference, NormalizeRegistry) {
  EXPECT_EQ(normalize_registry("https://index.docker.io/v1/"), "docker.io");
  EXPECT_EQ(normalize_registry("registry-1.docker.io"), "docker.io");
  EXPECT_EQ(normalize_registry("http://localhost:5000"), "localhost:5000");
  EXPECT_EQ(normalize_registry(" ghcr.io/ "), "ghcr.io");
}

TEST(Reference, Loopback) {
  EXPECT_TRUE(is_loopback_registry("localhost"));
  EXPECT_TRUE(is_loopback_registry("localhost:5000"));
  EXPECT_TRUE(is_loopback_registry("127.0.0.1:5000"));
  EXPECT_TRUE(is_loopback_registry("127.1.2.3"));
  EXPECT_TRUE(is_loopback_registry("[::1]:5000"));
  EXPECT_FALSE(is_loopback_registry("127.example.com"));
  EXPECT_FALSE(is_loopback_registry("ghcr.io"));
  EXPECT_FALSE(is_loopback_registry("10.0.0.1:5000"));
}

}  // namespace
}  // namespace wb::oci
