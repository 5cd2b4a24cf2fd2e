// SPDX-License-Identifier: MIT
// End to end against a real docker-registry over plain HTTP: push and pull in both layouts,
// run from the store (also offline), runwasi-style tar layers, image indexes, chunked uploads,
// save/load, and interoperability with skopeo in both directions.
#include <gtest/gtest.h>

#include <gmock/gmock.h>

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "fixtures.h"
#include "oci/digest.h"
#include "oci/manifest.h"
#include "oci/registry_client.h"

namespace wb::oci::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class PlainRegistry : public ::testing::Test {
 protected:
  void SetUp() override {
    registry = std::make_unique<Registry>(dir / "reg", config());
    host = registry->host();
  }
  virtual RegistryConfig config() { return {}; }
  // Also valid once the registry is gone.
  std::string ref(const std::string& repo_tag) const { return host + "/" + repo_tag; }

  // The manifest as the registry serves it.
  json remote_manifest(const std::string& repo, const std::string& reference) const {
    RegistryClient client(registry->host(), ClientOptions{});
    auto m = client.get_manifest(repo, reference);
    EXPECT_TRUE(m) << (m ? "" : m.error().message);
    return m ? json::parse(m->bytes) : json();
  }

  ScratchDir dir;
  Cli cli{dir.path()};
  std::unique_ptr<Registry> registry;
  std::string host;
};

TEST_F(PlainRegistry, CncfRoundTripIsByteIdenticalAndRuns) {
  const Outcome push = cli({"push", "-a", "org.opencontainers.image.description=test tool",
                            hello_path(), ref("hello:v1")});
  ASSERT_EQ(push.status, 0) << push.err;
  const std::string digest = push.out.substr(0, push.out.find('\n'));
  EXPECT_TRUE(is_sha256_digest(digest)) << push.out;

  const json m = remote_manifest("hello", "v1");
  EXPECT_EQ(m["mediaType"], "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(m["config"]["mediaType"], "application/vnd.wasm.config.v0+json");
  EXPECT_EQ(m["layers"][0]["mediaType"], "application/wasm");
  EXPECT_EQ(m["layers"][0]["annotations"]["org.opencontainers.image.title"], "hello.wasm");
  EXPECT_TRUE(m["annotations"].contains("org.opencontainers.image.created"));
  EXPECT_EQ(m["annotations"]["org.opencontainers.image.description"], "test tool");

  const Outcome to_file = cli({"pull", "-o", dir / "out.wasm", ref("hello:v1")});
  ASSERT_EQ(to_file.status, 0) << to_file.err;
  EXPECT_EQ(to_file.out, digest + "\n");
  EXPECT_EQ(slurp(dir / "out.wasm"), hello_bytes());
  EXPECT_TRUE(files_under(cli.store).empty()) << "pull -o must not touch the store";

  const Outcome pull = cli({"pull", ref("hello:v1")});
  ASSERT_EQ(pull.status, 0) << pull.err;
  EXPECT_EQ(pull.out, digest + "\n");

  const Outcome images = cli({"images"});
  ASSERT_EQ(images.status, 0) << images.err;
  EXPECT_THAT(images.out, ::testing::ContainsRegex(ref("hello") + " +v1 +" + digest.substr(7, 12) + " "));
  EXPECT_THAT(images.out, HasSubstr("186 B"));

  const Outcome run = cli({"run", "--pull", "never", ref("hello:v1")});
  EXPECT_EQ(run.status, 7) << run.err;
  EXPECT_EQ(run.out, "hello from oci\n");

  const Outcome inspect = cli({"inspect", "--format", "json", ref("hello:v1")});
  ASSERT_EQ(inspect.status, 0) << inspect.err;
  const json info = json::parse(inspect.out);
  EXPECT_EQ(info["source"], "store");
  EXPECT_EQ(info["digest"], digest);
  EXPECT_EQ(info["configMediaType"], "application/vnd.wasm.config.v0+json");
  EXPECT_EQ(info["annotations"]["org.opencontainers.image.description"], "test tool");
  EXPECT_EQ(info["module"]["digest"], sha256_digest(hello_bytes()));
  EXPECT_EQ(info["module"]["size"], hello_bytes().size());
  EXPECT_EQ(info["config"]["os"], "wasip1");
  EXPECT_GT(info["size"].get<int>(), static_cast<int>(hello_bytes().size()));

  const Outcome rm = cli({"rm", ref("hello:v1")});
  EXPECT_EQ(rm.status, 0) << rm.err;
  EXPECT_TRUE(files_under(cli.store + "/blobs").empty());
  const Outcome gone = cli({"run", "--pull", "never", ref("hello:v1")});
  EXPECT_EQ(gone.status, 125);
  EXPECT_THAT(gone.err, HasSubstr("is not in the local store"));
  const Outcome rm_again = cli({"rm", ref("hello:v1")});
  EXPECT_EQ(rm_again.status, 1);
  EXPECT_THAT(rm_again.err, HasSubstr("is not in the local store"));
}

// --format image: a container image (image config with Entrypoint, one tar+gzip layer, the
// compat annotation) that container engines pull, and that pull and run read as well.
TEST_F(PlainRegistry, ImageFormatIsAContainerImage) {
  const Outcome push = cli({"push", "--format", "image", hello_path(), ref("img:v1")});
  ASSERT_EQ(push.status, 0) << push.err;
  const std::string digest = push.out.substr(0, push.out.find('\n'));
  const json m = remote_manifest("img", "v1");
  EXPECT_EQ(m["mediaType"], "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(m["config"]["mediaType"], "application/vnd.oci.image.config.v1+json");
  ASSERT_EQ(m["layers"].size(), 1u);
  EXPECT_EQ(m["layers"][0]["mediaType"], "application/vnd.oci.image.layer.v1.tar+gzip");
  EXPECT_EQ(m["annotations"]["module.wasm.image/variant"], "compat");

  // What skopeo (containers/image, as podman uses it) makes of it: an image of wasip1/wasm
  // whose entry point is the module.
  const Outcome raw = run("skopeo", {"inspect", "--tls-verify=false", "--config", "docker://" + ref("img:v1")});
  ASSERT_EQ(raw.status, 0) << raw.err;
  const json config = json::parse(raw.out);
  EXPECT_EQ(config["os"], "wasip1");
  EXPECT_EQ(config["architecture"], "wasm");
  EXPECT_EQ(config["config"]["Entrypoint"], json::array({"/hello.wasm"}));
  EXPECT_EQ(config["rootfs"]["diff_ids"].size(), 1u);

  // With SOURCE_DATE_EPOCH the same module gives the same image, layer and all.
  Cli fixed = cli;
  fixed.env["SOURCE_DATE_EPOCH"] = "1700000000";
  const Outcome a = fixed({"push", "--format", "image", hello_path(), ref("img:r1")});
  const Outcome b = fixed({"push", "--format", "image", hello_path(), ref("img:r2")});
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(a.out, b.out);

  const Outcome run_it = cli({"run", ref("img:v1")});
  EXPECT_EQ(run_it.status, 7) << run_it.err;
  EXPECT_EQ(run_it.out, "hello from oci\n");
  const Outcome to_file = cli({"pull", "-o", dir / "from-image.wasm", ref("img@" + digest)});
  ASSERT_EQ(to_file.status, 0) << to_file.err;
  EXPECT_EQ(slurp(dir / "from-image.wasm"), hello_bytes());
}

// --platform: the same image for Docker Engine before 24, which pulls only its own OS; pull
// and run read it as well. Misuse is a usage error.
TEST_F(PlainRegistry, ImagePlatformCanBeSetForOlderDockerEngines) {
  const Outcome push = cli({"push", "--format", "image", "--platform", "linux/amd64", hello_path(), ref("img:linux")});
  ASSERT_EQ(push.status, 0) << push.err;
  const Outcome raw = run("skopeo", {"inspect", "--tls-verify=false", "--config", "docker://" + ref("img:linux")});
  ASSERT_EQ(raw.status, 0) << raw.err;
  const json config = json::parse(raw.out);
  EXPECT_EQ(config["os"], "linux");
  EXPECT_EQ(config["architecture"], "amd64");
  EXPECT_EQ(config["config"]["Entrypoint"], json::array({"/hello.wasm"}));
  const Outcome run_it = cli({"run", ref("img:linux")});
  EXPECT_EQ(run_it.status, 7) << run_it.err;
  EXPECT_EQ(run_it.out, "hello from oci\n");

  const Outcome not_image = cli({"push", "--platform", "linux/amd64", hello_path(), ref("img:x")});
  EXPECT_EQ(not_image.status, 2);
  EXPECT_THAT(not_image.err, HasSubstr("--platform applies to --format image only"));
  for (const char* bad : {"linux", "/amd64", "linux/", "linux/amd64/v2"}) {
    const Outcome r = cli({"push", "--format", "image", "--platform", bad, hello_path(), ref("img:x")});
    EXPECT_EQ(r.status, 2) << bad;
    EXPECT_THAT(r.err, HasSubstr("expected OS/ARCH, e.g. linux/amd64")) << bad;
  }
}

// The engines themselves pull it unchanged (they refuse our two artifact layouts).
TEST_F(PlainRegistry, ContainerEnginesPullTheImage) {
  ASSERT_EQ(cli({"push", "--format", "image", hello_path(), ref("eng:v1")}).status, 0);
  bool tried = false;
  if (::access("/usr/bin/podman", X_OK) == 0 && ::geteuid() == 0) {
    tried = true;
    const std::string root = dir / "podman";
    const Outcome p = run("podman", {"--root", root + "/root", "--runroot", root + "/run", "--storage-driver", "vfs",
                                     "--cgroup-manager", "cgroupfs", "--events-backend", "file", "pull",
                                     "--tls-verify=false", ref("eng:v1")});
    EXPECT_EQ(p.status, 0) << "podman pull: " << p.err;
  }
  if (::access("/usr/bin/containerd", X_OK) == 0 && ::geteuid() == 0) {
    tried = true;
    Containerd containerd(dir / "containerd");
    ASSERT_TRUE(containerd.ok()) << containerd.error();
    const Outcome c = containerd.ctr({"images", "pull", "--plain-http", ref("eng:v1")});
    EXPECT_EQ(c.status, 0) << "ctr images pull: " << c.out << c.err;
  }
  if (!tried) GTEST_SKIP() << "podman and containerd are not installed (or not root): nothing pulled";
}

TEST_F(PlainRegistry, WasmToOciRoundTrip) {
  const Outcome push = cli({"push", "--format", "wasm-to-oci", hello_path(), ref("w2o:v1")});
  ASSERT_EQ(push.status, 0) << push.err;
  const json m = remote_manifest("w2o", "v1");
  EXPECT_FALSE(m.contains("mediaType"));
  EXPECT_EQ(m["config"]["mediaType"], "application/vnd.wasm.config.v1+json");
  EXPECT_EQ(m["config"]["size"], 2);
  EXPECT_EQ(m["layers"][0]["mediaType"], "application/vnd.wasm.content.layer.v1+wasm");
  EXPECT_EQ(m["layers"][0]["annotations"]["org.opencontainers.image.title"], "hello.wasm");

  const Outcome pull = cli({"pull", "-o", dir / "w.wasm", ref("w2o:v1")});
  ASSERT_EQ(pull.status, 0) << pull.err;
  EXPECT_EQ(slurp(dir / "w.wasm"), hello_bytes());
  // By digest too.
  const std::string digest = push.out.substr(0, push.out.find('\n'));
  const Outcome run = cli({"run", registry->host() + "/w2o@" + digest});
  EXPECT_EQ(run.status, 7) << run.err;
  EXPECT_EQ(run.out, "hello from oci\n");
}

TEST_F(PlainRegistry, RunPullsWhenMissingAndThenWorksOffline) {
  ASSERT_EQ(cli({"push", hello_path(), ref("tool:v1")}).status, 0);
  const Outcome first = cli({"run", ref("tool:v1"), "ignored-arg"});
  EXPECT_EQ(first.status, 7) << first.err;
  EXPECT_EQ(first.out, "hello from oci\n");

  registry.reset();  // the registry is gone
  const Outcome offline = cli({"run", ref("tool:v1")});
  EXPECT_EQ(offline.status, 7) << offline.err;
  EXPECT_EQ(offline.out, "hello from oci\n");
  const Outcome always = cli({"run", "--pull", "always", ref("tool:v1")});
  EXPECT_EQ(always.status, 125);
  EXPECT_THAT(always.err, HasSubstr("cannot connect"));
  EXPECT_THAT(always.err, HasSubstr("127.0.0.1:"));
}

// Bytes of a stored module overwritten after the pull: run refuses it (by tag and by digest)
// and says how to get it back; pulling again repairs the store.
TEST_F(PlainRegistry, ATamperedStoredModuleIsNotRunAndAPullRepairsIt) {
  const Outcome push = cli({"push", hello_path(), ref("tamper:v1")});
  ASSERT_EQ(push.status, 0) << push.err;
  const std::string digest = push.out.substr(0, push.out.find('\n'));
  ASSERT_EQ(cli({"pull", ref("tamper:v1")}).status, 0);
  const std::string blob = cli.store + "/blobs/sha256/" + std::string(digest_hex(sha256_digest(hello_bytes())));
  std::string bytes = slurp(blob);
  ASSERT_EQ(bytes, hello_bytes());
  bytes[bytes.size() - 3] ^= 0x01;  // still a valid module, most likely: what matters is the digest
  spit(blob, bytes);

  for (const std::string& r : {ref("tamper:v1"), ref("tamper@" + digest)}) {
    const Outcome run = cli({"run", "--pull", "never", r});
    EXPECT_EQ(run.status, 125) << r << "\n" << run.err;
    EXPECT_EQ(run.out, "") << "the tampered module ran";
    EXPECT_THAT(run.err, HasSubstr("is corrupt"));
    EXPECT_THAT(run.err, HasSubstr("Pull it again: wasm-bpf pull "));
  }
  const Outcome pull = cli({"pull", ref("tamper:v1")});
  ASSERT_EQ(pull.status, 0) << pull.err;
  EXPECT_EQ(slurp(blob), hello_bytes());
  const Outcome run = cli({"run", "--pull", "never", ref("tamper:v1")});
  EXPECT_EQ(run.status, 7) << run.err;
  EXPECT_EQ(run.out, "hello from oci\n");
}

TEST_F(PlainRegistry, ErrorsNameTheReference) {
  const Outcome missing = cli({"pull", ref("nothing:here")});
  EXPECT_EQ(missing.status, 1);
  EXPECT_THAT(missing.err, HasSubstr(ref("nothing:here") + ": not found"));
  const Outcome not_wasm = cli({"push", WB_CLI_BINARY, ref("x:v1")});
  EXPECT_EQ(not_wasm.status, 1);
  EXPECT_THAT(not_wasm.err, HasSubstr("not a WebAssembly module"));
  const Outcome by_digest = cli({"push", hello_path(), ref("x@sha256:" + std::string(64, '0'))});
  EXPECT_EQ(by_digest.status, 1);
  EXPECT_THAT(by_digest.err, HasSubstr("push takes a tag, not a digest"));
  // A truncated module has the magic number but is not a module: refused before any upload.
  spit(dir / "truncated.wasm", hello_bytes().substr(0, hello_bytes().size() / 2));
  const Outcome truncated = cli({"push", dir / "truncated.wasm", ref("trunc:v1")});
  EXPECT_EQ(truncated.status, 1);
  EXPECT_THAT(truncated.err, HasSubstr("truncated.wasm is not a valid WebAssembly module ("));
  EXPECT_THAT(truncated.err, HasSubstr("nothing was pushed"));
  EXPECT_EQ(cli({"pull", ref("trunc:v1")}).status, 1) << "it reached the registry";
  const Outcome bad_ref = cli({"pull", "127.0.0.1:5000/UPPER"});
  EXPECT_EQ(bad_ref.status, 1);
  EXPECT_THAT(bad_ref.err, HasSubstr("lowercase"));
  const Outcome no_registry = cli({"pull", "127.0.0.1:" + std::to_string(free_port()) + "/x:v1"});
  EXPECT_EQ(no_registry.status, 1);
  EXPECT_THAT(no_registry.err, HasSubstr("cannot connect to 127.0.0.1:"));
}

class RelativeUrlRegistry : public PlainRegistry {
  RegistryConfig config() override {
    RegistryConfig c;
    c.relative_urls = true;
    return c;
  }
};

TEST_F(RelativeUrlRegistry, ChunkedUploadsRelativeLocationsAndExistingBlobs) {
  FaultProxy proxy(registry->port());
  Cli chunked = cli;
  chunked.env["WASM_BPF_UPLOAD_CHUNK_SIZE"] = "64";
  chunked.env["SOURCE_DATE_EPOCH"] = "1700000000";  // the same config blob both times
  const std::string target = proxy.host() + "/chunky:v1";
  const Outcome push = chunked({"push", hello_path(), target});
  ASSERT_EQ(push.status, 0) << push.err;
  // The module (186 bytes) and the config (161 bytes) in 64-byte chunks.
  EXPECT_EQ(proxy.count("PATCH", "/v2/chunky/blobs/uploads/"), 6);
  EXPECT_EQ(proxy.count("POST", "/v2/chunky/blobs/uploads/"), 2);  // module and config

  // Pushing again uploads nothing: HEAD finds both blobs.
  const Outcome again = chunked({"push", hello_path(), proxy.host() + "/chunky:v2"});
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(proxy.count("POST", "/v2/chunky/blobs/uploads/"), 2);
  EXPECT_GE(proxy.count("HEAD", "/v2/chunky/blobs/sha256:"), 4);

  const Outcome pull = cli({"pull", "-o", dir / "c.wasm", ref("chunky:v1")});
  ASSERT_EQ(pull.status, 0) << pull.err;
  EXPECT_EQ(slurp(dir / "c.wasm"), hello_bytes());
}

TEST_F(PlainRegistry, RunwasiStyleTarLayerWithEntrypoint) {
  spit(dir / "rootfs/app/hello.wasm", hello_bytes());
  spit(dir / "rootfs/app/other.wasm", hello_bytes());  // not the entrypoint
  spit(dir / "rootfs/etc/motd", "hi\n");
  ASSERT_EQ(run("tar", {"-C", dir / "rootfs", "-czf", dir / "layer.tgz", "."}).status, 0);
  ASSERT_EQ(run("tar", {"-C", dir / "rootfs", "-cf", dir / "layer.tar", "."}).status, 0);
  const std::string layer = slurp(dir / "layer.tgz");
  const json config = {
      {"architecture", "wasm"},
      {"os", "wasip1"},
      {"config", {{"Entrypoint", {"/app/hello.wasm"}}}},
      {"rootfs", {{"type", "layers"}, {"diff_ids", {sha256_digest(slurp(dir / "layer.tar"))}}}}};
  const std::string config_bytes = config.dump();
  const json manifest = {{"schemaVersion", 2},
                         {"mediaType", media::kOciManifest},
                         {"config",
                          {{"mediaType", media::kOciConfig},
                           {"digest", sha256_digest(config_bytes)},
                           {"size", config_bytes.size()}}},
                         {"layers",
                          {{{"mediaType", media::kOciLayerTarGzip},
                            {"digest", sha256_digest(layer)},
                            {"size", layer.size()}}}}};
  push_raw(registry->host(), "runwasi", "v1", {layer, config_bytes}, manifest.dump(),
           std::string(media::kOciManifest));

  const Outcome pull = cli({"pull", "-o", dir / "r.wasm", ref("runwasi:v1")});
  ASSERT_EQ(pull.status, 0) << pull.err;
  EXPECT_EQ(slurp(dir / "r.wasm"), hello_bytes());
  const Outcome run = cli({"run", ref("runwasi:v1")});
  EXPECT_EQ(run.status, 7) << run.err;
  EXPECT_EQ(run.out, "hello from oci\n");
  const json info = json::parse(cli({"inspect", "--format", "json", ref("runwasi:v1")}).out);
  EXPECT_EQ(info["module"]["entrypoint"], "/app/hello.wasm");
  EXPECT_EQ(info["module"]["digest"], sha256_digest(hello_bytes()));
}

TEST_F(PlainRegistry, ImageIndexPicksTheWasip1Entry) {
  // A linux/amd64 image the index also lists.
  const std::string other_layer = "not a module";
  const std::string other_config = R"({"architecture":"amd64","os":"linux"})";
  const json other = {{"schemaVersion", 2},
                      {"mediaType", media::kOciManifest},
                      {"config",
                       {{"mediaType", media::kOciConfig},
                        {"digest", sha256_digest(other_config)},
                        {"size", other_config.size()}}},
                      {"layers",
                       {{{"mediaType", "application/octet-stream"},
                         {"digest", sha256_digest(other_layer)},
                         {"size", other_layer.size()}}}}};
  const std::string other_bytes = other.dump();
  const std::string other_digest =
      push_raw(registry->host(), "multi", sha256_digest(other_bytes), {other_layer, other_config},
               other_bytes, std::string(media::kOciManifest));
  const std::string module = hello_bytes();
  const Artifact a =
      build_artifact(PushFormat::cncf, sha256_digest(module), module.size(), "hello.wasm", {}, "t");
  const std::string wasm_digest = push_raw(registry->host(), "multi", sha256_digest(a.manifest),
                                           {module, a.config}, a.manifest, a.manifest_media_type);
  const json index = {{"schemaVersion", 2},
                      {"mediaType", media::kOciIndex},
                      {"manifests",
                       {{{"mediaType", media::kOciManifest},
                         {"digest", other_digest},
                         {"size", other_bytes.size()},
                         {"platform", {{"architecture", "amd64"}, {"os", "linux"}}}},
                        {{"mediaType", media::kOciManifest},
                         {"digest", wasm_digest},
                         {"size", a.manifest.size()},
                         {"platform", {{"architecture", "wasm"}, {"os", "wasip1"}}}}}}};
  const std::string index_digest =
      push_raw(registry->host(), "multi", "v1", {}, index.dump(), std::string(media::kOciIndex));

  const Outcome inspect = cli({"inspect", "--format", "json", ref("multi:v1")});
  ASSERT_EQ(inspect.status, 0) << inspect.err;
  const json info = json::parse(inspect.out);
  EXPECT_EQ(info["source"], "registry");
  EXPECT_EQ(info["digest"], wasm_digest);
  EXPECT_EQ(info["index"]["digest"], index_digest);

  const Outcome pull = cli({"pull", ref("multi:v1")});
  ASSERT_EQ(pull.status, 0) << pull.err;
  EXPECT_EQ(pull.out, index_digest + "\n");
  const Outcome run = cli({"run", "--pull", "never", ref("multi:v1")});
  EXPECT_EQ(run.status, 7) << run.err;

  // The store knows the index's digest too: by it the image runs offline.
  registry.reset();
  const Outcome by_index = cli({"run", "--pull", "never", ref("multi@" + index_digest)});
  EXPECT_EQ(by_index.status, 7) << by_index.err;
  const Outcome by_child = cli({"run", "--pull", "never", ref("multi@" + wasm_digest)});
  EXPECT_EQ(by_child.status, 7) << by_child.err;
  const json stored = json::parse(cli({"inspect", "--format", "json", ref("multi@" + index_digest)}).out);
  EXPECT_EQ(stored["source"], "store");
  EXPECT_EQ(cli({"rm", ref("multi@" + index_digest)}).status, 0);
  EXPECT_EQ(cli({"run", "--pull", "never", ref("multi:v1")}).status, 125);
}

TEST_F(PlainRegistry, ProgressOnATerminalAndSilenceInAPipe) {
  ASSERT_EQ(cli({"push", hello_path(), ref("tool:v1")}).status, 0);
  const std::string hex = sha256_digest(hello_bytes()).substr(7, 12);
  const Outcome tty = run_on_pty(WB_CLI_BINARY, {"pull", ref("tool:v1")}, cli.env, {});
  ASSERT_EQ(tty.status, 0) << tty.out;
  EXPECT_THAT(tty.out, HasSubstr("Pulling " + ref("tool:v1")));
  EXPECT_THAT(tty.out, HasSubstr("\r" + hex + "  186 B / 186 B"));

  const Outcome pipe = cli({"pull", ref("tool:v1")});
  ASSERT_EQ(pipe.status, 0) << pipe.err;
  EXPECT_EQ(pipe.err, "");
  EXPECT_THAT(pipe.out, HasSubstr("sha256:"));
}

TEST_F(PlainRegistry, TheDefaultStoreOfUsersIsUnderXdgDataHome) {
  if (run("setpriv", {"--version"}).status != 0) GTEST_SKIP() << "setpriv is not installed";
  ASSERT_EQ(cli({"push", hello_path(), ref("tool:v1")}).status, 0);
  // A directory the unprivileged user may write to.
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((dir / "user").c_str(), 0777), 0);
  ASSERT_EQ(::chmod((dir / "user").c_str(), 0777), 0);
  EnvChanges env = cli.env;
  env["WASM_BPF_STORE"] = std::nullopt;
  env["HOME"] = dir / "user/home";
  env["XDG_DATA_HOME"] = dir / "user/xdg";
  auto as_nobody = [&](const std::vector<std::string>& args) {
    std::vector<std::string> all = {"--reuid=65534", "--regid=65534", "--clear-groups", "--",
                                    WB_CLI_BINARY};
    all.insert(all.end(), args.begin(), args.end());
    return run("setpriv", all, env);
  };
  const Outcome pull = as_nobody({"pull", ref("tool:v1")});
  ASSERT_EQ(pull.status, 0) << pull.err;
  struct stat st {};
  ASSERT_EQ(::stat((dir / "user/xdg/wasm-bpf/index.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534u);
  const Outcome run_it = as_nobody({"run", "--pull", "never", ref("tool:v1")});
  EXPECT_EQ(run_it.status, 7) << run_it.err;

  // Without XDG_DATA_HOME: ~/.local/share/wasm-bpf.
  env["XDG_DATA_HOME"] = std::nullopt;
  const Outcome home = as_nobody({"run", "--pull", "never", ref("tool:v1")});
  EXPECT_EQ(home.status, 125);
  EXPECT_THAT(home.err, HasSubstr("(" + (dir / "user/home/.local/share/wasm-bpf") + ")"));
  // root's store is /var/lib/wasm-bpf, whatever XDG_DATA_HOME says.
  env["XDG_DATA_HOME"] = dir / "user/xdg";
  const Outcome root = run(WB_CLI_BINARY, {"run", "--pull", "never", ref("absent:v1")}, env);
  EXPECT_EQ(root.status, 125);
  EXPECT_THAT(root.err, HasSubstr("(/var/lib/wasm-bpf)"));
}

TEST_F(PlainRegistry, SkopeoCopiesWhatWePush) {
  ASSERT_EQ(cli({"push", hello_path(), ref("interop:v1")}).status, 0);
  const Outcome copy = run("skopeo",
                           {"--insecure-policy", "copy", "--src-tls-verify=false",
                            "docker://" + ref("interop:v1"), "oci:" + (dir / "layout") + ":v1"},
                           cli.env);
  ASSERT_EQ(copy.status, 0) << copy.err;
  const json index = json::parse(slurp(dir / "layout/index.json"));
  const std::string manifest_digest = index["manifests"][0]["digest"];
  const json manifest =
      json::parse(slurp(dir / ("layout/blobs/sha256/" + manifest_digest.substr(7))));
  EXPECT_EQ(manifest["config"]["mediaType"], "application/vnd.wasm.config.v0+json");
  const std::string layer_digest = manifest["layers"][0]["digest"];
  EXPECT_EQ(slurp(dir / ("layout/blobs/sha256/" + layer_digest.substr(7))), hello_bytes());
}

TEST_F(PlainRegistry, WeRunWhatSkopeoPushesInTheWasmToOciLayout) {
  // A hand-made OCI layout in the wasm-to-oci layout, as ecli and wasm-to-oci publish it.
  const std::string module = hello_bytes();
  const std::string config = "{}";
  const json manifest = {{"schemaVersion", 2},
                         {"config",
                          {{"mediaType", media::kWasmConfigV1},
                           {"digest", sha256_digest(config)},
                           {"size", config.size()}}},
                         {"layers",
                          {{{"mediaType", media::kWasmLayerV1},
                            {"digest", sha256_digest(module)},
                            {"size", module.size()},
                            {"annotations", {{"org.opencontainers.image.title", "hello.wasm"}}}}}}};
  const std::string manifest_bytes = manifest.dump();
  const std::string layout = dir / "handmade";
  spit(layout + "/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  for (const std::string* blob : {&module, &config, &manifest_bytes}) {
    spit(layout + "/blobs/sha256/" + sha256_digest(*blob).substr(7), *blob);
  }
  const json index = {{"schemaVersion", 2},
                      {"manifests",
                       {{{"mediaType", media::kOciManifest},
                         {"digest", sha256_digest(manifest_bytes)},
                         {"size", manifest_bytes.size()},
                         {"annotations", {{"org.opencontainers.image.ref.name", "v1"}}}}}}};
  spit(layout + "/index.json", index.dump());
  const Outcome copy = run("skopeo",
                           {"--insecure-policy", "copy", "--dest-tls-verify=false",
                            "oci:" + layout + ":v1", "docker://" + ref("ecli/hello:v1")},
                           cli.env);
  ASSERT_EQ(copy.status, 0) << copy.err;

  const Outcome run_it = cli({"run", ref("ecli/hello:v1")});
  EXPECT_EQ(run_it.status, 7) << run_it.err;
  EXPECT_EQ(run_it.out, "hello from oci\n");
}

TEST_F(PlainRegistry, SaveAndLoadCarryAnImageWithoutARegistry) {
  ASSERT_EQ(cli({"push", hello_path(), ref("carry:v1")}).status, 0);
  ASSERT_EQ(cli({"pull", ref("carry:v1")}).status, 0);
  const Outcome save = cli({"save", ref("carry:v1"), "-o", dir / "carry.tar"});
  ASSERT_EQ(save.status, 0) << save.err;
  registry.reset();

  // A fresh store elsewhere, as on another machine.
  Cli other = cli;
  other.env["WASM_BPF_STORE"] = dir / "other-store";
  const Outcome load = other({"load", dir / "carry.tar"});
  ASSERT_EQ(load.status, 0) << load.err;
  EXPECT_EQ(load.out, "Loaded " + ref("carry:v1") + "\n");
  const Outcome run_it = other({"run", ref("carry:v1")});
  EXPECT_EQ(run_it.status, 7) << run_it.err;

  // skopeo reads the archive as an oci-archive, and its own archives load with --name.
  const Outcome copy = run(
      "skopeo",
      {"--insecure-policy", "copy", "oci-archive:" + (dir / "carry.tar") + ":" + ref("carry:v1"),
       "oci-archive:" + (dir / "skopeo.tar") + ":v9"},
      cli.env);
  ASSERT_EQ(copy.status, 0) << copy.err;
  const Outcome bare = other({"load", dir / "skopeo.tar"});
  EXPECT_EQ(bare.status, 1);
  EXPECT_THAT(bare.err, HasSubstr("--name"));
  const Outcome named = other({"load", "--name", "localhost:5000/renamed:v9", dir / "skopeo.tar"});
  ASSERT_EQ(named.status, 0) << named.err;
  EXPECT_EQ(other({"run", "--pull", "never", "localhost:5000/renamed:v9"}).status, 7);
}

TEST_F(PlainRegistry, ConcurrentPullsShareTheStore) {
  ASSERT_EQ(cli({"push", hello_path(), ref("race:v1")}).status, 0);
  ASSERT_EQ(cli({"push", "--format", "wasm-to-oci", hello_path(), ref("race:v2")}).status, 0);
  std::vector<std::thread> threads;
  std::vector<Outcome> results(6);
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = cli({"pull", ref(i % 2 == 0 ? "race:v1" : "race:v2")});
    });
  }
  for (std::thread& t : threads) t.join();
  for (const Outcome& r : results) EXPECT_EQ(r.status, 0) << r.err;
  const json index = json::parse(slurp(cli.store + "/index.json"));
  EXPECT_EQ(index["manifests"].size(), 2u);
  EXPECT_TRUE(files_under(cli.store + "/tmp").empty());
  EXPECT_EQ(cli({"run", "--pull", "never", ref("race:v2")}).status, 7);
}

}  // namespace
}  // namespace wb::oci::test
