// SPDX-License-Identifier: MIT
// The registry verbs docker, podman and oras users reach for, end to end against a real
// docker-registry: images (--format json, -q, a repository filter), tag, push from the
// store, tags (the registry's tag list), rm by ID or digest (-f), prune, save -o - and
// load -i - through pipes.
#include <gtest/gtest.h>

#include <gmock/gmock.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "fixtures.h"
#include "oci/credentials.h"
#include "oci/digest.h"
#include "oci/pull.h"
#include "oci/registry_client.h"
#include "oci/reporter.h"

namespace wb::oci::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class Verbs : public ::testing::Test {
 protected:
  void SetUp() override {
    registry = std::make_unique<Registry>(dir / "reg", RegistryConfig{});
    host = registry->host();
    const Outcome push = cli({"push", hello_path(), ref("hello:v1")});
    ASSERT_EQ(push.status, 0) << push.err;
    digest = push.out.substr(0, push.out.find('\n'));
    ASSERT_EQ(cli({"pull", ref("hello:v1")}).status, 0);
  }
  std::string ref(const std::string& repo_tag) const { return host + "/" + repo_tag; }
  json images_json(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"images", "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const Outcome o = cli(args);
    EXPECT_EQ(o.status, 0) << o.err;
    return json::parse(o.out);
  }
  std::string id() const { return digest.substr(7, 12); }

  ScratchDir dir;
  Cli cli{dir.path()};
  std::unique_ptr<Registry> registry;
  std::string host, digest;
};

TEST_F(Verbs, ImagesAsJsonQuietAndFilteredByRepository) {
  const json all = images_json();
  ASSERT_EQ(all.size(), 1u) << all.dump();
  EXPECT_EQ(all[0]["reference"], ref("hello:v1"));
  EXPECT_EQ(all[0]["repository"], ref("hello"));
  EXPECT_EQ(all[0]["tag"], "v1");
  EXPECT_EQ(all[0]["id"], id());
  EXPECT_EQ(all[0]["digest"], digest);
  EXPECT_EQ(all[0]["size"], hello_bytes().size());

  EXPECT_EQ(cli({"images", "-q"}).out, id() + "\n");
  EXPECT_EQ(images_json({ref("hello")}).size(), 1u);
  EXPECT_EQ(images_json({ref("hello:v1")}).size(), 1u);
  EXPECT_EQ(images_json({ref("hello:v2")}).size(), 0u);
  EXPECT_EQ(images_json({ref("other")}).size(), 0u);
  const Outcome table = cli({"images", ref("other")});
  EXPECT_EQ(table.status, 0);
  EXPECT_THAT(table.out, HasSubstr("REPOSITORY"));
  EXPECT_THAT(table.out, ::testing::Not(HasSubstr("hello")));
}

TEST_F(Verbs, TagThenPushFromTheStoreKeepsTheDigestAndTagsListsIt) {
  ASSERT_EQ(cli({"tag", ref("hello:v1"), ref("copy:v2")}).status, 0);
  ASSERT_EQ(cli({"tag", id(), ref("copy:latest")}).status, 0);  // by image ID too
  const json all = images_json();
  ASSERT_EQ(all.size(), 3u) << all.dump();
  for (const auto& i : all) EXPECT_EQ(i["id"], id());
  EXPECT_EQ(cli({"images", "-q"}).out, id() + "\n") << "an ID is listed once";

  for (const char* tag : {"copy:v2", "copy:latest"}) {
    const Outcome push = cli({"push", ref(tag)});
    ASSERT_EQ(push.status, 0) << push.err;
    EXPECT_EQ(push.out, digest + "\n") << "the stored manifest is pushed unchanged";
  }
  const Outcome tags = cli({"tags", ref("copy")});
  ASSERT_EQ(tags.status, 0) << tags.err;
  EXPECT_EQ(tags.out, "latest\nv2\n");
  // What was pushed runs from the registry.
  ASSERT_EQ(cli({"rm", "-f", id()}).status, 0);
  EXPECT_EQ(cli({"run", ref("copy:v2")}).status, 7);

  const Outcome missing = cli({"tags", ref("nothing-here")});
  EXPECT_EQ(missing.status, 1);
  EXPECT_THAT(missing.err, HasSubstr(ref("nothing-here")));
  const Outcome not_stored = cli({"push", ref("never-pulled:v1")});
  EXPECT_EQ(not_stored.status, 1);
  EXPECT_THAT(not_stored.err, HasSubstr("is not in the local store"));
  const Outcome bad_tag = cli({"tag", ref("hello:v1"), ref("x@") + digest});
  EXPECT_NE(bad_tag.status, 0);
  EXPECT_EQ(cli({"tag", ref("absent:v1"), ref("x:v1")}).status, 1);
  // Layout options make no sense for a stored module.
  EXPECT_EQ(cli({"push", "--format", "image", ref("copy:v2")}).status, 2);
}

TEST_F(Verbs, RmByIdOrDigestAndForce) {
  ASSERT_EQ(cli({"tag", ref("hello:v1"), ref("hello:v2")}).status, 0);
  // An ID two references share: named, not removed, unless forced.
  const Outcome shared = cli({"rm", id()});
  EXPECT_EQ(shared.status, 1);
  EXPECT_THAT(shared.err, HasSubstr("is the image of 2 references"));
  EXPECT_THAT(shared.err, HasSubstr(ref("hello:v2")));
  EXPECT_EQ(images_json().size(), 2u);
  // By reference, one goes.
  EXPECT_EQ(cli({"rm", ref("hello:v2")}).out, "Removed " + ref("hello:v2") + "\n");
  // By digest prefix, the other.
  const Outcome by_digest = cli({"rm", digest.substr(0, 7 + 16)});
  EXPECT_EQ(by_digest.status, 0) << by_digest.err;
  EXPECT_EQ(by_digest.out, "Removed " + ref("hello:v1") + "\n");
  EXPECT_TRUE(images_json().empty());
  EXPECT_TRUE(files_under(cli.store + "/blobs").empty()) << "blobs nothing uses are removed";
  // Not there: an error, but not with -f.
  const Outcome absent = cli({"rm", ref("hello:v1")});
  EXPECT_EQ(absent.status, 1);
  EXPECT_THAT(absent.err, HasSubstr("is not in the local store"));
  EXPECT_EQ(cli({"rm", "-f", ref("hello:v1"), "abcdef0123"}).status, 0);
}

TEST_F(Verbs, SaveToStdoutLoadFromStdin) {
  const Outcome saved = cli({"save", ref("hello:v1"), "-o", "-"});
  ASSERT_EQ(saved.status, 0) << saved.err;
  EXPECT_GT(saved.out.size(), hello_bytes().size());
  EXPECT_THAT(saved.out, HasSubstr("oci-layout"));
  ASSERT_EQ(cli({"rm", ref("hello:v1")}).status, 0);
  const Outcome loaded = cli({"load", "-i", "-"}, saved.out);
  ASSERT_EQ(loaded.status, 0) << loaded.err;
  EXPECT_EQ(loaded.out, "Loaded " + ref("hello:v1") + "\n");
  registry.reset();  // from the store only
  EXPECT_EQ(cli({"run", "--pull", "never", ref("hello:v1")}).status, 7);
  // The same through a file with -i, and misuse.
  std::ofstream(dir / "a.tar", std::ios::binary) << saved.out;
  EXPECT_EQ(cli({"load", "-i", dir / "a.tar"}).status, 0);
  EXPECT_EQ(cli({"load"}).status, 2);
  EXPECT_EQ(cli({"load", dir / "a.tar", "-i", dir / "a.tar"}).status, 2);
  const Outcome garbage = cli({"load", "-i", "-"}, "not a tar archive");
  EXPECT_EQ(garbage.status, 1);
  EXPECT_FALSE(garbage.err.empty());
}

TEST_F(Verbs, PruneRemovesWhatNothingUsesAndAllOnlyWhenConfirmed) {
  // A blob nothing refers to (an interrupted operation, a removed image's leftovers).
  const std::string stray = cli.store + "/blobs/sha256/" + std::string(64, 'a');
  std::ofstream(stray) << std::string(5000, 'x');
  const Outcome prune = cli({"prune"});
  ASSERT_EQ(prune.status, 0) << prune.err;
  EXPECT_THAT(prune.out, HasSubstr("Reclaimed 4.9 KiB"));
  EXPECT_FALSE(std::filesystem::exists(stray));
  EXPECT_EQ(cli({"run", "--pull", "never", ref("hello:v1")}).status, 7) << "what is used stays";

  const Outcome unconfirmed = cli({"prune", "-a"});
  EXPECT_EQ(unconfirmed.status, 1);
  EXPECT_THAT(unconfirmed.err, HasSubstr("-f"));
  EXPECT_EQ(images_json().size(), 1u);
  const Outcome all = cli({"prune", "-a", "-f"});
  ASSERT_EQ(all.status, 0) << all.err;
  EXPECT_THAT(all.out, HasSubstr("Removed " + ref("hello:v1")));
  EXPECT_TRUE(images_json().empty());
  EXPECT_TRUE(files_under(cli.store + "/blobs").empty());
}

// The library reports through the Reporter it is given and never writes to the terminal
// itself: the command line draws (src/cli/terminal_reporter.h), an embedder decides.
struct Recorder : Reporter {
  std::vector<std::string> events;
  void transfer_started(const std::string& label, std::uint64_t total) override {
    events.push_back("started " + label + " " + std::to_string(total));
  }
  void transfer_finished(const std::string& label, std::uint64_t done) override {
    events.push_back("finished " + label + " " + std::to_string(done));
  }
  void status(const std::string& line) override { events.push_back("status " + line); }
  void warning(const std::string& line) override { events.push_back("warning " + line); }
};

TEST_F(Verbs, TheLibraryReportsToItsReporterAndWritesNothingItself) {
  auto recorder = std::make_shared<Recorder>();
  ClientOptions options;
  options.store_root = dir / "library-store";
  options.reporter = recorder;
  // A credentials file that does not parse is worth a warning, not a failure.
  std::ofstream(dir / "auth.json") << "{ not json";
  ::setenv("REGISTRY_AUTH_FILE", (dir / "auth.json").c_str(), 1);
  int captured[2];
  ASSERT_EQ(::pipe(captured), 0);
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(captured[1], STDERR_FILENO);
  auto pulled = pull_image(*parse_reference(ref("hello:v1")), options);
  // (This registry asks for no credentials: look them up as an authenticating one would.)
  const auto credentials = find_credentials(registry->host(), "hello", options);
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(captured[1]);
  ::unsetenv("REGISTRY_AUTH_FILE");
  std::string written;
  char buf[4096];
  for (ssize_t n; (n = ::read(captured[0], buf, sizeof buf)) > 0;) written.append(buf, static_cast<size_t>(n));
  ::close(captured[0]);
  ASSERT_TRUE(pulled) << pulled.error().message;
  EXPECT_EQ(written, "") << "the library wrote to stderr itself";
  const std::string module = sha256_digest(hello_bytes()).substr(7, 12);
  const std::string size = std::to_string(hello_bytes().size());
  std::vector<std::string> expected{"status Pulling " + ref("hello:v1"), "started " + module + " " + size,
                                    "finished " + module + " " + size};
  std::vector<std::string> seen;
  bool warned = false;
  for (const std::string& e : recorder->events) {
    if (e.starts_with("warning ignoring " + (dir / "auth.json"))) warned = true;
    else seen.push_back(e);
  }
  EXPECT_EQ(seen, expected);
  EXPECT_TRUE(warned) << "no warning about the broken credentials file";
  (void)credentials;
}

}  // namespace
}  // namespace wb::oci::test
