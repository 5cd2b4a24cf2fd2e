// SPDX-License-Identifier: MIT
// Commands that move modules between files, the local store and OCI registries:
// push, pull, images, rm, inspect, save, load. The work is done by src/oci.
#include <unistd.h>

#include <filesystem>

#include <iostream>
#include <map>
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/help_format.h"
#include "cli/registry_options.h"
#include "cli/validators.h"
#include "oci/archive.h"
#include "oci/client_options.h"
#include "oci/inspect.h"
#include "oci/interrupt.h"
#include "oci/progress.h"
#include "oci/pull.h"
#include "oci/push.h"
#include "oci/digest.h"
#include "cli/argv_split.h"
#include "cli/inspect_bpf.h"
#include "bpf/embedded_objects.h"
#include "oci/manifest.h"
#include "wasm/engine.h"
#include "oci/reference.h"
#include "oci/store.h"

namespace wb::cli {
namespace {

constexpr const char* kRefHelp =
    "An OCI reference: registry/repository[:tag|@digest], e.g.\n"
    "localhost:5000/bootstrap:v1";
// A push names a tag: the digest is what the registry computes.
constexpr const char* kPushRefHelp =
    "Where to push: registry/repository[:tag] (tag default: latest),\n"
    "e.g. localhost:5000/bootstrap:v1";

constexpr const char* kRegistryFooter =
    "Registries on localhost or 127.0.0.1 may speak plain HTTP. Credentials come from -u,\n"
    "WASM_BPF_REGISTRY_USER/WASM_BPF_REGISTRY_PASSWORD, 'wasm-bpf login', REGISTRY_AUTH_FILE,\n"
    "${XDG_RUNTIME_DIR}/containers/auth.json or the docker config. The store is\n"
    "$WASM_BPF_STORE, else /var/lib/wasm-bpf for root, else $XDG_DATA_HOME/wasm-bpf\n"
    "(~/.local/share/wasm-bpf). Ctrl-C stops a transfer and removes what it left.";

int fail(Context& ctx, const std::string& message) {
  ctx.err << "wasm-bpf: " << message << '\n';
  return kExitFailure;
}

// Parses REF, printing the error.
std::optional<oci::Reference> reference(Context& ctx, const std::string& text) {
  auto ref = oci::parse_reference(text);
  if (!ref) {
    fail(ctx, ref.error().message);
    return std::nullopt;
  }
  return *ref;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

Handler setup_push(CLI::App& sub) {
  struct Args {
    std::string module, ref, format = "cncf", platform;
    std::vector<std::string> annotations;
    RegistryArgs registry;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Push a .wasm module to an OCI registry as a single-layer artifact, so that it can be\n"
      "pulled and run anywhere with 'wasm-bpf run REF'. Prints the manifest digest.\n"
      "Credentials come from 'wasm-bpf login'.");
  sub.add_option("MODULE", args->module, "The .wasm file to push")
      ->required()
      ->type_name("")
      ->check(quiet(CLI::ExistingFile));
  sub.add_option("REF", args->ref, kPushRefHelp)->required()->type_name("");
  sub.add_option("-a,--annotation", args->annotations,
                 "Add an annotation to the manifest, e.g.\n"
                 "org.opencontainers.image.description=...; repeatable")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false)
      ->check(key_value_validator());
  sub.add_option("--format", args->format,
                 "Layout: cncf (the CNCF Wasm OCI artifact format, default),\n"
                 "wasm-to-oci (for tools that expect that layout) or image (a\n"
                 "container image that podman, docker and containerd pull and\n"
                 "run with wasm-bpf-runtime)")
      ->type_name("cncf|wasm-to-oci|image")
      ->check(quiet(CLI::IsMember({"cncf", "wasm-to-oci", "image"})));
  sub.add_option("--platform", args->platform,
                 "With --format image: the OS/ARCH its config names (default\n"
                 "wasip1/wasm). Docker Engine before 24 pulls only images of its\n"
                 "own OS: give it linux/amd64 (or linux/arm64)")
      ->type_name("OS/ARCH");
  add_registry_options(sub, args->registry, false);
  sub.footer(
      std::string("Examples:\n"
                  "  wasm-bpf push ./bootstrap.wasm localhost:5000/bootstrap:v1\n"
                  "  wasm-bpf push -a org.opencontainers.image.source=https://example.org/tool \\\n"
                  "      ./tool.wasm ghcr.io/me/tool:latest\n\n") +
      kRegistryFooter);
  return [args](Context& ctx) {
    auto ref = reference(ctx, args->ref);
    if (!ref) return kExitFailure;
    oci::PushRequest request;
    request.module_path = args->module;
    request.reference = *ref;
    request.format = args->format == "wasm-to-oci" ? oci::PushFormat::wasm_to_oci
                     : args->format == "image"     ? oci::PushFormat::image
                                                   : oci::PushFormat::cncf;
    for (const std::string& a : args->annotations) {
      const auto eq = a.find('=');
      request.annotations[a.substr(0, eq)] = a.substr(eq + 1);
    }
    if (!args->platform.empty()) {
      const auto slash = args->platform.find('/');
      if (request.format != oci::PushFormat::image) {
        ctx.err << "wasm-bpf push: --platform applies to --format image only\n";
        return kExitUsage;
      }
      if (slash == 0 || slash == std::string::npos || slash + 1 == args->platform.size() ||
          args->platform.find('/', slash + 1) != std::string::npos) {
        ctx.err << "wasm-bpf push: --platform " << args->platform << ": expected OS/ARCH, e.g. linux/amd64\n";
        return kExitUsage;
      }
      request.platform = {args->platform.substr(0, slash), args->platform.substr(slash + 1)};
    }
    // The architecture its BPF programs were built for, when they depend on one (recorded so
    // that users and clusters can tell; `run` refuses such an object on another machine).
    if (auto bytes = oci::read_file(args->module)) {
      if (auto objects = bpf::describe_embedded_objects(
              {reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()}, bpf::Policy{})) {
        for (const bpf::ObjectDescription& d : *objects)
          if (!d.facts.arch.empty()) request.annotations.try_emplace(oci::kBpfArchAnnotation, d.facts.arch);
      }
    }
    // What `run` would refuse (a truncated or corrupt module) never reaches the registry.
    request.validate = [](std::string_view bytes) -> std::string {
      auto mod = wasm::Module::load({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
      return mod ? std::string() : mod.error().message;
    };
    const oci::InterruptScope interrupts;
    auto digest = oci::push_module(request, client_options(ctx, args->registry, ref->registry));
    if (!digest) return registry_failure(ctx, digest.error().message);
    ctx.out << *digest << '\n';
    return kExitOk;
  };
}

Handler setup_pull(CLI::App& sub) {
  struct Args {
    std::string ref, output;
    RegistryArgs registry;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Download a module from an OCI registry into the local store, where 'wasm-bpf run REF'\n"
      "finds it (also offline). Both the cncf and the wasm-to-oci layouts are understood, as\n"
      "are images with the module in a tar layer and image indexes with a wasip1/wasm entry.\n"
      "Every blob is checked against its digest. Prints the digest REF resolved to.");
  sub.add_option("REF", args->ref, kRefHelp)->required()->type_name("");
  sub.add_option("-o,--output", args->output, "Write the module to FILE instead of the store")
      ->type_name("FILE");
  add_registry_options(sub, args->registry, true);
  sub.footer(std::string("Examples:\n"
                         "  wasm-bpf pull localhost:5000/bootstrap:v1\n"
                         "  wasm-bpf pull -o bootstrap.wasm localhost:5000/bootstrap:v1\n\n") +
             kRegistryFooter);
  return [args](Context& ctx) {
    auto ref = reference(ctx, args->ref);
    if (!ref) return kExitFailure;
    const oci::InterruptScope interrupts;
    auto pulled =
        oci::pull_image(*ref, client_options(ctx, args->registry, ref->registry), args->output);
    if (!pulled) return registry_failure(ctx, pulled.error().message);
    ctx.out << pulled->digest << '\n';
    return kExitOk;
  };
}

Handler setup_images(CLI::App& sub) {
  sub.description(
      "List the modules in the local store: reference, digest, size and when each was pulled.");
  sub.footer("Example:\n  wasm-bpf images");
  return [](Context& ctx) {
    const oci::Store store(oci::default_store_root());
    auto images = store.list();
    if (!images) return fail(ctx, images.error().message);
    std::size_t width = 9;
    for (const oci::StoredImage& i : *images) width = std::max(width, i.reference.size());
    ctx.out << pad("REFERENCE", width) << "  " << pad("DIGEST", 19) << "  " << pad("SIZE", 10)
            << "  PULLED\n";
    for (const oci::StoredImage& i : *images) {
      const auto size = store.blob_size(i.module_digest);
      ctx.out << pad(i.reference, width) << "  " << pad(i.manifest.digest.substr(0, 19), 19) << "  "
              << pad(size ? oci::format_bytes(*size) : "?", 10) << "  " << i.pulled << '\n';
    }
    return kExitOk;
  };
}

Handler setup_rm(CLI::App& sub) {
  auto refs = std::make_shared<std::vector<std::string>>();
  sub.description(
      "Remove modules from the local store, and the blobs no other stored module uses.\n"
      "Registries are not touched.");
  sub.add_option("REF", *refs, "References of stored modules; at least one")
      ->required()
      ->type_name("");
  sub.footer("Example:\n  wasm-bpf rm localhost:5000/bootstrap:v1");
  return [refs](Context& ctx) {
    oci::Store store(oci::default_store_root());
    int status = kExitOk;
    for (const std::string& text : *refs) {
      auto ref = reference(ctx, text);
      if (!ref) {
        status = kExitFailure;
        continue;
      }
      auto removed = store.remove(*ref);
      if (!removed) {
        status = fail(ctx, removed.error().message);
      } else if (!*removed) {
        status = fail(ctx, ref->to_string() + " is not in the local store");
      } else {
        ctx.out << "Removed " << ref->to_string() << '\n';
      }
    }
    return status;
  };
}

// The module of `ref`: from the local store if it is there, else downloaded (and verified)
// into a temporary file that is removed again; the store is not changed.
Result<std::string> module_bytes_of(const oci::Reference& ref, const oci::ClientOptions& options) {
  oci::Store store(oci::store_root_of(options));
  auto stored = store.find(ref);
  if (!stored) return stored.error();
  if (*stored && !(*stored)->module_digest.empty()) return store.read_blob((*stored)->module_digest);
  char dir_template[] = "/tmp/wasm-bpf-inspect-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) return make_error("cannot make a temporary directory in /tmp");
  const std::string dir = dir_template;
  auto pulled = oci::pull_image(ref, options, dir + "/module.wasm");
  Result<std::string> bytes = pulled ? oci::read_file(dir + "/module.wasm") : Result<std::string>(pulled.error());
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return bytes;
}

Handler setup_inspect(CLI::App& sub) {
  struct Args {
    std::string ref;
    RegistryArgs registry;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Print, as JSON, what a module's BPF objects would do in the kernel before it is run\n"
      "(\"bpf\": programs and their types, the BPF helpers their code calls, maps and the kernel\n"
      "memory they take, what 'run' refuses without --allow flags and the flags that allow it)\n"
      "and, for a reference, the OCI manifest, config and annotations with its digest, total\n"
      "size and module layer: from the local store if it is there, otherwise from its\n"
      "registry (the module is downloaded for the \"bpf\" part, not stored).");
  sub.add_option("MODULE|REF", args->ref, "A .wasm file, or " + std::string(kRefHelp))->required()->type_name("");
  add_registry_options(sub, args->registry, false);
  sub.footer(
      "Examples:\n"
      "  wasm-bpf inspect ./bootstrap.wasm\n"
      "  wasm-bpf inspect localhost:5000/bootstrap:v1");
  return [args](Context& ctx) {
    if (is_module_file(args->ref)) {
      auto bytes = oci::read_file(args->ref);
      if (!bytes) return registry_failure(ctx, bytes.error().message);
      auto bpf = describe_module_bpf({reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()});
      if (!bpf) return registry_failure(ctx, args->ref + ": " + bpf.error().message);
      nlohmann::ordered_json out;
      out["path"] = args->ref;
      out["size"] = bytes->size();
      out["digest"] = oci::sha256_digest(*bytes);
      out["bpf"] = *bpf;
      ctx.out << out.dump(2) << '\n';
      return kExitOk;
    }
    auto ref = reference(ctx, args->ref);
    if (!ref) return kExitFailure;
    const oci::InterruptScope interrupts;
    const oci::ClientOptions options = client_options(ctx, args->registry, ref->registry);
    auto json = oci::inspect_image(*ref, options);
    if (!json) return registry_failure(ctx, json.error().message);
    nlohmann::ordered_json out = nlohmann::ordered_json::parse(*json);
    auto module = module_bytes_of(*ref, options);
    if (!module) return registry_failure(ctx, module.error().message);
    auto bpf = describe_module_bpf({reinterpret_cast<const uint8_t*>(module->data()), module->size()});
    if (bpf) out["bpf"] = *bpf;
    else out["bpfProblem"] = bpf.error().message;
    ctx.out << out.dump(2) << '\n';
    return kExitOk;
  };
}

Handler setup_save(CLI::App& sub) {
  struct Args {
    std::string ref, output;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Write a module of the local store, with its manifest and config, to a tar archive of\n"
      "an OCI image layout, e.g. to carry it to a machine without registry access and\n"
      "'wasm-bpf load' it there.");
  sub.add_option("REF", args->ref, kRefHelp)->required()->type_name("");
  sub.add_option("-o,--output", args->output, "The archive to write")
      ->required()
      ->type_name("FILE.tar");
  sub.footer("Example:\n  wasm-bpf save localhost:5000/bootstrap:v1 -o bootstrap.tar");
  return [args](Context& ctx) {
    auto ref = reference(ctx, args->ref);
    if (!ref) return kExitFailure;
    const oci::InterruptScope interrupts;
    auto ok = oci::save_image(*ref, args->output, environment_options(ctx));
    if (!ok) return registry_failure(ctx, ok.error().message);
    return kExitOk;
  };
}

Handler setup_load(CLI::App& sub) {
  struct Args {
    std::string input, name;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Import the modules of a tar archive of an OCI image layout (written by 'wasm-bpf save'\n"
      "or 'skopeo copy ... oci-archive:FILE') into the local store. Every blob is checked.");
  sub.add_option("FILE", args->input, "The archive to read")
      ->required()
      ->type_name("")
      ->check(quiet(CLI::ExistingFile));
  sub.add_option("--name", args->name,
                 "Store the (single) image as REF; needed when the archive names it\n"
                 "by a bare tag")
      ->type_name("REF");
  sub.footer("Example:\n  wasm-bpf load bootstrap.tar");
  return [args](Context& ctx) {
    const oci::InterruptScope interrupts;
    auto loaded = oci::load_images(args->input, args->name, environment_options(ctx));
    if (!loaded) return registry_failure(ctx, loaded.error().message);
    for (const std::string& r : *loaded) ctx.out << "Loaded " << r << '\n';
    return kExitOk;
  };
}

}  // namespace wb::cli
