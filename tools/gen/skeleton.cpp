// SPDX-License-Identifier: MIT
// `wasm-bpf gen skeleton`: a C header that embeds a BPF object and gives a guest typed access
// to its maps, programs and global data through libbpf-wasm.h.
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <elf.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "gen/btf_source.h"
#include "gen/elf_sections.h"
#include "gen/generators.h"
#include "gen/wasm_layout.h"

namespace wb::gen {
namespace {

struct ObjectCloser {
  void operator()(bpf_object* o) const { bpf_object__close(o); }
};

struct MapInfo {
  std::string ident;  // member of skel->maps
  std::string name;   // as the host finds it: "rb", ".rodata"
  // Global data only:
  bool global_data = false;
  uint32_t datasec_id = 0;
  uint64_t size = 0;
  std::optional<uint64_t> elf_offset;
  std::string body;  // members of the section's struct; empty: nothing to expose
};

struct ProgInfo {
  std::string name;
  std::string section;
  bool autoattach = false;
};

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// Whether libbpf can attach a program of section `sec` without being told where: the section
// names the hook ("tp/sched/sched_process_exec", "uprobe//bin/bash:readline", ...).
bool section_names_its_hook(const std::string& sec) {
  static const char* const kPrefixes[] = {
      "tp/",       "tracepoint/", "raw_tp/",     "raw_tracepoint/", "raw_tp.w/", "raw_tracepoint.w/",
      "tp_btf/",   "fentry/",     "fexit/",      "fmod_ret/",       "fentry.s/", "fexit.s/",
      "fmod_ret.s/", "lsm/",      "lsm.s/",      "kprobe/",         "kretprobe/", "ksyscall/",
      "kretsyscall/", "kprobe.multi/", "kretprobe.multi/", "uprobe/", "uretprobe/", "uprobe.s/",
      "uretprobe.s/", "usdt/",    "iter/",       "iter.s/"};
  for (const char* p : kPrefixes) {
    const std::string prefix = p;
    if (starts_with(sec, prefix) && sec.size() > prefix.size()) {
      // uprobes need "PATH:FUNCTION" to be attachable by name
      if (starts_with(prefix, "uprobe") || starts_with(prefix, "uretprobe"))
        return sec.find(':', prefix.size()) != std::string::npos;
      return true;
    }
  }
  return false;
}

// The skel->maps member for a global data section, as bpftool names it:
// ".rodata" -> "rodata", ".data.counters" -> "data_counters".
std::string data_ident(const std::string& sec) { return c_identifier(sec.substr(1)); }

std::string hex_bytes(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size() * 5 + bytes.size() / 16 * 2);
  char buf[8];
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i % 16 == 0) out += "\t";
    std::snprintf(buf, sizeof buf, "0x%02x,", bytes[i]);
    out += buf;
    out += (i % 16 == 15 || i + 1 == bytes.size()) ? "\n" : "";
  }
  return out;
}

std::string offset_literal(const std::optional<uint64_t>& off) {
  return off ? std::to_string(*off) : std::string("LIBBPF_WASM_NO_OFFSET");
}

}  // namespace

Result<std::string> skeleton_header(std::span<const uint8_t> object, const SkeletonOptions& options) {
  if (options.name.empty()) return make_error("the skeleton needs a name");
  const std::string N = c_identifier(options.name);
  auto elf = ElfSections::parse(object);
  if (!elf) return make_error(elf.error().message);

  LibbpfLogCapture log;
  // libbpf keeps pointers into the buffer only during open; give it its own copy anyway.
  std::vector<uint8_t> copy(object.begin(), object.end());
  LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = N.c_str());
  std::unique_ptr<bpf_object, ObjectCloser> obj(bpf_object__open_mem(copy.data(), copy.size(), &oo));
  if (!obj) {
    const int err = errno;
    char why[128];
    libbpf_strerror(err, why, sizeof why);  // also knows libbpf's own codes (4000 and up)
    std::string detail = log.last_line();
    return make_error("libbpf cannot open the object: " + std::string(why) +
                      (detail.empty() ? "" : " (" + detail + ")"));
  }
  const btf* b = bpf_object__btf(obj.get());

  WasmLayoutPrinter::Options popts;
  popts.indent = "\t";
  std::unique_ptr<WasmLayoutPrinter> printer;
  if (b != nullptr) printer = std::make_unique<WasmLayoutPrinter>(b, popts);
  // Named types of global variables ("const volatile struct config cfg"), defined before the
  // section structs so that the guest can name them: skel->rodata->cfg = (struct config){...}.
  std::vector<uint32_t> named_types;

  std::vector<MapInfo> maps;
  std::set<std::string> idents;
  bpf_map* m;
  bpf_object__for_each_map(m, obj.get()) {
    MapInfo mi;
    if (!bpf_map__is_internal(m)) {
      mi.name = bpf_map__name(m);
      mi.ident = c_identifier(mi.name);
    } else {
      // Global data: the BTF DATASEC of the map names the ELF section.
      const uint32_t id = bpf_map__btf_value_type_id(m);
      const btf_type* t = (b != nullptr && id != 0) ? btf__type_by_id(b, id) : nullptr;
      if (t == nullptr || !btf_is_datasec(t)) continue;  // e.g. string literals: nothing to expose
      const std::string sec = btf__name_by_offset(b, t->name_off);
      if (sec == ".kconfig" || sec.empty() || sec[0] != '.') continue;  // filled in by libbpf at load
      mi.name = sec;
      mi.ident = data_ident(sec);
      mi.global_data = true;
      mi.datasec_id = id;
      mi.size = t->size;
      mi.elf_offset = elf->file_offset(sec);
      std::vector<LayoutField> fields;
      const btf_var_secinfo* vs = btf_var_secinfos(t);
      for (uint16_t i = 0; i < btf_vlen(t); ++i) {
        const btf_type* var = btf__type_by_id(b, vs[i].type);
        if (var == nullptr || !btf_is_var(var)) continue;
        if (btf_var(var)->linkage == BTF_VAR_STATIC) continue;  // static variables stay private
        LayoutField f;
        f.name = btf__name_by_offset(b, var->name_off);
        f.type_id = var->type;
        f.bit_offset = uint64_t{vs[i].offset} * 8;
        printer->collect_used_definitions(var->type, named_types);
        fields.push_back(std::move(f));
      }
      std::stable_sort(fields.begin(), fields.end(),
                       [](const LayoutField& x, const LayoutField& y) { return x.bit_offset < y.bit_offset; });
      if (!fields.empty()) {
        auto body = printer->struct_body(fields, mi.size, 1);
        if (!body) return make_error("cannot lay out " + sec + ": " + body.error().message);
        mi.body = *body;
      }
    }
    if (!idents.insert(mi.ident).second) return make_error("two maps are both called '" + mi.ident + "'");
    maps.push_back(std::move(mi));
  }

  std::vector<ProgInfo> progs;
  bpf_program* p;
  bpf_object__for_each_program(p, obj.get()) {
    ProgInfo pi;
    pi.name = bpf_program__name(p);
    pi.section = bpf_program__section_name(p);
    pi.autoattach = section_names_its_hook(pi.section);
    progs.push_back(std::move(pi));
  }

  std::ostringstream o;
  const std::string guard = "WASM_BPF_SKEL_" + [&] {
    std::string g;
    for (char c : N) g += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return g;
  }() + "_H";
  o << "/* Generated by `wasm-bpf gen skeleton` from " << (options.source_name.empty() ? N : options.source_name)
    << ". Do not edit. */\n"
    << "/* The object is embedded below; maps, programs and global data are described for\n"
    << " * libbpf-wasm.h. Global data structs have the BPF layout (packed, explicit padding). */\n"
    << "#ifndef " << guard << "\n#define " << guard << "\n\n#include \"libbpf-wasm.h\"\n\n";

  bool any_data = false;
  for (const MapInfo& mi : maps) any_data = any_data || (mi.global_data && !mi.body.empty());
  if (any_data) o << WasmLayoutPrinter::static_assert_preamble() << "\n";
  // Guarded like those of `gen header`: X.wasm.h may define the same types.
  for (uint32_t id : named_types) {
    auto def = printer->guarded_definition(id);
    if (!def) return make_error("cannot lay out a type of the global data: " + def.error().message);
    o << *def << "\n";
  }
  for (const MapInfo& mi : maps) {
    if (!mi.global_data || mi.body.empty()) continue;
    o << "struct " << N << "__" << mi.ident << " {\n" << mi.body << "} __attribute__((packed));\n"
      << "WASM_BPF_STATIC_ASSERT(sizeof(struct " << N << "__" << mi.ident << ") == " << mi.size << ", \"" << mi.name
      << " has the BPF layout\");\n\n";
  }

  o << "struct " << N << " {\n\tstruct bpf_object_skeleton *skeleton;\n\tstruct bpf_object *obj;\n";
  if (!maps.empty()) {
    o << "\tstruct {\n";
    for (const MapInfo& mi : maps) o << "\t\tstruct bpf_map *" << mi.ident << ";\n";
    o << "\t} maps;\n";
  }
  if (!progs.empty()) {
    o << "\tstruct {\n";
    for (const ProgInfo& pi : progs) o << "\t\tstruct bpf_program *" << pi.name << ";\n";
    o << "\t} progs;\n\tstruct {\n";
    for (const ProgInfo& pi : progs) o << "\t\tstruct bpf_link *" << pi.name << ";\n";
    o << "\t} links;\n";
  }
  for (const MapInfo& mi : maps)
    if (mi.global_data && !mi.body.empty()) o << "\tstruct " << N << "__" << mi.ident << " *" << mi.ident << ";\n";
  o << "};\n\n";

  o << "static inline const void *" << N << "__elf_bytes(size_t *sz);\n\n";

  o << "static inline void " << N << "__destroy(struct " << N << " *obj)\n{\n"
    << "\tif (!obj)\n\t\treturn;\n\tbpf_object__destroy_skeleton(obj->skeleton);\n\tfree(obj);\n}\n\n";

  auto offset_of_section = [&](const std::string& sec) -> std::string {
    for (const MapInfo& mi : maps)
      if (mi.name == sec) return offset_literal(mi.elf_offset);
    return offset_literal(elf->file_offset(sec));
  };

  o << "static inline int " << N << "__create_skeleton(struct " << N << " *obj)\n{\n"
    << "\tstruct bpf_object_skeleton *s = (struct bpf_object_skeleton *)calloc(1, sizeof(*s));\n\n"
    << "\tif (!s)\n\t\treturn -ENOMEM;\n"
    << "\tobj->skeleton = s;\n"
    << "\ts->sz = sizeof(*s);\n"
    << "\ts->name = \"" << N << "\";\n"
    << "\ts->obj = &obj->obj;\n"
    << "\ts->data = " << N << "__elf_bytes(&s->data_sz);\n"
    << "\ts->rodata_offset = " << offset_of_section(".rodata") << ";\n"
    << "\ts->data_offset = " << offset_of_section(".data") << ";\n"
    << "\ts->bss_offset = LIBBPF_WASM_NO_OFFSET;\n\n";
  o << "\ts->map_cnt = " << maps.size() << ";\n\ts->map_skel_sz = sizeof(*s->maps);\n";
  if (!maps.empty()) {
    o << "\ts->maps = (struct bpf_map_skeleton *)calloc(" << maps.size() << ", sizeof(*s->maps));\n"
      << "\tif (!s->maps)\n\t\treturn -ENOMEM;\n";
    for (size_t i = 0; i < maps.size(); ++i) {
      const MapInfo& mi = maps[i];
      const std::string e = "\ts->maps[" + std::to_string(i) + "].";
      o << e << "name = \"" << mi.name << "\";\n" << e << "map = &obj->maps." << mi.ident << ";\n";
      o << e << "elf_offset = " << offset_literal(mi.global_data ? mi.elf_offset : std::nullopt) << ";\n";
      if (mi.global_data && !mi.body.empty())
        o << e << "mmaped = (void **)&obj->" << mi.ident << ";\n" << e << "data_sz = " << mi.size << ";\n";
    }
  }
  o << "\n\ts->prog_cnt = " << progs.size() << ";\n\ts->prog_skel_sz = sizeof(*s->progs);\n";
  if (!progs.empty()) {
    o << "\ts->progs = (struct bpf_prog_skeleton *)calloc(" << progs.size() << ", sizeof(*s->progs));\n"
      << "\tif (!s->progs)\n\t\treturn -ENOMEM;\n";
    for (size_t i = 0; i < progs.size(); ++i) {
      const ProgInfo& pi = progs[i];
      const std::string e = "\ts->progs[" + std::to_string(i) + "].";
      o << e << "name = \"" << pi.name << "\"; /* SEC(\"" << pi.section << "\") */\n"
        << e << "prog = &obj->progs." << pi.name << ";\n"
        << e << "link = &obj->links." << pi.name << ";\n"
        << e << "autoattach = " << (pi.autoattach ? "true" : "false") << ";\n";
    }
  }
  o << "\treturn 0;\n}\n\n";

  o << "static inline struct " << N << " *" << N << "__open_opts(const struct bpf_object_open_opts *opts)\n{\n"
    << "\tstruct " << N << " *obj = (struct " << N << " *)calloc(1, sizeof(*obj));\n\tint err;\n\n"
    << "\tif (!obj) {\n\t\terrno = ENOMEM;\n\t\treturn NULL;\n\t}\n"
    << "\terr = " << N << "__create_skeleton(obj);\n"
    << "\tif (!err)\n\t\terr = bpf_object__open_skeleton(obj->skeleton, opts);\n"
    << "\tif (err) {\n\t\t" << N << "__destroy(obj);\n\t\terrno = -err;\n\t\treturn NULL;\n\t}\n"
    << "\treturn obj;\n}\n\n";
  o << "static inline struct " << N << " *" << N << "__open(void)\n{\n\treturn " << N
    << "__open_opts(NULL);\n}\n\n";
  o << "static inline int " << N << "__load(struct " << N << " *obj)\n{\n"
    << "\treturn bpf_object__load_skeleton(obj->skeleton);\n}\n\n";
  o << "static inline struct " << N << " *" << N << "__open_and_load(void)\n{\n"
    << "\tstruct " << N << " *obj = " << N << "__open();\n\tint err;\n\n"
    << "\tif (!obj)\n\t\treturn NULL;\n"
    << "\terr = " << N << "__load(obj);\n"
    << "\tif (err) {\n\t\t" << N << "__destroy(obj);\n\t\terrno = -err;\n\t\treturn NULL;\n\t}\n"
    << "\treturn obj;\n}\n\n";
  o << "static inline int " << N << "__attach(struct " << N << " *obj)\n{\n"
    << "\treturn bpf_object__attach_skeleton(obj->skeleton);\n}\n\n";
  o << "static inline void " << N << "__detach(struct " << N << " *obj)\n{\n"
    << "\tbpf_object__detach_skeleton(obj->skeleton);\n}\n\n";

  o << "static const unsigned char " << N << "__elf[" << object.size() << "] __attribute__((aligned(8))) = {\n"
    << hex_bytes(object) << "};\n\n";
  o << "static inline const void *" << N << "__elf_bytes(size_t *sz)\n{\n"
    << "\tif (sz)\n\t\t*sz = sizeof(" << N << "__elf);\n\treturn " << N << "__elf;\n}\n\n";
  o << "#endif /* " << guard << " */\n";
  return o.str();
}

}  // namespace wb::gen
