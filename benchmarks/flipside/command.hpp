// The `flipside` program is a set of subcommands, one per source file. Each file defines a
// registrar:
//
//   static flipside::cli::command_registrar reg{"info", "Describe a model file", setup_info};
//
// where setup_info(CLI::App& sub) declares the options and sets sub.callback(...). main.cpp
// creates every registered subcommand, so adding a command never touches another file.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace flipside::cli {

struct command {
  std::string name;
  std::string description;
  std::function<void(CLI::App&)> setup;
};

inline std::vector<command>& registered_commands() {
  static std::vector<command> commands;
  return commands;
}

struct command_registrar {
  command_registrar(std::string name, std::string description,
                    std::function<void(CLI::App&)> setup) {
    registered_commands().push_back({std::move(name), std::move(description), std::move(setup)});
  }
};

}  // namespace flipside::cli
