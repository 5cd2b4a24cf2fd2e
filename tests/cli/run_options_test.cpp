// SPDX-License-Identifier: MIT
#include "cli/run_options.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace wb::cli {
namespace {

TEST(ParseDirMapping, HostOnlyMapsToTheSamePath) {
  const auto m = parse_dir_mapping("/var/log");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->host, "/var/log");
  EXPECT_EQ(m->guest, "/var/log");
}

TEST(ParseDirMapping, HostAndGuest) {
  const auto m = parse_dir_mapping("/var/log::/logs");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->host, "/var/log");
  EXPECT_EQ(m->guest, "/logs");
}

TEST(ParseDirMapping, ReadOnlyAndReadWriteSuffixes) {
  auto m = parse_dir_mapping("/sys/fs/cgroup:ro");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->host, "/sys/fs/cgroup");
  EXPECT_EQ(m->guest, "/sys/fs/cgroup");
  EXPECT_TRUE(m->read_only);
  m = parse_dir_mapping("/var/log::/logs:ro");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->host, "/var/log");
  EXPECT_EQ(m->guest, "/logs");
  EXPECT_TRUE(m->read_only);
  m = parse_dir_mapping("/data::/d:rw");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->guest, "/d");
  EXPECT_FALSE(m->read_only);
  EXPECT_FALSE(parse_dir_mapping("/data")->read_only);
  EXPECT_FALSE(parse_dir_mapping(":ro"));
}

TEST(ParseDirMapping, RejectsEmptySides) {
  EXPECT_FALSE(parse_dir_mapping(""));
  EXPECT_FALSE(parse_dir_mapping("::/x"));
  EXPECT_FALSE(parse_dir_mapping("/x::"));
}

TEST(ParseEnvVar, NameAndValue) {
  const auto v = parse_env_var("K=a=b");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->name, "K");
  EXPECT_EQ(v->value, "a=b");
  const auto empty = parse_env_var("K=");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->value, "");
}

TEST(ParseEnvVar, NameAloneTakesTheHostValue) {
  ::setenv("WB_CLI_TEST_VAR", "from-host", 1);
  const auto v = parse_env_var("WB_CLI_TEST_VAR");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->value, "from-host");
  ::unsetenv("WB_CLI_TEST_VAR");
  EXPECT_FALSE(parse_env_var("WB_CLI_TEST_VAR"));
}

TEST(ParseEnvVar, RejectsAnEmptyName) {
  EXPECT_FALSE(parse_env_var(""));
  EXPECT_FALSE(parse_env_var("=v"));
}

TEST(PullPolicy, RoundTrips) {
  for (PullPolicy p : {PullPolicy::missing, PullPolicy::always, PullPolicy::never}) {
    EXPECT_EQ(parse_pull_policy(to_string(p)), p);
  }
  EXPECT_FALSE(parse_pull_policy("sometimes"));
}

}  // namespace
}  // namespace wb::cli
