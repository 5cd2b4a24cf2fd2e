// SPDX-License-Identifier: MIT
// The local store: commits, lookups, removal with garbage collection, concurrent commits
// under the index lock; and run's module resolution against it.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <thread>

#include <nlohmann/json.hpp>

#include "oci/digest.h"
#include "oci/files.h"
#include "oci/manifest.h"
#include "oci/resolve.h"
#include "oci/store.h"
#include "support.h"

namespace wb::oci {
namespace {

const std::string kModule = std::string("\0asm\1\0\0\0", 8);

// Commits a cncf image holding `module` as `reference`.
StoredImage commit(Store& store, const std::string& reference, const std::string& module) {
  const Artifact a =
      build_artifact(PushFormat::cncf, sha256_digest(module), module.size(), "m.wasm", {}, "t");
  auto staging = store.staging();
  EXPECT_TRUE(staging);
  std::vector<std::string> digests;
  for (const std::string* blob : {&module, &a.config, &a.manifest})
    digests.push_back(*stage_blob(*staging, *blob));
  StoredImage image;
  image.reference = reference;
  image.manifest.media_type = std::string(media::kOciManifest);
  image.manifest.digest = sha256_digest(a.manifest);
  image.manifest.size = a.manifest.size();
  image.module_digest = sha256_digest(module);
  image.pulled = "now";
  auto r = store.commit(*staging, digests, image);
  EXPECT_TRUE(r) << r.error().message;
  return image;
}

TEST(Store, CommitFindListRemove) {
  test::ScratchDir dir;
  Store store(dir / "store");
  EXPECT_TRUE(store.list()->empty());  // no store yet: empty, and nothing is created
  EXPECT_FALSE(test::exists(dir / "store"));

  const StoredImage a = commit(store, "localhost:5000/a:v1", kModule + "a");
  const StoredImage b = commit(store, "localhost:5000/b:v1", kModule + "b");
  commit(store, "localhost:5000/a:v2", kModule + "a");  // shares the module blob with a:v1

  EXPECT_TRUE(test::exists(dir / "store/oci-layout"));
  const auto index = nlohmann::json::parse(test::slurp(dir / "store/index.json"));
  EXPECT_EQ(index["schemaVersion"], 2);
  ASSERT_EQ(index["manifests"].size(), 3u);
  EXPECT_EQ(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
            "localhost:5000/a:v1");
  EXPECT_EQ(index["manifests"][0]["annotations"]["io.wasm-bpf.module"], a.module_digest);

  auto found = store.find(*parse_reference("localhost:5000/a:v1"));
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->manifest.digest, a.manifest.digest);
  // By digest, within the same repository only.
  EXPECT_TRUE(*store.find(*parse_reference("localhost:5000/b@" + b.manifest.digest)));
  EXPECT_FALSE(*store.find(*parse_reference("localhost:5000/a@" + b.manifest.digest)));
  EXPECT_FALSE(*store.find(*parse_reference("localhost:5000/a:v3")));
  EXPECT_EQ(*store.read_blob(a.module_digest), kModule + "a");

  // Re-committing a reference replaces its entry.
  commit(store, "localhost:5000/b:v1", kModule + "b2");
  EXPECT_EQ(store.list()->size(), 3u);

  EXPECT_TRUE(*store.remove(*parse_reference("localhost:5000/a:v1")));
  EXPECT_FALSE(*store.remove(*parse_reference("localhost:5000/a:v1")));
  EXPECT_TRUE(store.has_blob(a.module_digest));  // still used by a:v2
  EXPECT_TRUE(*store.remove(*parse_reference("localhost:5000/a:v2")));
  EXPECT_FALSE(store.has_blob(a.module_digest));
  EXPECT_FALSE(store.has_blob(a.manifest.digest));
  EXPECT_FALSE(store.has_blob(b.module_digest));  // replaced by b2 and collected
  EXPECT_EQ(store.list()->size(), 1u);
  EXPECT_TRUE(test::files_under(dir / "store/tmp").empty());
}

TEST(Store, CommitReportsBlobsCollectedAfterThePullSkippedThem) {
  test::ScratchDir dir;
  Store store(dir / "store");
  const StoredImage a = commit(store, "localhost:5000/a:v1", kModule + "a");

  // A pull of b finds a's module in the store and stages only its config and manifest...
  const std::string module = kModule + "a";
  const Artifact art =
      build_artifact(PushFormat::cncf, sha256_digest(module), module.size(), "m.wasm", {}, "b");
  auto staging = store.staging();
  ASSERT_TRUE(staging);
  std::vector<std::string> digests = {sha256_digest(module)};
  for (const std::string* blob : {&art.config, &art.manifest})
    digests.push_back(*stage_blob(*staging, *blob));
  StoredImage b;
  b.reference = "localhost:5000/b:v1";
  b.manifest.digest = sha256_digest(art.manifest);
  b.manifest.size = art.manifest.size();
  b.module_digest = sha256_digest(module);

  // ...while `rm a` collects that module.
  ASSERT_TRUE(*store.remove(*parse_reference("localhost:5000/a:v1")));
  ASSERT_FALSE(store.has_blob(a.module_digest));

  std::vector<std::string> missing;
  auto r = store.commit(*staging, digests, b, &missing);
  ASSERT_FALSE(r);
  EXPECT_EQ(missing, std::vector<std::string>{sha256_digest(module)});
  EXPECT_TRUE(store.list()->empty()) << "nothing is committed";
  EXPECT_FALSE(store.has_blob(b.manifest.digest)) << "nothing is moved";
  // Without `missing` it is an error that says what happened.
  auto plain = store.commit(*staging, digests, b);
  ASSERT_FALSE(plain);
  EXPECT_NE(plain.error().message.find("vanished"), std::string::npos);

  // The caller fetches it again and commits.
  ASSERT_TRUE(stage_blob(*staging, module));
  missing.clear();
  auto again = store.commit(*staging, digests, b, &missing);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(missing.empty());
  EXPECT_EQ(*store.read_blob(b.module_digest), module);
  EXPECT_TRUE(*store.find(*parse_reference("localhost:5000/b:v1")));
}

TEST(Store, IndexEntriesOfTheWrongTypeAreSkipped) {
  test::ScratchDir dir;
  Store store(dir / "store");
  const StoredImage a = commit(store, "localhost:5000/a:v1", kModule + "a");
  auto index = nlohmann::json::parse(test::slurp(dir / "store/index.json"));
  auto& entries = index["manifests"];
  entries.push_back({{"digest", 5}, {"mediaType", "x"}});
  entries.push_back({{"digest", nullptr}});
  entries.push_back(7);
  entries.push_back({{"mediaType", nullptr},
                     {"digest", a.manifest.digest},
                     {"size", "big"},
                     {"annotations", {{"org.opencontainers.image.ref.name", 12},
                                      {"io.wasm-bpf.index", "not a digest"}}}});
  entries[0]["size"] = -3;
  test::spit(dir / "store/index.json", index.dump());
  auto images = store.list();
  ASSERT_TRUE(images) << images.error().message;
  ASSERT_EQ(images->size(), 2u);
  EXPECT_EQ((*images)[0].reference, "localhost:5000/a:v1");
  EXPECT_EQ((*images)[0].manifest.size, 0u);
  EXPECT_EQ((*images)[1].reference, "");
  EXPECT_EQ((*images)[1].index_digest, "");
  EXPECT_TRUE(*store.find(*parse_reference("localhost:5000/a:v1")));

  test::spit(dir / "store/index.json", R"({"manifests": {"a": 1}})");
  EXPECT_TRUE(store.list()->empty());
  test::spit(dir / "store/index.json", "[1, 2]");
  EXPECT_FALSE(store.list());
}

TEST(Store, StagingSweepsDirectoriesOfGoneProcessesOnly) {
  test::ScratchDir dir;
  Store store(dir / "store");
  auto live = store.staging();
  ASSERT_TRUE(live);
  // Left by a pull that was killed: its lock file is not held by anyone.
  ASSERT_TRUE(make_dirs(dir / "store/tmp/pull-dead01"));
  test::spit(dir / "store/tmp/pull-dead01/.lock", "");
  test::spit(dir / "store/tmp/pull-dead01/partial", "x");
  // From before locks: no lock file.
  test::spit(dir / "store/tmp/pull-old002/partial", "x");
  // Too fresh to judge: its creator may not have taken the lock yet.
  test::spit(dir / "store/tmp/pull-new003/partial", "x");
  test::spit(dir / "store/tmp/other/partial", "x");
  timespec old[2];
  clock_gettime(CLOCK_REALTIME, &old[0]);
  old[0].tv_sec -= 60;
  old[1] = old[0];
  for (const std::string& d : {live->path(), dir / "store/tmp/pull-dead01",
                               dir / "store/tmp/pull-old002", dir / "store/tmp/other"}) {
    ASSERT_EQ(utimensat(AT_FDCWD, d.c_str(), old, 0), 0) << d;
  }
  auto next = store.staging();
  ASSERT_TRUE(next);
  EXPECT_TRUE(test::exists(live->path()));
  EXPECT_FALSE(test::exists(dir / "store/tmp/pull-dead01"));
  EXPECT_FALSE(test::exists(dir / "store/tmp/pull-old002"));
  EXPECT_TRUE(test::exists(dir / "store/tmp/pull-new003"));
  EXPECT_TRUE(test::exists(dir / "store/tmp/other"));
  const std::string path = next->path();
  { auto gone = std::move(*next); }
  EXPECT_FALSE(test::exists(path));
}

TEST(Store, DetectsCorruptBlobs) {
  test::ScratchDir dir;
  Store store(dir / "store");
  const StoredImage a = commit(store, "localhost:5000/a:v1", kModule + "a");
  test::spit(store.blob_path(a.module_digest), "tampered");
  auto r = store.read_blob(a.module_digest);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("corrupt"), std::string::npos);
  // run finds the module, and reading it checks its digest; a blob that is gone counts as
  // not stored.
  ClientOptions options;
  options.store_root = dir / "store";
  auto found = resolve_module_for_run("localhost:5000/a:v1", PullPolicy::never, options);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->digest, a.module_digest);
  auto tampered = read_module(*found);
  ASSERT_FALSE(tampered);
  EXPECT_NE(tampered.error().message.find("the stored module of localhost:5000/a:v1 is corrupt"), std::string::npos)
      << tampered.error().message;
  EXPECT_NE(tampered.error().message.find("Pull it again: wasm-bpf pull localhost:5000/a:v1"), std::string::npos)
      << tampered.error().message;
  std::remove(store.blob_path(a.module_digest).c_str());
  auto gone = resolve_module_for_run("localhost:5000/a:v1", PullPolicy::never, options);
  ASSERT_FALSE(gone);
  EXPECT_NE(gone.error().message.find("not in the local store"), std::string::npos);
}

TEST(Store, ConcurrentCommitsKeepEveryEntry) {
  test::ScratchDir dir;
  constexpr int kWriters = 8;
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      Store store(dir / "store");  // each with its own descriptors, like separate processes
      commit(store, "localhost:5000/t" + std::to_string(i) + ":v1", kModule + std::to_string(i));
    });
  }
  for (std::thread& t : threads) t.join();
  Store store(dir / "store");
  EXPECT_EQ(store.list()->size(), static_cast<std::size_t>(kWriters));
  for (int i = 0; i < kWriters; ++i) {
    EXPECT_TRUE(*store.find(*parse_reference("localhost:5000/t" + std::to_string(i) + ":v1"))) << i;
  }
}

TEST(Resolve, FilesAndReferences) {
  test::ScratchDir dir;
  ClientOptions options;
  options.store_root = dir / "store";
  test::spit(dir / "m.bin", kModule);
  // An existing file, and names that look like files, are returned as they are.
  EXPECT_EQ(resolve_module_for_run(dir / "m.bin", PullPolicy::never, options)->path, dir / "m.bin");
  EXPECT_EQ(resolve_module_for_run("missing.wasm", PullPolicy::never, options)->path, "missing.wasm");
  EXPECT_EQ(resolve_module_for_run("./x", PullPolicy::never, options)->path, "./x");

  auto bad = resolve_module_for_run("Not A Ref!", PullPolicy::missing, options);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("neither a file nor an OCI reference"), std::string::npos);

  auto never = resolve_module_for_run("localhost:5000/a:v1", PullPolicy::never, options);
  ASSERT_FALSE(never);
  EXPECT_NE(never.error().message.find("not in the local store"), std::string::npos);
  EXPECT_NE(never.error().message.find("--pull never"), std::string::npos);

  Store store(options.store_root);
  const StoredImage a = commit(store, "localhost:5000/a:v1", kModule + "a");
  EXPECT_EQ(resolve_module_for_run("localhost:5000/a:v1", PullPolicy::never, options)->path,
            store.blob_path(a.module_digest));
  auto stored = resolve_module_for_run("localhost:5000/a:v1", PullPolicy::missing, options);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->path, store.blob_path(a.module_digest));
  EXPECT_EQ(*read_module(*stored), kModule + "a");
  // 'always' goes to the registry, which is not there.
  auto always = resolve_module_for_run("127.0.0.1:1/a:v1", PullPolicy::always, options);
  ASSERT_FALSE(always);
  EXPECT_NE(always.error().message.find("127.0.0.1:1"), std::string::npos);
}

}  // namespace
}  // namespace wb::oci
