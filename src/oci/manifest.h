// SPDX-License-Identifier: MIT
// OCI and Docker manifests and indexes: media types, parsing, the platform choice in an index,
// and the two layouts `push` writes (docs/oci.md):
//   cncf         config application/vnd.wasm.config.v0+json {created, architecture: wasm,
//                os: wasip1, layerDigests}; one application/wasm layer with a title annotation
//   wasm-to-oci  config application/vnd.wasm.config.v1+json "{}"; one
//                application/vnd.wasm.content.layer.v1+wasm layer with a title annotation;
//                no mediaType field in the manifest (as wasm-to-oci and ecli write it)
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace wb::oci {

namespace media {
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kWasmConfigV0 = "application/vnd.wasm.config.v0+json";
inline constexpr std::string_view kWasmConfigV1 = "application/vnd.wasm.config.v1+json";
inline constexpr std::string_view kWasm = "application/wasm";
inline constexpr std::string_view kWasmLayerV1 = "application/vnd.wasm.content.layer.v1+wasm";
inline constexpr std::string_view kWasmComponentLayer =
    "application/vnd.bytecodealliance.wasm.component.layer.v0+wasm";
inline constexpr std::string_view kModuleWasmLayer =
    "application/vnd.module.wasm.content.layer.v1+wasm";
inline constexpr std::string_view kOciLayerTar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerTarGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kDockerLayerTarGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
}  // namespace media

// The Accept header of manifest requests.
inline constexpr const char* kManifestAccept =
    "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";

inline constexpr const char* kTitleAnnotation = "org.opencontainers.image.title";
inline constexpr const char* kCreatedAnnotation = "org.opencontainers.image.created";
inline constexpr const char* kRefNameAnnotation = "org.opencontainers.image.ref.name";

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
};

struct Descriptor {
  std::string media_type;
  std::string digest;
  std::uint64_t size = 0;
  std::map<std::string, std::string> annotations;
  std::string artifact_type;
  std::optional<Platform> platform;
  bool has_urls = false;  // a foreign layer: not fetched from the registry
};

struct Manifest {
  std::string media_type;  // as declared, may be empty (wasm-to-oci)
  Descriptor config;
  std::vector<Descriptor> layers;
  std::map<std::string, std::string> annotations;
  std::string artifact_type;
};

struct Index {
  std::string media_type;
  std::vector<Descriptor> manifests;
  std::map<std::string, std::string> annotations;
};

enum class LayerKind { wasm, tar, tar_gzip, unsupported_compression, other };
LayerKind classify_layer(std::string_view media_type);

bool is_index_media_type(std::string_view media_type);
bool is_manifest_media_type(std::string_view media_type);

// The media type of a manifest document: the Content-Type if it is a manifest or index type,
// else its "mediaType" field, else an index if it has "manifests", else an OCI manifest.
std::string detect_media_type(std::string_view bytes, std::string_view content_type);

Result<Manifest> parse_manifest(std::string_view bytes);
Result<Index> parse_index(std::string_view bytes);

// The wasip1/wasm entry of an index (os "wasip1" or "wasi", architecture "wasm").
Result<Descriptor> pick_wasm_platform(const Index& index, const std::string& what);

enum class PushFormat { cncf, wasm_to_oci, image };

// Annotations of the image layout (PushFormat::image).
inline constexpr const char* kWasmVariantAnnotation = "module.wasm.image/variant";  // "compat"
inline constexpr const char* kBpfArchAnnotation = "io.wasm-bpf.bpf-arch";         // "x86", ...

struct Artifact {
  std::string config;
  std::string config_media_type;
  std::string manifest;
  std::string manifest_media_type;  // the Content-Type of the manifest PUT
};

// The config and manifest for one module layer. `annotations` are added to the manifest
// (and override the defaults); `created` is an RFC 3339 time.
Artifact build_artifact(PushFormat format, const std::string& module_digest,
                        std::uint64_t module_size, const std::string& title,
                        const std::map<std::string, std::string>& annotations,
                        const std::string& created);

// A container image of one module (PushFormat::image), which podman, docker and containerd
// pull and run (through wasm-bpf-runtime) and `wasm-bpf pull`/`run` read too: an image config
// (os wasip1, architecture wasm, Entrypoint ["/NAME"]), one tar+gzip layer holding the module
// as /NAME, and the manifest annotation module.wasm.image/variant=compat. NAME is `title`
// (".wasm" added when it lacks it). `platform` replaces the config's os and architecture:
// Docker Engine before 24 refuses an image whose os is not its own ("operating system is not
// supported"), so images for it say linux/amd64 (wasm-bpf-runtime tells the module by its
// magic number, whatever the platform says).
struct ImagePlatform {
  std::string os = "wasip1";
  std::string architecture = "wasm";
};
struct ImageArtifact {
  Artifact artifact;
  std::string layer;         // the tar+gzip layer
  std::string layer_digest;
};
Result<ImageArtifact> build_image(std::string_view module, const std::string& title,
                                  const std::map<std::string, std::string>& annotations,
                                  const std::string& created, const ImagePlatform& platform = {});

// Now as RFC 3339 UTC, e.g. "2024-05-01T12:00:00Z"; SOURCE_DATE_EPOCH replaces "now" when
// `reproducible` (for the times written into artifacts).
std::string rfc3339_now(bool reproducible = true);

}  // namespace wb::oci
