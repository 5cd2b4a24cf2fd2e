// SPDX-License-Identifier: MIT
#include "oci/manifest.h"
#include "oci/tar.h"
#include "oci/gzip.h"

#include <cstdlib>
#include <ctime>

#include <nlohmann/json.hpp>

#include "oci/digest.h"
#include "oci/encoding.h"

namespace wb::oci {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

std::string string_field(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::map<std::string, std::string> annotations_of(const json& j) {
  std::map<std::string, std::string> out;
  if (auto it = j.find("annotations"); it != j.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      if (v.is_string()) out[k] = v.get<std::string>();
    }
  }
  return out;
}

Result<Descriptor> parse_descriptor(const json& j, const std::string& where) {
  if (!j.is_object()) return make_error(where + " is not a JSON object");
  Descriptor d;
  d.media_type = string_field(j, "mediaType");
  auto digest = j.find("digest");
  if (digest == j.end() || digest->is_null()) return make_error(where + " has no digest");
  if (!digest->is_string()) return make_error(where + " has a digest that is not a string");
  d.digest = digest->get<std::string>();
  if (auto ok = validate_digest(d.digest); !ok)
    return make_error(where + ": " + ok.error().message);
  auto size = j.find("size");
  if (size == j.end() || !size->is_number_integer() || size->get<std::int64_t>() < 0) {
    return make_error(where + " has no valid size");
  }
  d.size = size->get<std::uint64_t>();
  d.annotations = annotations_of(j);
  d.artifact_type = string_field(j, "artifactType");
  if (auto p = j.find("platform"); p != j.end() && p->is_object()) {
    d.platform = Platform{string_field(*p, "os"), string_field(*p, "architecture"),
                          string_field(*p, "variant")};
  }
  if (auto u = j.find("urls"); u != j.end() && u->is_array() && !u->empty()) d.has_urls = true;
  return d;
}

Result<json> parse_object(std::string_view bytes, const char* what) {
  json j = json::parse(bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return make_error(std::string(what) + " is not a JSON object");
  return j;
}

std::string base_type(std::string_view content_type) {
  const auto semi = content_type.find(';');
  return to_lower(trim(content_type.substr(0, semi)));
}

}  // namespace

LayerKind classify_layer(std::string_view media_type) {
  const std::string t = base_type(media_type);
  if (t == media::kWasm || t == media::kWasmLayerV1 || t == media::kWasmComponentLayer ||
      t == media::kModuleWasmLayer) {
    return LayerKind::wasm;
  }
  if (t == media::kOciLayerTar || t == "application/vnd.oci.image.layer.nondistributable.v1.tar" ||
      t == "application/vnd.docker.image.rootfs.diff.tar") {
    return LayerKind::tar;
  }
  if (t == media::kOciLayerTarGzip || t == media::kDockerLayerTarGzip ||
      t == "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip" ||
      t == "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip") {
    return LayerKind::tar_gzip;
  }
  if (t.size() > 5 && (t.ends_with("+zstd") || t.ends_with(".zstd"))) {
    return LayerKind::unsupported_compression;
  }
  return LayerKind::other;
}

bool is_index_media_type(std::string_view media_type) {
  const std::string t = base_type(media_type);
  return t == media::kOciIndex || t == media::kDockerList;
}

bool is_manifest_media_type(std::string_view media_type) {
  const std::string t = base_type(media_type);
  return t == media::kOciManifest || t == media::kDockerManifest;
}

std::string detect_media_type(std::string_view bytes, std::string_view content_type) {
  const std::string declared = base_type(content_type);
  if (is_index_media_type(declared) || is_manifest_media_type(declared)) return declared;
  json j = json::parse(bytes, nullptr, false);
  if (j.is_object()) {
    const std::string field = string_field(j, "mediaType");
    if (is_index_media_type(field) || is_manifest_media_type(field)) return field;
    if (j.contains("manifests")) return std::string(media::kOciIndex);
  }
  return std::string(media::kOciManifest);
}

Result<Manifest> parse_manifest(std::string_view bytes) {
  auto parsed = parse_object(bytes, "the manifest");
  if (!parsed) return parsed.error();
  const json& j = *parsed;
  if (auto v = j.find("schemaVersion");
      v == j.end() || !v->is_number_integer() || v->get<int>() != 2) {
    return make_error("the manifest is not a schema version 2 manifest");
  }
  Manifest m;
  m.media_type = string_field(j, "mediaType");
  if (!m.media_type.empty() && !is_manifest_media_type(m.media_type)) {
    return make_error("the manifest declares media type '" + m.media_type + "'");
  }
  auto config = j.find("config");
  if (config == j.end()) return make_error("the manifest has no config");
  auto c = parse_descriptor(*config, "the manifest's config");
  if (!c) return c.error();
  m.config = std::move(*c);
  auto layers = j.find("layers");
  if (layers == j.end() || !layers->is_array())
    return make_error("the manifest has no layers array");
  for (std::size_t i = 0; i < layers->size(); ++i) {
    auto d = parse_descriptor((*layers)[i], "layer " + std::to_string(i));
    if (!d) return d.error();
    m.layers.push_back(std::move(*d));
  }
  m.annotations = annotations_of(j);
  m.artifact_type = string_field(j, "artifactType");
  return m;
}

Result<Index> parse_index(std::string_view bytes) {
  auto parsed = parse_object(bytes, "the image index");
  if (!parsed) return parsed.error();
  const json& j = *parsed;
  Index index;
  index.media_type = string_field(j, "mediaType");
  auto manifests = j.find("manifests");
  if (manifests == j.end() || !manifests->is_array()) {
    return make_error("the image index has no manifests array");
  }
  for (std::size_t i = 0; i < manifests->size(); ++i) {
    auto d = parse_descriptor((*manifests)[i], "index entry " + std::to_string(i));
    if (!d) return d.error();
    index.manifests.push_back(std::move(*d));
  }
  index.annotations = annotations_of(j);
  return index;
}

Result<Descriptor> pick_wasm_platform(const Index& index, const std::string& what) {
  const Descriptor* wasi = nullptr;
  std::string seen;
  for (const Descriptor& d : index.manifests) {
    if (!d.platform) continue;
    const Platform& p = *d.platform;
    if (p.architecture == "wasm" && p.os == "wasip1") return d;
    if (p.architecture == "wasm" && p.os == "wasi" && wasi == nullptr) wasi = &d;
    if (!seen.empty()) seen += ", ";
    seen += p.os + "/" + p.architecture + (p.variant.empty() ? "" : "/" + p.variant);
  }
  if (wasi != nullptr) return *wasi;
  return make_error(
      what + " is an image index without a wasip1/wasm entry" +
      (seen.empty() ? std::string(" (its entries name no platform)") : " (it has " + seen + ")"));
}

Artifact build_artifact(PushFormat format, const std::string& module_digest,
                        std::uint64_t module_size, const std::string& title,
                        const std::map<std::string, std::string>& annotations,
                        const std::string& created) {
  Artifact a;
  ordered_json layer = {
      {"mediaType", format == PushFormat::cncf ? media::kWasm : media::kWasmLayerV1},
      {"digest", module_digest},
      {"size", module_size}};
  if (!title.empty()) layer["annotations"] = ordered_json{{kTitleAnnotation, title}};

  ordered_json manifest_annotations = ordered_json::object();
  if (format == PushFormat::cncf) {
    ordered_json config = {{"created", created}, {"architecture", "wasm"}, {"os", "wasip1"}};
    if (auto it = annotations.find("org.opencontainers.image.authors"); it != annotations.end()) {
      config["author"] = it->second;
    }
    config["layerDigests"] = ordered_json::array({module_digest});
    a.config = config.dump();
    a.config_media_type = std::string(media::kWasmConfigV0);
    manifest_annotations[kCreatedAnnotation] = created;
  } else {
    a.config = "{}";
    a.config_media_type = std::string(media::kWasmConfigV1);
    if (!title.empty()) manifest_annotations[kTitleAnnotation] = title;  // where ecli looks
  }
  for (const auto& [k, v] : annotations) manifest_annotations[k] = v;

  ordered_json manifest = {{"schemaVersion", 2}};
  if (format == PushFormat::cncf) manifest["mediaType"] = media::kOciManifest;
  manifest["config"] = {{"mediaType", a.config_media_type},
                        {"digest", sha256_digest(a.config)},
                        {"size", a.config.size()}};
  manifest["layers"] = ordered_json::array({layer});
  if (!manifest_annotations.empty()) manifest["annotations"] = manifest_annotations;
  a.manifest = manifest.dump();
  a.manifest_media_type = std::string(media::kOciManifest);
  return a;
}

Result<ImageArtifact> build_image(std::string_view module, const std::string& title,
                                  const std::map<std::string, std::string>& annotations,
                                  const std::string& created, const ImagePlatform& platform) {
  std::string name = title.empty() ? "module.wasm" : title;
  if (name.size() < 5 || name.compare(name.size() - 5, 5, ".wasm") != 0) name += ".wasm";
  TarWriter tar;
  tar.add_file(name, module, 0755);
  const std::string archive = tar.finish();
  auto layer = gzip(archive);
  if (!layer) return layer.error();
  ImageArtifact img;
  img.layer = std::move(*layer);
  img.layer_digest = sha256_digest(img.layer);

  ordered_json config = {{"created", created},
                         {"architecture", platform.architecture},
                         {"os", platform.os},
                         {"config", {{"Entrypoint", ordered_json::array({"/" + name})}}},
                         {"rootfs", {{"type", "layers"}, {"diff_ids", ordered_json::array({sha256_digest(archive)})}}}};
  if (auto it = annotations.find(kBpfArchAnnotation); it != annotations.end()) {
    config["config"]["Labels"] = {{kBpfArchAnnotation, it->second}};
  }
  img.artifact.config = config.dump();
  img.artifact.config_media_type = std::string(media::kOciConfig);

  ordered_json manifest_annotations = {{kWasmVariantAnnotation, "compat"}, {kCreatedAnnotation, created}};
  for (const auto& [k, v] : annotations) manifest_annotations[k] = v;
  ordered_json layer_desc = {{"mediaType", media::kOciLayerTarGzip}, {"digest", img.layer_digest}, {"size", img.layer.size()}};
  ordered_json manifest = {{"schemaVersion", 2},
                           {"mediaType", media::kOciManifest},
                           {"config",
                            {{"mediaType", img.artifact.config_media_type},
                             {"digest", sha256_digest(img.artifact.config)},
                             {"size", img.artifact.config.size()}}},
                           {"layers", ordered_json::array({layer_desc})},
                           {"annotations", manifest_annotations}};
  img.artifact.manifest = manifest.dump();
  img.artifact.manifest_media_type = std::string(media::kOciManifest);
  return img;
}

std::string rfc3339_now(bool reproducible) {
  std::time_t t = std::time(nullptr);
  const char* epoch = reproducible ? std::getenv("SOURCE_DATE_EPOCH") : nullptr;
  if (epoch != nullptr && *epoch != '\0') {
    t = static_cast<std::time_t>(std::strtoll(epoch, nullptr, 10));
  }
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace wb::oci
