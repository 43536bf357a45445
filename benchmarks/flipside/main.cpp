// flipside — in-context-learning override experiments on the CPU. See README.md.
#include <algorithm>
#include <cstdio>
#include <exception>

#include <flipside/core/error.hpp>
#include <flipside/version.hpp>

#include "command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"flipside: can a prompt override what a language model learned in pre-training?"};
  app.set_version_flag("--version", flipside::version_string);
  app.require_subcommand(1);
  auto commands = flipside::cli::registered_commands();
  std::sort(commands.begin(), commands.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& c : commands) c.setup(*app.add_subcommand(c.name, c.description));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flipside: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
