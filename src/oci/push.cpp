// SPDX-License-Identifier: MIT
#include "oci/push.h"

#include <optional>

#include "oci/digest.h"
#include "oci/files.h"
#include "oci/module_extract.h"
#include "oci/registry_client.h"
#include "oci/store.h"

namespace wb::oci {

Result<std::string> push_module(const PushRequest& request, const ClientOptions& options) {
  const Reference& ref = request.reference;
  if (ref.tag.empty()) {
    return make_error("cannot push to " + ref.to_string() +
                      ": push takes a tag, not a digest (the digest is what the registry computes "
                      "from the manifest, and push prints it); e.g. " +
                      ref.registry + "/" + ref.repository + ":v1");
  }
  auto module = read_file(request.module_path);
  if (!module) return module.error();
  if (auto ok = check_wasm_magic(*module, request.module_path); !ok) return ok.error();
  if (request.validate) {
    if (const std::string why = request.validate(*module); !why.empty())
      return make_error(request.module_path + " is not a valid WebAssembly module (" + why + "); nothing was pushed");
  }

  const std::string module_digest = sha256_digest(*module);
  std::string title = request.module_path;
  if (const auto slash = title.rfind('/'); slash != std::string::npos)
    title = title.substr(slash + 1);
  Artifact artifact;
  std::string layer_digest = module_digest;
  std::string_view layer = *module;
  std::optional<ImageArtifact> image;
  if (request.format == PushFormat::image) {
    auto built = build_image(*module, title, request.annotations, rfc3339_now(), request.platform);
    if (!built) return built.error();
    image = std::move(*built);
    artifact = image->artifact;
    layer_digest = image->layer_digest;
    layer = image->layer;
  } else {
    artifact = build_artifact(request.format, module_digest, module->size(), title, request.annotations,
                              rfc3339_now());
  }

  RegistryClient client(ref.registry, options);
  client.enable_push();
  if (auto r = client.upload_blob(ref.repository, layer_digest, layer); !r) return r.error();
  const std::string config_digest = sha256_digest(artifact.config);
  if (auto r = client.upload_blob(ref.repository, config_digest, artifact.config); !r)
    return r.error();
  auto digest =
      client.put_manifest(ref.repository, ref.tag, artifact.manifest_media_type, artifact.manifest);
  if (!digest) return digest.error();
  if (!ref.digest.empty() && ref.digest != *digest) {
    return make_error("pushed " + ref.name() + ":" + ref.tag + " as " + *digest +
                      ", not the digest " + ref.digest + " the reference names");
  }
  return *digest;
}

Result<std::string> push_stored(const Reference& source, const Reference& target, const ClientOptions& options) {
  if (target.tag.empty())
    return make_error("cannot push to " + target.to_string() + ": push takes a tag, not a digest");
  const Store store(store_root_of(options));
  auto found = store.find(source);
  if (!found) return found.error();
  if (!*found)
    return make_error(source.to_string() + " is not in the local store ('wasm-bpf images' lists it); push a module file with 'wasm-bpf push FILE.wasm " +
                      target.to_string() + "'");
  const StoredImage& image = **found;
  auto manifest_bytes = store.read_blob(image.manifest.digest);
  if (!manifest_bytes) return manifest_bytes.error();
  auto manifest = parse_manifest(*manifest_bytes);
  if (!manifest) return manifest.error();
  std::vector<Descriptor> blobs = manifest->layers;
  blobs.push_back(manifest->config);
  // Every blob is read (and its digest checked) before anything is uploaded.
  std::vector<std::string> data;
  for (const Descriptor& d : blobs) {
    auto bytes = store.read_blob(d.digest);
    if (!bytes)
      return make_error("cannot push " + source.to_string() + ": its blob " + d.digest + " is not usable in the local store (" +
                        bytes.error().message + "); pull it again");
    data.push_back(std::move(*bytes));
  }
  RegistryClient client(target.registry, options);
  client.enable_push();
  for (size_t i = 0; i < blobs.size(); ++i)
    if (auto r = client.upload_blob(target.repository, blobs[i].digest, data[i]); !r) return r.error();
  const std::string media_type = !image.manifest.media_type.empty() ? image.manifest.media_type
                                 : !manifest->media_type.empty()    ? manifest->media_type
                                                                    : std::string(media::kOciManifest);
  return client.put_manifest(target.repository, target.tag, media_type, *manifest_bytes);
}

}  // namespace wb::oci
