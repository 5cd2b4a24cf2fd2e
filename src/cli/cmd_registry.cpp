// SPDX-License-Identifier: MIT
// Commands that move modules between files, the local store and OCI registries:
// push, pull, images, rm, inspect, save, load. The work is done by src/oci.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <iostream>
#include <set>
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
#include "oci/registry_client.h"
#include "oci/store.h"

namespace wb::cli {
namespace {

constexpr const char* kRefHelp =
    "An OCI reference: registry/repository[:tag|@digest], e.g.\n"
    "localhost:5000/bootstrap:v1";
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
    std::vector<std::string> positionals;
    std::string module, ref, format = "cncf", platform;
    std::vector<std::string> annotations;
    RegistryArgs registry;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Push a .wasm module to an OCI registry as a single-layer artifact, so that it can be\n"
      "pulled and run anywhere with 'wasm-bpf run REF'. With REF alone, push the module the\n"
      "local store holds under REF (pulled, loaded or tagged) unchanged, as docker push does.\n"
      "Prints the manifest digest. Credentials come from 'wasm-bpf login'.");
  sub.add_option("[MODULE] REF", args->positionals,
                 "The .wasm file to push and where to push it: registry/repository[:tag]\n"
                 "(tag default: latest); or only REF, a module of the local store")
      ->required()
      ->expected(1, 2)
      ->type_name("");
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
  return [args, &sub](Context& ctx) {
    if (args->positionals.size() == 1) {
      // From the local store, unchanged: the layout options would change it.
      if (!args->annotations.empty() || sub.count("--format") != 0 || !args->platform.empty()) {
        ctx.err << "wasm-bpf push: -a, --format and --platform apply to pushing a module file\n";
        return kExitUsage;
      }
      auto ref = reference(ctx, args->positionals[0]);
      if (!ref) return kExitFailure;
      const oci::InterruptScope interrupts;
      auto digest = oci::push_stored(*ref, *ref, client_options(ctx, args->registry, ref->registry));
      if (!digest) return registry_failure(ctx, digest.error().message);
      ctx.out << *digest << '\n';
      return kExitOk;
    }
    args->module = args->positionals[0];
    args->ref = args->positionals[1];
    if (struct stat st{}; ::stat(args->module.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      ctx.err << "wasm-bpf push: " << args->module << ": no such file";
      if (oci::parse_reference(args->module) && !is_module_file(args->module))
        ctx.err << " (to push a stored module under another name: wasm-bpf tag " << args->module << ' ' << args->ref
                << ", then wasm-bpf push " << args->ref << ')';
      ctx.err << '\n';
      return kExitUsage;
    }
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

namespace {

// The repository part of a stored reference ("localhost:5000/a/b" of "localhost:5000/a/b:v1").
std::string repository_of(const oci::StoredImage& i) {
  auto ref = oci::parse_reference(i.reference);
  return ref ? ref->registry + "/" + ref->repository : i.reference;
}
std::string tag_of(const oci::StoredImage& i) {
  auto ref = oci::parse_reference(i.reference);
  return ref && !ref->tag.empty() ? ref->tag : "<none>";
}

// Whether `text` names stored images by ID or digest: "sha256:HEX..." or at least 4 hex digits.
bool looks_like_id(std::string_view text) {
  if (text.starts_with("sha256:")) text.remove_prefix(7);
  if (text.size() < 4 || text.size() > 64) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The stored images `text` names: by reference, else by ID or digest prefix (every entry with
// a manifest digest starting so). An empty list if none.
Result<std::vector<oci::StoredImage>> stored_images_named(const oci::Store& store, const std::string& text) {
  auto images = store.list();
  if (!images) return images.error();
  std::vector<oci::StoredImage> out;
  if (auto ref = oci::parse_reference(text)) {
    for (const oci::StoredImage& i : *images)
      if (oci::reference_matches(i, *ref)) out.push_back(i);
  }
  if (out.empty() && looks_like_id(text)) {
    const std::string hex = text.starts_with("sha256:") ? text.substr(7) : text;
    for (const oci::StoredImage& i : *images)
      if (oci::digest_hex(i.manifest.digest).starts_with(hex)) out.push_back(i);
  }
  return out;
}

}  // namespace

Handler setup_images(CLI::App& sub) {
  struct Args {
    std::string filter, format = "table";
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "List the modules in the local store: repository, tag, image ID (the start of the\n"
      "manifest digest, which 'rm' also takes), size and when each was pulled.");
  sub.add_option("REPOSITORY", args->filter, "Only this repository (registry/name), or REPOSITORY:TAG")->type_name("");
  sub.add_flag("-q,--quiet", args->quiet, "Print the image IDs only (once each)");
  sub.add_option("--format", args->format, "table (default), or json: one object per entry")
      ->type_name("table|json")
      ->check(quiet(CLI::IsMember({"table", "json"})));
  sub.footer(
      "Examples:\n"
      "  wasm-bpf images\n"
      "  wasm-bpf images localhost:5000/bootstrap\n"
      "  wasm-bpf rm $(wasm-bpf images -q localhost:5000/bootstrap)");
  return [args](Context& ctx) {
    const oci::Store store(oci::default_store_root());
    auto images = store.list();
    if (!images) return fail(ctx, images.error().message);
    std::vector<oci::StoredImage> shown;
    std::optional<oci::Reference> filter;
    if (!args->filter.empty()) {
      // "localhost:5000/x" names a repository; a tag narrows it.
      auto ref = oci::parse_reference(args->filter);
      if (!ref) return fail(ctx, ref.error().message);
      filter = *ref;
    }
    const bool filter_has_tag = filter && args->filter.find(':', args->filter.rfind('/') + 1) != std::string::npos;
    for (const oci::StoredImage& i : *images) {
      if (filter) {
        auto ref = oci::parse_reference(i.reference);
        if (!ref || ref->registry != filter->registry || ref->repository != filter->repository) continue;
        if (filter_has_tag && ref->tag != filter->tag) continue;
      }
      shown.push_back(i);
    }
    if (args->quiet) {
      std::set<std::string> seen;
      for (const oci::StoredImage& i : shown)
        if (seen.insert(oci::image_id(i)).second) ctx.out << oci::image_id(i) << '\n';
      return kExitOk;
    }
    if (args->format == "json") {
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const oci::StoredImage& i : shown) {
        const auto size = store.blob_size(i.module_digest);
        out.push_back({{"reference", i.reference},
                       {"repository", repository_of(i)},
                       {"tag", tag_of(i)},
                       {"id", oci::image_id(i)},
                       {"digest", i.manifest.digest},
                       {"moduleDigest", i.module_digest},
                       {"size", size ? nlohmann::ordered_json(*size) : nlohmann::ordered_json()},
                       {"pulled", i.pulled}});
      }
      ctx.out << out.dump(2) << '\n';
      return kExitOk;
    }
    std::size_t repo_width = 10, tag_width = 3;
    for (const oci::StoredImage& i : shown) {
      repo_width = std::max(repo_width, repository_of(i).size());
      tag_width = std::max(tag_width, tag_of(i).size());
    }
    ctx.out << pad("REPOSITORY", repo_width) << "  " << pad("TAG", tag_width) << "  " << pad("IMAGE ID", 12) << "  "
            << pad("SIZE", 10) << "  PULLED\n";
    for (const oci::StoredImage& i : shown) {
      const auto size = store.blob_size(i.module_digest);
      ctx.out << pad(repository_of(i), repo_width) << "  " << pad(tag_of(i), tag_width) << "  " << oci::image_id(i) << "  "
              << pad(size ? oci::format_bytes(*size) : "?", 10) << "  " << i.pulled << '\n';
    }
    return kExitOk;
  };
}

Handler setup_rm(CLI::App& sub) {
  struct Args {
    std::vector<std::string> names;
    bool force = false;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Remove modules from the local store, and the blobs no other stored module uses.\n"
      "A module is named by its reference, or by its image ID or digest (or a unique start of\n"
      "it) as 'images' shows them; an ID that several references share removes them all only\n"
      "with -f. Registries are not touched.");
  sub.add_option("REF|ID", args->names, "References, image IDs or digests; at least one")->required()->type_name("");
  sub.add_flag("-f,--force", args->force,
               "No error for names that are not stored; remove every reference of a shared ID");
  sub.footer(
      "Examples:\n"
      "  wasm-bpf rm localhost:5000/bootstrap:v1\n"
      "  wasm-bpf rm 3f2a9c1b7d0e");
  return [args](Context& ctx) {
    oci::Store store(oci::default_store_root());
    int status = kExitOk;
    for (const std::string& text : args->names) {
      auto found = stored_images_named(store, text);
      if (!found) {
        status = fail(ctx, found.error().message);
        continue;
      }
      if (found->empty()) {
        if (args->force) continue;
        const auto as_ref = oci::parse_reference(text);
        if (!as_ref && !looks_like_id(text)) status = fail(ctx, as_ref.error().message);
        else status = fail(ctx, text + " is not in the local store ('wasm-bpf images' lists what is)");
        continue;
      }
      std::set<std::string> digests;
      std::vector<std::string> refs;
      for (const oci::StoredImage& i : *found) {
        digests.insert(i.manifest.digest);
        refs.push_back(i.reference);
      }
      const auto as_ref = oci::parse_reference(text);
      const bool by_reference = as_ref.ok() && oci::reference_matches(found->front(), *as_ref);
      if (!by_reference && digests.size() > 1) {
        status = fail(ctx, text + " is ambiguous: it starts the IDs of " + std::to_string(digests.size()) +
                               " different images; give more of it");
        continue;
      }
      if (!by_reference && refs.size() > 1 && !args->force) {
        std::string list;
        for (const std::string& r : refs) list += "\n  " + r;
        status = fail(ctx, text + " is the image of " + std::to_string(refs.size()) +
                               " references; remove them by name, or all with -f:" + list);
        continue;
      }
      auto removed = store.remove_references(refs);
      if (!removed) {
        status = fail(ctx, removed.error().message);
        continue;
      }
      for (const std::string& r : refs) ctx.out << "Removed " << r << '\n';
    }
    return status;
  };
}

Handler setup_tag(CLI::App& sub) {
  struct Args {
    std::string source, target;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Give a stored module another reference in the local store (no download, no copy), e.g.\n"
      "to push it to another registry with 'wasm-bpf push TARGET'.");
  sub.add_option("SOURCE", args->source, "A stored module: reference, image ID or digest")->required()->type_name("");
  sub.add_option("TARGET", args->target, "The new reference: registry/repository[:tag] (tag default: latest)")
      ->required()
      ->type_name("");
  sub.footer(
      "Example:\n"
      "  wasm-bpf tag localhost:5000/bootstrap:v1 registry.example.org/tools/bootstrap:1.0\n"
      "  wasm-bpf push registry.example.org/tools/bootstrap:1.0");
  return [args](Context& ctx) {
    auto target = reference(ctx, args->target);
    if (!target) return kExitFailure;
    if (target->tag.empty() || !target->digest.empty())
      return fail(ctx, "the new reference " + args->target + " must name a tag, not a digest");
    oci::Store store(oci::default_store_root());
    auto found = stored_images_named(store, args->source);
    if (!found) return fail(ctx, found.error().message);
    if (found->empty()) return fail(ctx, args->source + " is not in the local store ('wasm-bpf images' lists what is)");
    std::set<std::string> digests;
    for (const oci::StoredImage& i : *found) digests.insert(i.manifest.digest);
    if (digests.size() > 1) return fail(ctx, args->source + " is ambiguous: it names " + std::to_string(digests.size()) + " different images");
    if (auto r = store.tag(found->front(), target->to_string()); !r) return fail(ctx, r.error().message);
    return kExitOk;
  };
}

Handler setup_prune(CLI::App& sub) {
  struct Args {
    bool all = false, force = false;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Free space in the local store: remove blobs no stored module uses and what interrupted\n"
      "pulls left; with -a, remove every stored module first. Prints the space reclaimed.");
  sub.add_flag("-a,--all", args->all, "Remove every stored module too (asks first on a terminal)");
  sub.add_flag("-f,--force", args->force, "Do not ask");
  sub.footer("Examples:\n  wasm-bpf prune\n  wasm-bpf prune -a -f");
  return [args](Context& ctx) {
    oci::Store store(oci::default_store_root());
    if (args->all) {
      auto images = store.list();
      if (!images) return fail(ctx, images.error().message);
      if (!args->force) {
        if (!::isatty(STDIN_FILENO))
          return fail(ctx, "prune -a removes all " + std::to_string(images->size()) +
                               " stored modules; confirm with -f (standard input is not a terminal to ask on)");
        ctx.err << "This removes all " << images->size() << " modules of the local store " << store.root()
                << ". Continue? [y/N] ";
        std::string answer;
        std::getline(std::cin, answer);
        if (answer != "y" && answer != "Y" && answer != "yes") {
          ctx.err << "Nothing removed.\n";
          return kExitFailure;
        }
      }
      std::vector<std::string> refs;
      for (const oci::StoredImage& i : *images) refs.push_back(i.reference);
      if (auto r = store.remove_references(refs); !r) return fail(ctx, r.error().message);
      for (const std::string& r : refs) ctx.out << "Removed " << r << '\n';
    }
    auto freed = store.prune();
    if (!freed) return fail(ctx, freed.error().message);
    ctx.out << "Reclaimed " << oci::format_bytes(*freed) << '\n';
    return kExitOk;
  };
}

Handler setup_tags(CLI::App& sub) {
  struct Args {
    std::string repository;
    RegistryArgs registry;
  };
  auto args = std::make_shared<Args>();
  sub.description("List the tags of a repository in its registry, one per line, sorted.");
  sub.add_option("REPOSITORY", args->repository, "registry/repository, e.g. localhost:5000/bootstrap")->required()->type_name("");
  add_registry_options(sub, args->registry, false);
  sub.footer(std::string("Example:\n  wasm-bpf tags localhost:5000/bootstrap\n\n") + kRegistryFooter);
  return [args](Context& ctx) {
    auto ref = reference(ctx, args->repository);
    if (!ref) return kExitFailure;
    const oci::InterruptScope interrupts;
    oci::RegistryClient client(ref->registry, client_options(ctx, args->registry, ref->registry));
    auto tags = client.list_tags(ref->repository);
    if (!tags) return registry_failure(ctx, tags.error().message);
    for (const std::string& t : *tags) ctx.out << t << '\n';
    return kExitOk;
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
    std::string format = "text";
    RegistryArgs registry;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Show what a module will do before it runs: its imports, and what its BPF objects would\n"
      "do in the kernel (programs and their attach points, the BPF helpers their code calls,\n"
      "maps and the kernel memory they take, license, target architecture, what 'run' refuses\n"
      "without --allow flags and the flags that allow it). For a reference also the OCI\n"
      "manifest, config and annotations, from the local store if it is there, otherwise from\n"
      "its registry (the module is downloaded for the BPF part, not stored). An existing file\n"
      "is always inspected as a file.");
  sub.add_option("MODULE|REF", args->ref, "A .wasm file, or " + std::string(kRefHelp))->required()->type_name("");
  sub.add_option("--format", args->format, "text (default), or json: every fact, with the whole manifest and config")
      ->type_name("text|json")
      ->check(quiet(CLI::IsMember({"text", "json"})));
  add_registry_options(sub, args->registry, false);
  sub.footer(
      "Examples:\n"
      "  wasm-bpf inspect ./bootstrap.wasm\n"
      "  wasm-bpf inspect --format json localhost:5000/bootstrap:v1");
  return [args](Context& ctx) {
    auto print = [&](const nlohmann::ordered_json& out) {
      if (args->format == "json") ctx.out << out.dump(2) << '\n';
      else print_inspect_text(out, ctx.out);
      return kExitOk;
    };
    auto add_module_facts = [&](nlohmann::ordered_json& out, const std::string& bytes) {
      const std::span<const uint8_t> wasm{reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};
      if (auto imports = describe_module_imports(wasm)) out["imports"] = *imports;
      else out["moduleProblem"] = imports.error().message;
      auto bpf = describe_module_bpf(wasm);
      if (bpf) out["bpf"] = *bpf;
      else out["bpfProblem"] = bpf.error().message;
      return bpf.ok();
    };
    if (is_module_file(args->ref)) {
      auto bytes = oci::read_file(args->ref);
      if (!bytes) return registry_failure(ctx, bytes.error().message);
      nlohmann::ordered_json out;
      out["path"] = args->ref;
      out["size"] = bytes->size();
      out["digest"] = oci::sha256_digest(*bytes);
      if (!add_module_facts(out, *bytes)) return registry_failure(ctx, args->ref + ": " + out["bpfProblem"].get<std::string>());
      return print(out);
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
    add_module_facts(out, *module);
    return print(out);
  };
}

namespace {

// A temporary file for an archive on its way to stdout or from stdin, removed on return.
struct TempArchive {
  std::string dir, path;
  TempArchive() {
    char tmpl[] = "/tmp/wasm-bpf-archive-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) {
      dir = tmpl;
      path = dir + "/archive.tar";
    }
  }
  ~TempArchive() {
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

bool copy_stream(std::istream& in, std::ostream& out) {
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof buf);
    if (in.gcount() > 0) out.write(buf, in.gcount());
    if (!out) return false;
  }
  return in.eof();
}

}  // namespace

Handler setup_save(CLI::App& sub) {
  struct Args {
    std::string ref, output;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Write a module of the local store, with its manifest and config, to a tar archive of\n"
      "an OCI image layout, e.g. to carry it to a machine without registry access and\n"
      "'wasm-bpf load' it there. '-o -' writes the archive to standard output.");
  sub.add_option("REF", args->ref, kRefHelp)->required()->type_name("");
  sub.add_option("-o,--output", args->output, "The archive to write, or - for standard output")
      ->required()
      ->type_name("FILE.tar");
  sub.footer(
      "Examples:\n"
      "  wasm-bpf save localhost:5000/bootstrap:v1 -o bootstrap.tar\n"
      "  wasm-bpf save localhost:5000/bootstrap:v1 -o - | ssh host wasm-bpf load -i -");
  return [args](Context& ctx) {
    auto ref = reference(ctx, args->ref);
    if (!ref) return kExitFailure;
    const oci::InterruptScope interrupts;
    if (args->output != "-") {
      auto ok = oci::save_image(*ref, args->output, environment_options(ctx));
      if (!ok) return registry_failure(ctx, ok.error().message);
      return kExitOk;
    }
    if (&ctx.out == &std::cout && ::isatty(STDOUT_FILENO))
      return fail(ctx, "refusing to write an archive to a terminal: redirect standard output, or give -o FILE.tar");
    TempArchive tmp;
    if (tmp.dir.empty()) return fail(ctx, "cannot make a temporary directory in /tmp");
    auto ok = oci::save_image(*ref, tmp.path, environment_options(ctx));
    if (!ok) return registry_failure(ctx, ok.error().message);
    std::ifstream in(tmp.path, std::ios::binary);
    if (!in || !copy_stream(in, ctx.out) || !ctx.out.flush()) return fail(ctx, "cannot write the archive to standard output");
    return kExitOk;
  };
}

Handler setup_load(CLI::App& sub) {
  struct Args {
    std::string input, input_option, name;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Import the modules of a tar archive of an OCI image layout (written by 'wasm-bpf save'\n"
      "or 'skopeo copy ... oci-archive:FILE') into the local store. Every blob is checked.\n"
      "The archive is FILE, or -i FILE; - reads it from standard input.");
  sub.add_option("FILE", args->input, "The archive to read (- for standard input)")->type_name("");
  sub.add_option("-i,--input", args->input_option, "The archive to read, as docker load -i (- for standard input)")
      ->type_name("FILE");
  sub.add_option("--name", args->name,
                 "Store the (single) image as REF; needed when the archive names it\n"
                 "by a bare tag")
      ->type_name("REF");
  sub.footer("Examples:\n  wasm-bpf load bootstrap.tar\n  wasm-bpf load -i - < bootstrap.tar");
  return [args](Context& ctx) {
    if (args->input.empty() == args->input_option.empty()) {
      ctx.err << "wasm-bpf load: give the archive once: FILE or -i FILE\n";
      return kExitUsage;
    }
    const std::string input = args->input.empty() ? args->input_option : args->input;
    const oci::InterruptScope interrupts;
    TempArchive tmp;
    std::string path = input;
    if (input == "-") {
      if (::isatty(STDIN_FILENO)) return fail(ctx, "refusing to read an archive from a terminal: redirect standard input");
      if (tmp.dir.empty()) return fail(ctx, "cannot make a temporary directory in /tmp");
      std::ofstream out(tmp.path, std::ios::binary);
      if (!copy_stream(std::cin, out) || !out.flush()) return fail(ctx, "cannot read the archive from standard input");
      path = tmp.path;
    } else if (struct stat st{}; ::stat(input.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      ctx.err << "wasm-bpf load: " << input << ": no such file\n";
      return kExitUsage;
    }
    auto loaded = oci::load_images(path, args->name, environment_options(ctx));
    if (!loaded) return registry_failure(ctx, loaded.error().message);
    for (const std::string& r : *loaded) ctx.out << "Loaded " << r << '\n';
    return kExitOk;
  };
}

}  // namespace wb::cli
