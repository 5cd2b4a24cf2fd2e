// SPDX-License-Identifier: MIT
// Pulls that do not finish: stopped by SIGTERM/SIGINT (they clean up and exit 143/130), killed
// outright (the next pull sweeps what they left, but never the directory of a pull that is
// still running), and a pull racing an `rm` that collects a blob the pull meant to reuse.
#include <gtest/gtest.h>

#include <gmock/gmock.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "oci/digest.h"
#include "oci/manifest.h"

namespace wb::oci::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Every entry (files and directories) under `dir`, recursively; empty if it does not exist.
std::vector<std::string> entries_under(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    out.push_back(std::filesystem::relative(e.path(), dir).string());
  }
  return out;
}

// The first file under `dir` named `name` that has at least `min_size` bytes, or "".
std::string find_file(const std::string& dir, const std::string& name, std::uintmax_t min_size) {
  for (const std::string& f : files_under(dir)) {
    std::error_code ec;
    const std::string path = dir + "/" + f;
    if (std::filesystem::path(f).filename() == name &&
        std::filesystem::file_size(path, ec) >= min_size && !ec) {
      return path;
    }
  }
  return {};
}

// Makes `path` look untouched for a minute, as if its owner had died a while ago.
void age(const std::string& path) {
  timespec times[2];
  clock_gettime(CLOCK_REALTIME, &times[0]);
  times[0].tv_sec -= 60;
  times[1] = times[0];
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

class Interrupted : public ::testing::Test {
 protected:
  void SetUp() override {
    registry = std::make_unique<Registry>(dir / "reg");
    proxy = std::make_unique<FaultProxy>(registry->port());
    // A valid module of 8 MiB (push validates): the header and a custom section of zeros.
    const uint32_t payload = 8u << 20;
    std::string section = std::string("\x03", 1) + "big" + std::string(payload, '\0');
    std::string size;
    for (uint32_t v = static_cast<uint32_t>(section.size());; v >>= 7) {  // LEB128
      size += static_cast<char>((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
      if (v <= 0x7f) break;
    }
    big = std::string("\0asm\1\0\0\0", 8) + std::string(1, '\0') + size + section;
    spit(dir / "big.wasm", big);
    const Outcome push = cli({"push", dir / "big.wasm", registry->host() + "/big:v1"});
    ASSERT_EQ(push.status, 0) << push.err;
    ASSERT_EQ(cli({"push", hello_path(), registry->host() + "/hello:v1"}).status, 0);
    big_hex = sha256_digest(big).substr(7);
  }

  // Starts `args` with the big blob trickling and waits until part of it is on disk.
  std::unique_ptr<Background> start_slow(const std::vector<std::string>& args) {
    proxy->set_fault(FaultProxy::Fault::trickle, big_hex);
    auto bg = std::make_unique<Background>(WB_CLI_BINARY, args, cli.env, dir.path());
    const bool partial = eventually([&] { return !find_file(dir.path(), big_hex, 1).empty(); });
    EXPECT_TRUE(partial) << "no partial download appeared";
    return bg;
  }

  std::string big_ref() const { return proxy->host() + "/big:v1"; }

  ScratchDir dir;
  Cli cli{dir.path()};
  std::unique_ptr<Registry> registry;
  std::unique_ptr<FaultProxy> proxy;
  std::string big, big_hex;
};

TEST_F(Interrupted, SigtermStopsAPullAndItsDownloadIsRemoved) {
  auto bg = start_slow({"pull", big_ref()});
  bg->signal(SIGTERM);
  const Outcome o = bg->wait(20000);
  EXPECT_EQ(o.status, 143) << o.err;
  EXPECT_THAT(o.err, HasSubstr("interrupted by SIGTERM"));
  EXPECT_TRUE(entries_under(cli.store + "/tmp").empty());
  EXPECT_FALSE(exists(cli.store + "/blobs/sha256/" + big_hex));

  // A later pull works.
  proxy->set_fault(FaultProxy::Fault::none, "");
  const Outcome again = cli({"pull", big_ref()});
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(slurp(cli.store + "/blobs/sha256/" + big_hex), big);
  EXPECT_TRUE(entries_under(cli.store + "/tmp").empty());
}

// A second signal does not wait for the clean-up of the first: wasm-bpf dies of it at once,
// but not before removing what it had downloaded. (Both signals are sent while the process
// is stopped, so that the second arrives while the first is still being handled.)
TEST_F(Interrupted, ASecondSignalEndsThePullAtOnceAndLeavesNothing) {
  auto bg = start_slow({"pull", big_ref()});
  bg->signal(SIGSTOP);
  bg->signal(SIGINT);
  bg->signal(SIGTERM);
  bg->signal(SIGCONT);
  const Outcome o = bg->wait(20000);
  // It dies of whichever signal came second (the kernel picks the order).
  EXPECT_TRUE(o.status == 128 + SIGTERM || o.status == 128 + SIGINT) << o.status << " " << o.err;
  EXPECT_THAT(o.err, Not(HasSubstr("interrupted by"))) << "the first signal's clean-up ran to the end";
  EXPECT_TRUE(entries_under(cli.store + "/tmp").empty())
      << "left: " << ::testing::PrintToString(entries_under(cli.store + "/tmp"));
  EXPECT_FALSE(exists(cli.store + "/blobs/sha256/" + big_hex));

  ASSERT_EQ(::mkdir((dir / "out").c_str(), 0755), 0);
  auto to_file = start_slow({"pull", "-o", dir / "out/big.wasm", big_ref()});
  to_file->signal(SIGSTOP);
  to_file->signal(SIGINT);
  to_file->signal(SIGTERM);
  to_file->signal(SIGCONT);
  const Outcome o2 = to_file->wait(20000);
  EXPECT_TRUE(o2.status == 128 + SIGTERM || o2.status == 128 + SIGINT) << o2.status << " " << o2.err;
  EXPECT_TRUE(entries_under(dir / "out").empty()) << ::testing::PrintToString(entries_under(dir / "out"));
}

TEST_F(Interrupted, SigintStopsAPullToAFile) {
  ASSERT_EQ(::mkdir((dir / "out").c_str(), 0755), 0);
  auto bg = start_slow({"pull", "-o", dir / "out/big.wasm", big_ref()});
  bg->signal(SIGINT);
  const Outcome o = bg->wait(20000);
  EXPECT_EQ(o.status, 130) << o.err;
  EXPECT_THAT(o.err, HasSubstr("interrupted by SIGINT"));
  EXPECT_TRUE(entries_under(dir / "out").empty());
  EXPECT_TRUE(find_file(dir.path(), big_hex, 0).empty()) << "a partial download is left";
}

TEST_F(Interrupted, SigtermStopsTheImplicitPullOfRun) {
  auto bg = start_slow({"run", big_ref()});
  bg->signal(SIGTERM);
  const Outcome o = bg->wait(20000);
  EXPECT_EQ(o.status, 143) << o.err;
  EXPECT_TRUE(entries_under(cli.store + "/tmp").empty());
}

TEST_F(Interrupted, WhatAKilledPullLeftIsSweptByTheNextOne) {
  auto bg = start_slow({"pull", big_ref()});
  bg->signal(SIGKILL);
  EXPECT_EQ(bg->wait(20000).status, 128 + SIGKILL);
  const std::string partial = find_file(cli.store + "/tmp", big_hex, 1);
  ASSERT_FALSE(partial.empty()) << "SIGKILL cannot be cleaned up after";
  const std::string staging = std::filesystem::path(partial).parent_path();
  age(staging);

  proxy->set_fault(FaultProxy::Fault::none, "");
  const Outcome pull = cli({"pull", registry->host() + "/hello:v1"});
  ASSERT_EQ(pull.status, 0) << pull.err;
  EXPECT_FALSE(exists(staging));
  EXPECT_TRUE(entries_under(cli.store + "/tmp").empty());

  // So is a `pull -o` directory next to its output.
  ASSERT_EQ(::mkdir((dir / "out").c_str(), 0755), 0);
  auto to_file = start_slow({"pull", "-o", dir / "out/big.wasm", big_ref()});
  to_file->signal(SIGKILL);
  to_file->wait(20000);
  const std::string left = find_file(dir / "out", big_hex, 1);
  ASSERT_FALSE(left.empty());
  age(std::filesystem::path(left).parent_path());
  proxy->set_fault(FaultProxy::Fault::none, "");
  const Outcome again = cli({"pull", "-o", dir / "out/hello.wasm", registry->host() + "/hello:v1"});
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(entries_under(dir / "out"), std::vector<std::string>{"hello.wasm"});
}

TEST_F(Interrupted, TheDownloadOfARunningPullIsNotSwept) {
  FaultProxy::Rule hold;
  hold.fault = FaultProxy::Fault::hold;
  hold.match = big_hex;
  proxy->set_rule(hold);
  Background slow(WB_CLI_BINARY, {"pull", big_ref()}, cli.env, dir.path());
  ASSERT_TRUE(eventually([&] { return proxy->count("GET", big_hex) == 1; }));
  std::string staged;
  ASSERT_TRUE(eventually([&] { return !(staged = find_file(cli.store + "/tmp", big_hex, 0)).empty(); }));
  const std::string staging = std::filesystem::path(staged).parent_path();
  age(staging);  // old, but its owner is alive and holds its lock

  const Outcome other = cli({"pull", registry->host() + "/hello:v1"});
  ASSERT_EQ(other.status, 0) << other.err;
  EXPECT_TRUE(exists(staging));

  proxy->release();
  const Outcome o = slow.wait(30000);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(slurp(cli.store + "/blobs/sha256/" + big_hex), big);
}

TEST_F(Interrupted, APullRefetchesABlobThatAConcurrentRmCollected) {
  // hello:v1 and race:b share the module; race:b also has a notes layer, which the proxy holds
  // back while `rm hello:v1` collects the module that the pull of race:b skipped as stored.
  ASSERT_EQ(cli({"pull", proxy->host() + "/hello:v1"}).status, 0);
  const std::string module = hello_bytes();
  const std::string notes = "release notes";
  const std::string config = "{}";
  const nlohmann::json manifest = {
      {"schemaVersion", 2},
      {"mediaType", media::kOciManifest},
      {"config",
       {{"mediaType", media::kWasmConfigV1},
        {"digest", sha256_digest(config)},
        {"size", config.size()}}},
      {"layers",
       {{{"mediaType", media::kWasm}, {"digest", sha256_digest(module)}, {"size", module.size()}},
        {{"mediaType", "application/vnd.example.notes"},
         {"digest", sha256_digest(notes)},
         {"size", notes.size()}}}}};
  push_raw(registry->host(), "race", "b", {module, notes, config}, manifest.dump(),
           std::string(media::kOciManifest));
  const std::string module_blob = cli.store + "/blobs/sha256/" + sha256_digest(module).substr(7);
  ASSERT_TRUE(exists(module_blob));

  FaultProxy::Rule hold;
  hold.fault = FaultProxy::Fault::hold;
  hold.match = sha256_digest(notes);
  proxy->set_rule(hold);
  Background pull(WB_CLI_BINARY, {"pull", proxy->host() + "/race:b"}, cli.env, dir.path());
  ASSERT_TRUE(eventually([&] { return proxy->count("GET", sha256_digest(notes)) == 1; }));
  EXPECT_EQ(proxy->count("GET", sha256_digest(module)), 1);  // only hello's pull fetched it

  const Outcome rm = cli({"rm", proxy->host() + "/hello:v1"});
  ASSERT_EQ(rm.status, 0) << rm.err;
  ASSERT_FALSE(exists(module_blob));

  proxy->release();
  const Outcome o = pull.wait(30000);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(proxy->count("GET", sha256_digest(module)), 2);  // fetched again
  EXPECT_EQ(slurp(module_blob), module);
  const Outcome run = cli({"run", "--pull", "never", proxy->host() + "/race:b"});
  EXPECT_EQ(run.status, 7) << run.err;
}

}  // namespace
}  // namespace wb::oci::test
