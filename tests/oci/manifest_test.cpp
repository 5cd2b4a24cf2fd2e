// SPDX-License-Identifier: MIT
// Manifest formats: what push writes, what pull accepts, index platform choice, and finding
// the module in raw or tar layers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "oci/digest.h"
#include "oci/manifest.h"
#include "oci/module_extract.h"
#include "oci/tar.h"

namespace wb::oci {
namespace {

using nlohmann::json;

const std::string kModule = std::string("\0asm\1\0\0\0", 8) + "payload";

TEST(Formats, CncfLayout) {
  const std::string digest = sha256_digest(kModule);
  const Artifact a = build_artifact(PushFormat::cncf, digest, kModule.size(), "tool.wasm",
                                    {{"org.opencontainers.image.source", "https://x"},
                                     {"org.opencontainers.image.authors", "me"}},
                                    "2024-01-02T03:04:05Z");
  const json m = json::parse(a.manifest);
  EXPECT_EQ(m["schemaVersion"], 2);
  EXPECT_EQ(m["mediaType"], "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(m["config"]["mediaType"], "application/vnd.wasm.config.v0+json");
  EXPECT_EQ(m["config"]["digest"], sha256_digest(a.config));
  EXPECT_EQ(m["config"]["size"], a.config.size());
  ASSERT_EQ(m["layers"].size(), 1u);
  EXPECT_EQ(m["layers"][0]["mediaType"], "application/wasm");
  EXPECT_EQ(m["layers"][0]["digest"], digest);
  EXPECT_EQ(m["layers"][0]["size"], kModule.size());
  EXPECT_EQ(m["layers"][0]["annotations"]["org.opencontainers.image.title"], "tool.wasm");
  EXPECT_EQ(m["annotations"]["org.opencontainers.image.created"], "2024-01-02T03:04:05Z");
  EXPECT_EQ(m["annotations"]["org.opencontainers.image.source"], "https://x");
  const json c = json::parse(a.config);
  EXPECT_EQ(c["architecture"], "wasm");
  EXPECT_EQ(c["os"], "wasip1");
  EXPECT_EQ(c["created"], "2024-01-02T03:04:05Z");
  EXPECT_EQ(c["author"], "me");
  EXPECT_EQ(c["layerDigests"], json::array({digest}));
  EXPECT_EQ(a.manifest_media_type, "application/vnd.oci.image.manifest.v1+json");
}

TEST(Formats, WasmToOciLayout) {
  const std::string digest = sha256_digest(kModule);
  const Artifact a =
      build_artifact(PushFormat::wasm_to_oci, digest, kModule.size(), "tool.wasm", {}, "t");
  const json m = json::parse(a.manifest);
  EXPECT_FALSE(m.contains("mediaType"));
  EXPECT_EQ(a.config, "{}");
  EXPECT_EQ(m["config"]["mediaType"], "application/vnd.wasm.config.v1+json");
  EXPECT_EQ(m["config"]["size"], 2);
  EXPECT_EQ(m["layers"][0]["mediaType"], "application/vnd.wasm.content.layer.v1+wasm");
  EXPECT_EQ(m["layers"][0]["annotations"]["org.opencontainers.image.title"], "tool.wasm");
  EXPECT_EQ(m["annotations"]["org.opencontainers.image.title"], "tool.wasm");
  // And it reads back.
  auto parsed = parse_manifest(a.manifest);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->layers[0].digest, digest);
  EXPECT_EQ(detect_media_type(a.manifest, ""), "application/vnd.oci.image.manifest.v1+json");
}

TEST(Formats, ParsesDockerManifestsAndRejectsBadOnes) {
  const std::string d = "sha256:" + std::string(64, 'b');
  const std::string docker =
      R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
    "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":10,"digest":")" +
      d + R"("},
    "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":20,"digest":")" +
      d + R"("}]})";
  auto m = parse_manifest(docker);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(classify_layer(m->layers[0].media_type), LayerKind::tar_gzip);
  EXPECT_EQ(detect_media_type(docker, "application/json"),
            "application/vnd.docker.distribution.manifest.v2+json");

  EXPECT_FALSE(parse_manifest("[]"));
  EXPECT_FALSE(parse_manifest(R"({"schemaVersion":1})"));
  EXPECT_FALSE(parse_manifest(R"({"schemaVersion":2,"layers":[]})"));
  auto bad_digest = parse_manifest(
      R"({"schemaVersion":2,"config":{"mediaType":"x","size":1,"digest":"sha256:12"},"layers":[]})");
  ASSERT_FALSE(bad_digest);
  EXPECT_NE(bad_digest.error().message.find("config"), std::string::npos);
  auto index_type = parse_manifest(
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})");
  EXPECT_FALSE(index_type);
}

TEST(Formats, LayerKinds) {
  EXPECT_EQ(classify_layer("application/wasm"), LayerKind::wasm);
  EXPECT_EQ(classify_layer("application/vnd.wasm.content.layer.v1+wasm"), LayerKind::wasm);
  EXPECT_EQ(classify_layer("application/vnd.bytecodealliance.wasm.component.layer.v0+wasm"),
            LayerKind::wasm);
  EXPECT_EQ(classify_layer("application/vnd.module.wasm.content.layer.v1+wasm"), LayerKind::wasm);
  EXPECT_EQ(classify_layer("application/vnd.oci.image.layer.v1.tar"), LayerKind::tar);
  EXPECT_EQ(classify_layer("application/vnd.oci.image.layer.v1.tar+gzip"), LayerKind::tar_gzip);
  EXPECT_EQ(classify_layer("application/vnd.oci.image.layer.v1.tar+zstd"),
            LayerKind::unsupported_compression);
  EXPECT_EQ(classify_layer("application/vnd.gadget.ebpf.program.v1+binary"), LayerKind::other);
}

Descriptor entry(const std::string& os, const std::string& arch, char fill) {
  Descriptor d;
  d.media_type = std::string(media::kOciManifest);
  d.digest = "sha256:" + std::string(64, fill);
  d.size = 100;
  d.platform = Platform{os, arch, ""};
  return d;
}

TEST(Formats, IndexPicksTheWasmPlatform) {
  Index index;
  index.manifests = {entry("linux", "amd64", 'a'), entry("wasi", "wasm", 'b'),
                     entry("wasip1", "wasm", 'c')};
  auto picked = pick_wasm_platform(index, "x");
  ASSERT_TRUE(picked);
  EXPECT_EQ(picked->digest, "sha256:" + std::string(64, 'c'));
  index.manifests.pop_back();
  EXPECT_EQ(pick_wasm_platform(index, "x")->digest, "sha256:" + std::string(64, 'b'));
  index.manifests.pop_back();
  auto none = pick_wasm_platform(index, "reg/x:v1");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("linux/amd64"), std::string::npos);
  EXPECT_NE(none.error().message.find("reg/x:v1"), std::string::npos);

  const std::string json_index =
      R"({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",
    "digest":"sha256:)" +
      std::string(64, 'd') + R"(","size":5,"platform":{"os":"wasip1","architecture":"wasm"}}]})";
  EXPECT_EQ(detect_media_type(json_index, ""), "application/vnd.oci.image.index.v1+json");
  auto parsed = parse_index(json_index);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(pick_wasm_platform(*parsed, "x"));
}

Manifest manifest_with(const std::vector<std::pair<std::string, std::string>>& layers) {
  Manifest m;
  for (const auto& [type, data] : layers) {
    Descriptor d;
    d.media_type = type;
    d.digest = sha256_digest(data);
    d.size = data.size();
    m.layers.push_back(d);
  }
  return m;
}

TEST(ModuleExtract, RawLayer) {
  const Manifest m = manifest_with({{"application/vnd.wasm.content.layer.v1+wasm", kModule}});
  auto plan = plan_module(m, "{}", "img");
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->from_tar);
  auto module = extract_module(*plan, {kModule}, "img");
  ASSERT_TRUE(module);
  EXPECT_EQ(*module, kModule);
  auto bad = extract_module(*plan, {"not wasm at all"}, "img");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("\\0asm"), std::string::npos);
}

TEST(ModuleExtract, RejectsLayoutsWithoutOneModule) {
  auto two = plan_module(manifest_with({{"application/wasm", "a"}, {"application/wasm", "b"}}),
                         "{}", "img");
  ASSERT_FALSE(two);
  EXPECT_NE(two.error().message.find("2 Wasm module layers"), std::string::npos);
  auto none =
      plan_module(manifest_with({{"application/vnd.gadget.config.v1+yaml", "a"}}), "{}", "img");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("no Wasm module layer"), std::string::npos);
  auto zstd = plan_module(manifest_with({{"application/vnd.oci.image.layer.v1.tar+zstd", "a"}}),
                          "{}", "img");
  ASSERT_FALSE(zstd);
  EXPECT_NE(zstd.error().message.find("not supported"), std::string::npos);
}

TEST(ModuleExtract, TarLayersWithEntrypointSymlinksAndWhiteouts) {
  TarWriter base;
  base.add_file("./app/tool.wasm", kModule);
  base.add_file("./app/other.wasm", std::string("\0asmOTHER", 9));
  base.add_file("./etc/config", "x");
  const std::string layer1 = base.finish();
  TarWriter top;
  top.add_file("app/.wh.other.wasm", "");  // deletes other.wasm
  const std::string layer2 = top.finish();
  const Manifest m = manifest_with({{"application/vnd.oci.image.layer.v1.tar", layer1},
                                    {"application/vnd.oci.image.layer.v1.tar", layer2}});

  // With an Entrypoint.
  auto plan = plan_module(
      m, R"({"architecture":"wasm","os":"wasip1","config":{"Entrypoint":["/app/tool.wasm"]}})",
      "img");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_TRUE(plan->from_tar);
  EXPECT_EQ(plan->entrypoint, "app/tool.wasm");
  auto module = extract_module(*plan, {layer1, layer2}, "img");
  ASSERT_TRUE(module) << module.error().message;
  EXPECT_EQ(*module, kModule);

  // Without one: the only *.wasm left after the whiteout.
  auto plain = plan_module(m, "{}", "img");
  ASSERT_TRUE(plain);
  EXPECT_EQ(*extract_module(*plain, {layer1, layer2}, "img"), kModule);

  // Without the whiteout there are two candidates.
  auto one_layer = manifest_with({{"application/vnd.oci.image.layer.v1.tar", layer1}});
  auto ambiguous = extract_module(*plan_module(one_layer, "{}", "img"), {layer1}, "img");
  ASSERT_FALSE(ambiguous);
  EXPECT_NE(ambiguous.error().message.find("several .wasm files"), std::string::npos);

  // A missing entrypoint is named.
  auto missing_plan = plan_module(m, R"({"config":{"Entrypoint":["/nope.wasm"]}})", "img");
  auto missing = extract_module(*missing_plan, {layer1, layer2}, "img");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nope.wasm"), std::string::npos);
}

TEST(ModuleExtract, EntrypointThroughASymlink) {
  // A symlink entry written by GNU tar semantics: type '2', link target relative.
  TarWriter w;
  w.add_file("bin/real.wasm", kModule);
  std::string archive = w.finish();
  archive.resize(archive.size() - 1024);  // drop the end blocks, then append a symlink header
  std::string link(512, '\0');
  const std::string name = "bin/tool";
  std::copy(name.begin(), name.end(), link.begin());
  std::snprintf(link.data() + 100, 8, "%07o", 0777);
  std::snprintf(link.data() + 124, 12, "%011o", 0);
  link[156] = '2';
  const std::string target = "real.wasm";
  std::copy(target.begin(), target.end(), link.begin() + 157);
  std::copy_n("ustar", 6, link.begin() + 257);
  std::copy_n("00", 2, link.begin() + 263);
  std::fill_n(link.begin() + 148, 8, ' ');
  unsigned sum = 0;
  for (unsigned char c : link) sum += c;
  std::snprintf(link.data() + 148, 8, "%06o", sum);
  link[155] = ' ';
  archive += link + std::string(1024, '\0');

  const Manifest m = manifest_with({{"application/vnd.oci.image.layer.v1.tar", archive}});
  auto plan = plan_module(m, R"({"config":{"Entrypoint":["/bin/tool"]}})", "img");
  ASSERT_TRUE(plan);
  auto module = extract_module(*plan, {archive}, "img");
  ASSERT_TRUE(module) << module.error().message;
  EXPECT_EQ(*module, kModule);
}

TEST(Digest, Sha256AndValidation) {
  EXPECT_EQ(sha256_digest(""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 h;
  h.update("a");
  h.update("bc");
  EXPECT_EQ(h.finish(), sha256_digest("abc"));
  EXPECT_TRUE(validate_digest(sha256_digest("x")));
  EXPECT_FALSE(validate_digest("sha512:abc"));
  EXPECT_FALSE(validate_digest("sha256:ABC"));
}

// The built-in SHA-256 agrees with OpenSSL's at every length around the block and padding
// boundaries, and on a module-sized input.
TEST(Digest, BuiltinSha256MatchesOpenSsl) {
  std::string data;
  for (int n = 0; n <= 300; ++n) {
    EXPECT_EQ(sha256_digest_builtin(data), sha256_digest(data)) << "length " << n;
    data += static_cast<char>(n * 131 + 7);
  }
  std::string big(100000, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
  EXPECT_EQ(sha256_digest_builtin(big), sha256_digest(big));
  EXPECT_EQ(sha256_digest_builtin("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace wb::oci
