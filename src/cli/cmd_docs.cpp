// SPDX-License-Identifier: MIT
// `wasm-bpf completion bash|zsh|fish` and `wasm-bpf man`: shell completion scripts and manual
// pages made from the same command table and CLI11 definitions as --help, so that they cannot
// disagree with it. The build writes them into the build tree and `cmake --install` installs
// them (cmake/Install.cmake).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/version.h"

namespace wb::cli {
namespace {

struct OptionDoc {
  std::vector<std::string> names;  // "-o", "--output"
  std::string value;               // "FILE", "" for a flag
  std::string description;
  std::vector<std::string> choices;  // from a value like "text|json"
};

struct CommandDoc {
  std::string name, summary, usage, description, footer;
  std::vector<OptionDoc> options;
  std::vector<OptionDoc> positionals;
};

// A value written as a|b|c of plain words offers those words.
std::vector<std::string> choices_of(const std::string& value) {
  if (value.find('|') == std::string::npos) return {};
  std::vector<std::string> out;
  std::stringstream in(value);
  for (std::string w; std::getline(in, w, '|');) {
    if (w.empty() || !std::all_of(w.begin(), w.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '-' || (c >= '0' && c <= '9'); }))
      return {};
    out.push_back(w);
  }
  return out;
}

std::vector<OptionDoc> options_of(const CLI::App& app, bool positional) {
  std::vector<OptionDoc> out;
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_positional() != positional) continue;
    OptionDoc d;
    if (positional) {
      d.names.push_back(o->get_name());
    } else {
      for (const std::string& s : o->get_snames()) d.names.push_back("-" + s);
      for (const std::string& l : o->get_lnames()) d.names.push_back("--" + l);
    }
    if (o->get_expected_min() > 0 || o->get_type_size() > 0) d.value = o->get_type_name();
    if (!positional && o->get_type_size() == 0) d.value.clear();  // a flag
    // CLI11 appends a range check's description ("N:UINT in [1 - 100]"); --help hides it.
    for (const char* check : {":UINT", ":INT", ":FLOAT", ":NUMBER", ":POSITIVE", ":NONNEGATIVE"})
      if (const auto at = d.value.find(check); at != std::string::npos) d.value.resize(at);
    d.description = o->get_description();
    d.choices = choices_of(d.value);
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<CommandDoc> commands_of(const CLI::App& root) {
  std::vector<CommandDoc> out;
  for (const Command& c : command_table()) {
    const CLI::App* sub = root.get_subcommand(std::string(c.name));
    CommandDoc d{std::string(c.name), std::string(c.summary), std::string(c.usage), sub->get_description(),
                 sub->get_footer(), options_of(*sub, false), options_of(*sub, true)};
    out.push_back(std::move(d));
  }
  return out;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string joined(const std::vector<std::string>& v, const std::string& sep = " ") {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// The names of every option, or only of those that take a value.
std::vector<std::string> option_names(const std::vector<OptionDoc>& opts, bool with_values) {
  std::vector<std::string> out;
  for (const OptionDoc& o : opts)
    if (!with_values || !o.value.empty())
      for (const std::string& n : o.names) out.push_back(n);
  return out;
}

// ---- bash --------------------------------------------------------------------------------

void bash(const CLI::App& root, std::ostream& out) {
  const auto commands = commands_of(root);
  std::vector<std::string> names;
  for (const auto& c : commands) names.push_back(c.name);
  out << "# bash completion for wasm-bpf (made by 'wasm-bpf completion bash' from its command table)\n"
         "_wasm_bpf() {\n"
         "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\" cmd=\"\" i\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    case \"${COMP_WORDS[i]}\" in -*) ;; *) cmd=\"${COMP_WORDS[i]}\"; break ;; esac\n"
         "  done\n"
         "  local opts=\"\" valued=\"\"\n"
         "  case \"$cmd\" in\n"
         "  \"\")\n"
         "    if [[ $cur == -* ]]; then\n"
         "      COMPREPLY=($(compgen -W \"-h --help -V --version\" -- \"$cur\"))\n"
         "    else\n"
         "      COMPREPLY=($(compgen -W \""
      << joined(names) << "\" -- \"$cur\") $(compgen -f -X '!*.wasm' -- \"$cur\"))\n"
                          "    fi\n"
                          "    return ;;\n";
  for (const auto& c : commands) {
    out << "  " << c.name << ")\n    opts=\"" << joined(option_names(c.options, false)) << "\"\n    valued=\""
        << joined(option_names(c.options, true)) << "\" ;;\n";
  }
  out << "  esac\n"
         "  if [[ \" $valued \" == *\" $prev \"* ]]; then\n"
         "    case \"$cmd $prev\" in\n";
  for (const auto& c : commands)
    for (const auto& o : c.options)
      if (!o.choices.empty())
        out << "    \"" << c.name << ' ' << joined(o.names, "\" | \"" + c.name + ' ') << "\") COMPREPLY=($(compgen -W \""
            << joined(o.choices) << "\" -- \"$cur\")) ;;\n";
  out << "    *) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
         "    esac\n"
         "    return\n"
         "  fi\n";
  // Positional choices (completion SHELL, man COMMAND).
  out << "  case \"$cmd\" in\n"
         "  completion) [[ $cur != -* ]] && { COMPREPLY=($(compgen -W \"bash zsh fish\" -- \"$cur\")); return; } ;;\n"
         "  man) [[ $cur != -* ]] && { COMPREPLY=($(compgen -W \""
      << joined(names) << "\" -- \"$cur\")); return; } ;;\n"
                          "  esac\n"
                          "  if [[ $cur == -* ]]; then\n"
                          "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
                          "  else\n"
                          "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
                          "  fi\n"
                          "}\n"
                          "complete -o filenames -o bashdefault -F _wasm_bpf wasm-bpf\n";
}

// ---- zsh ---------------------------------------------------------------------------------

// Text inside single quotes and inside an _arguments [description].
std::string zsh_quoted(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else if (c == '[' || c == ']' || c == ':' || c == '\\') out += std::string("\\") + c;
    else out += c;
  }
  return out;
}

void zsh(const CLI::App& root, std::ostream& out) {
  const auto commands = commands_of(root);
  out << "#compdef wasm-bpf\n"
         "# zsh completion for wasm-bpf (made by 'wasm-bpf completion zsh' from its command table)\n"
         "_wasm_bpf() {\n"
         "  local -a commands\n"
         "  commands=(\n";
  for (const auto& c : commands) out << "    '" << c.name << ':' << zsh_quoted(c.summary) << "'\n";
  out << "  )\n"
         "  if (( CURRENT == 2 )); then\n"
         "    _describe -t commands 'wasm-bpf command' commands\n"
         "    _files -g '*.wasm'\n"
         "    return\n"
         "  fi\n"
         "  local cmd=${words[2]}\n"
         "  shift words; (( CURRENT-- ))\n"
         "  case $cmd in\n";
  for (const auto& c : commands) {
    out << "  " << c.name << ")\n    _arguments -s";
    for (const auto& o : c.options) {
      const std::string desc = zsh_quoted(first_line(o.description));
      std::string action;
      if (!o.value.empty()) action = ":" + zsh_quoted(o.value) + ":" + (o.choices.empty() ? "_files" : "(" + joined(o.choices) + ")");
      for (const std::string& n : o.names) {
        const bool repeat = o.value.find("...") != std::string::npos;
        out << " \\\n      '" << (repeat ? "*" : "") << n << '[' << desc << ']' << action << '\'';
      }
    }
    if (c.name == "completion") out << " \\\n      '1:shell:(bash zsh fish)'";
    else if (c.name == "man") out << " \\\n      '1:command:->commands'";
    else out << " \\\n      '*:file:_files'";
    out << " ;;\n";
  }
  out << "  esac\n"
         "}\n"
         "_wasm_bpf \"$@\"\n";
}

// ---- fish --------------------------------------------------------------------------------

std::string fish_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

void fish(const CLI::App& root, std::ostream& out) {
  const auto commands = commands_of(root);
  std::vector<std::string> names;
  for (const auto& c : commands) names.push_back(c.name);
  out << "# fish completion for wasm-bpf (made by 'wasm-bpf completion fish' from its command table)\n"
         "complete -c wasm-bpf -s h -l help -d 'Print help'\n"
         "complete -c wasm-bpf -n __fish_use_subcommand -s V -l version -d 'Print the version'\n";
  for (const auto& c : commands)
    out << "complete -c wasm-bpf -f -n __fish_use_subcommand -a " << c.name << " -d " << fish_quoted(c.summary) << '\n';
  for (const auto& c : commands) {
    const std::string when = "'__fish_seen_subcommand_from " + c.name + "'";
    for (const auto& o : c.options) {
      out << "complete -c wasm-bpf -n " << when;
      for (const std::string& n : o.names) {
        if (n.starts_with("--")) out << " -l " << n.substr(2);
        else if (n.size() == 2) out << " -s " << n.substr(1);
        else out << " -o " << n.substr(1);
      }
      if (!o.choices.empty()) out << " -x -a " << fish_quoted(joined(o.choices));
      else if (!o.value.empty()) out << " -r -F";
      out << " -d " << fish_quoted(first_line(o.description)) << '\n';
    }
  }
  out << "complete -c wasm-bpf -f -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'\n"
         "complete -c wasm-bpf -f -n '__fish_seen_subcommand_from man' -a "
      << fish_quoted(joined(names)) << '\n';
}

// ---- man ---------------------------------------------------------------------------------

// Text for roff: backslashes escaped, lines that would start a request protected.
std::string roff(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
    line_start = c == '\n';
  }
  return out;
}

// Help text is wrapped at ~90 columns for the terminal; man wraps by itself.
std::string unwrapped(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && i + 1 < text.size() && text[i + 1] != '\n' && text[i + 1] != ' ' && (i == 0 || text[i - 1] != '\n'))
      out += ' ';
    else out += text[i];
  }
  return out;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

void man_header(std::ostream& out, const std::string& title) {
  out << ".\\\" Made by 'wasm-bpf man' from the command table of wasm-bpf " << kVersion << "; do not edit.\n"
      << ".TH " << upper(title) << " 1 \"\" \"wasm-bpf " << kVersion << "\" \"wasm-bpf manual\"\n";
}

void man_options(std::ostream& out, const std::vector<OptionDoc>& options) {
  for (const OptionDoc& o : options) {
    out << ".TP\n";
    std::string names;
    for (const std::string& n : o.names) names += (names.empty() ? "" : ", ") + ("\\fB" + roff(n) + "\\fR");
    out << names << (o.value.empty() ? "" : " \\fI" + roff(o.value) + "\\fR") << '\n' << roff(unwrapped(o.description)) << '\n';
  }
}

void man_command(const CommandDoc& c, std::ostream& out) {
  man_header(out, "wasm-bpf-" + c.name);
  out << ".SH NAME\nwasm\\-bpf\\-" << roff(c.name) << " \\- " << roff(c.summary) << '\n';
  out << ".SH SYNOPSIS\n.nf\n" << roff(c.usage) << "\n.fi\n";
  out << ".SH DESCRIPTION\n" << roff(unwrapped(c.description)) << '\n';
  if (!c.positionals.empty()) {
    out << ".SH ARGUMENTS\n";
    man_options(out, c.positionals);
  }
  out << ".SH OPTIONS\n";
  man_options(out, c.options);
  if (!c.footer.empty()) out << ".SH EXAMPLES\n.nf\n" << roff(c.footer) << "\n.fi\n";
  out << ".SH SEE ALSO\n\\fBwasm\\-bpf\\fR(1)\n";
}

void man_main(const CLI::App& root, std::ostream& out) {
  man_header(out, "wasm-bpf");
  out << ".SH NAME\nwasm\\-bpf \\- run eBPF programs whose user space is WebAssembly, and move them through OCI registries\n";
  out << ".SH SYNOPSIS\n.nf\n" << roff(std::string(top_level_usage())) << "\n.fi\n";
  out << ".SH DESCRIPTION\n" << roff(unwrapped(root.get_description())) << '\n';
  out << ".SH COMMANDS\n";
  for (const auto& c : commands_of(root))
    out << ".TP\n\\fB" << roff(c.name) << "\\fR\n" << roff(c.summary) << "; see \\fBwasm\\-bpf\\-" << roff(c.name) << "\\fR(1).\n";
  out << ".SH OPTIONS\n.TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nPrint help and exit.\n"
         ".TP\n\\fB\\-V\\fR, \\fB\\-\\-version\\fR\nPrint the version and exit.\n";
  out << ".SH EXIT STATUS\n"
         "\\fBrun\\fR exits with the guest's status (0\\-255; 1 for any other), 124 after its timeout, 130 "
         "(143) when stopped by SIGINT (SIGTERM), 134 when it traps, 125 when it cannot start. Other commands "
         "exit with 0 on success, 1 on failure and 2 for a bad command line.\n";
  out << ".SH EXAMPLES\n.nf\n" << roff(root.get_footer()) << "\n.fi\n";
  out << ".SH SEE ALSO\n";
  std::string see;
  for (const auto& c : commands_of(root)) see += (see.empty() ? "" : ",\n") + ("\\fBwasm\\-bpf\\-" + roff(c.name) + "\\fR(1)");
  out << see << '\n';
}

}  // namespace

Handler setup_completion(CLI::App& sub) {
  auto shell = std::make_shared<std::string>();
  sub.description(
      "Print a completion script for bash, zsh or fish: commands, their options and the\n"
      "values of options that take one of a few words. Installed packages put them where each\n"
      "shell finds them; to use one in the current shell:");
  sub.add_option("SHELL", *shell, "bash, zsh or fish")->required()->type_name("")->check(CLI::IsMember({"bash", "zsh", "fish"}));
  sub.footer(
      "Examples:\n"
      "  source <(wasm-bpf completion bash)\n"
      "  wasm-bpf completion zsh > \"${fpath[1]}/_wasm-bpf\"\n"
      "  wasm-bpf completion fish > ~/.config/fish/completions/wasm-bpf.fish");
  return [shell](Context& ctx) {
    if (*shell == "bash") bash(*ctx.root, ctx.out);
    else if (*shell == "zsh") zsh(*ctx.root, ctx.out);
    else fish(*ctx.root, ctx.out);
    return kExitOk;
  };
}

Handler setup_man(CLI::App& sub) {
  struct Args {
    std::string command, dir;
  };
  auto args = std::make_shared<Args>();
  sub.description(
      "Print the manual page of wasm-bpf, or of one command, in man(7) format; with -o, write\n"
      "all of them (wasm-bpf.1, wasm-bpf-COMMAND.1) into a directory.");
  sub.add_option("COMMAND", args->command, "A command (default: the main page)")->type_name("");
  sub.add_option("-o,--output-dir", args->dir, "Write every page into DIR")->type_name("DIR");
  sub.footer("Examples:\n  wasm-bpf man run | man -l -\n  wasm-bpf man -o /usr/local/share/man/man1");
  return [args](Context& ctx) {
    const auto commands = commands_of(*ctx.root);
    if (!args->dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(args->dir, ec);
      auto write = [&](const std::string& name, auto&& fill) {
        const std::string path = args->dir + "/" + name;
        std::ofstream f(path + ".tmp");
        fill(f);
        f.close();
        if (!f || std::rename((path + ".tmp").c_str(), path.c_str()) != 0) {
          ctx.err << "wasm-bpf man: cannot write " << path << '\n';
          return false;
        }
        return true;
      };
      if (!write("wasm-bpf.1", [&](std::ostream& o) { man_main(*ctx.root, o); })) return kExitFailure;
      for (const auto& c : commands)
        if (!write("wasm-bpf-" + c.name + ".1", [&](std::ostream& o) { man_command(c, o); })) return kExitFailure;
      return kExitOk;
    }
    if (args->command.empty()) {
      man_main(*ctx.root, ctx.out);
      return kExitOk;
    }
    for (const auto& c : commands)
      if (c.name == args->command) {
        man_command(c, ctx.out);
        return kExitOk;
      }
    ctx.err << "wasm-bpf man: '" << args->command << "' is not a wasm-bpf command\n";
    return kExitUsage;
  };
}

}  // namespace wb::cli
