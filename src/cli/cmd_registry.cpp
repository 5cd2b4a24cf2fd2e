// Commands that move modules between files, the local store and OCI registries:
// push, pull, images, rm, inspect.
#include <memory>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/help_format.h"
#include "cli/validators.h"

namespace wb::cli {
namespace {

constexpr const char* kRefHelp =
    "An OCI reference: registry/repository[:tag|@digest], e.g.\n"
    "localhost:5000/bootstrap:v1";

}  // namespace

Handler setup_push(CLI::App& sub) {
  struct Args {
    std::string module, ref, format = "cncf";
    std::vector<std::string> annotations;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Push a .wasm module to an OCI registry as a single-layer artifact, so that it can be\n"
      "pulled and run anywhere with 'wasm-bpf run REF'. Credentials come from 'wasm-bpf login'.");
  sub.add_option("MODULE", args->module, "The .wasm file to push")
      ->required()
      ->type_name("")
      ->check(quiet(CLI::ExistingFile));
  sub.add_option("REF", args->ref, kRefHelp)->required()->type_name("");
  sub.add_option("-a,--annotation", args->annotations,
                 "Add an annotation to the manifest, e.g.\n"
                 "org.opencontainers.image.description=...; repeatable")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false)
      ->check(key_value_validator());
  sub.add_option("--format", args->format,
                 "Artifact layout: cncf (the CNCF Wasm OCI artifact format,\n"
                 "default) or wasm-to-oci (for tools that expect that layout)")
      ->type_name("cncf|wasm-to-oci")
      ->check(quiet(CLI::IsMember({"cncf", "wasm-to-oci"})));
  sub.footer(
      "Examples:\n"
      "  wasm-bpf push ./bootstrap.wasm localhost:5000/bootstrap:v1\n"
      "  wasm-bpf push -a org.opencontainers.image.source=https://example.org/tool \\\n"
      "      ./tool.wasm ghcr.io/me/tool:latest");
  return [args](Context& ctx) { return not_available(ctx, "push"); };
}

Handler setup_pull(CLI::App& sub) {
  struct Args {
    std::string ref, output;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Download a module from an OCI registry into the local store, where 'wasm-bpf run REF'\n"
      "finds it. Both the cncf and the wasm-to-oci layouts are understood.");
  sub.add_option("REF", args->ref, kRefHelp)->required()->type_name("");
  sub.add_option("-o,--output", args->output, "Write the module to FILE instead of the store")
      ->type_name("FILE");
  sub.footer(
      "Examples:\n"
      "  wasm-bpf pull localhost:5000/bootstrap:v1\n"
      "  wasm-bpf pull -o bootstrap.wasm localhost:5000/bootstrap:v1");
  return [args](Context& ctx) { return not_available(ctx, "pull"); };
}

Handler setup_images(CLI::App& sub) {
  sub.description(
      "List the modules in the local store: reference, digest, size and when each was pulled.");
  sub.footer("Example:\n  wasm-bpf images");
  return [](Context& ctx) { return not_available(ctx, "images"); };
}

Handler setup_rm(CLI::App& sub) {
  auto refs = std::make_shared<std::vector<std::string>>();
  sub.description("Remove modules from the local store. Registries are not touched.");
  sub.add_option("REF", *refs, "References of stored modules; at least one")
      ->required()
      ->type_name("");
  sub.footer("Example:\n  wasm-bpf rm localhost:5000/bootstrap:v1");
  return [refs](Context& ctx) { return not_available(ctx, "rm"); };
}

Handler setup_inspect(CLI::App& sub) {
  auto ref = std::make_shared<std::string>();
  sub.description(
      "Print the OCI manifest, config and annotations of a module as JSON: from the local\n"
      "store if it is there, otherwise from its registry.");
  sub.add_option("REF", *ref, kRefHelp)->required()->type_name("");
  sub.footer("Example:\n  wasm-bpf inspect localhost:5000/bootstrap:v1");
  return [ref](Context& ctx) { return not_available(ctx, "inspect"); };
}

}  // namespace wb::cli
