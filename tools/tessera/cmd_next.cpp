#include <nlohmann/json.hpp>

#include <cstdio>

#include "commands.h"
#include "tessera/infer/next_tokens.h"

namespace tessera::cli {

void add_next_command(CLI::App& app) {
  auto request = std::make_shared<infer::NextRequest>();
  auto json = std::make_shared<bool>(false);
  auto* command = app.add_subcommand("next", "The most likely next tokens after a prompt, with probabilities");
  command->footer(
      "Text output: rank, probability, token id and the token, with whitespace made visible (\\n, \\t, ␠ for a\n"
      "space) and a byte that is only part of a character as <0xEC>. --json: an array of\n"
      "{\"token\", \"id\", \"probability\"}, most likely first, the token text unescaped.\n"
      "Examples:\n"
      "  tessera next models/lm --prompt 'The quick brown '\n"
      "  tessera next models/lm --prompt 'Once upon a' --top-k 5 --json");
  command->add_option("run_dir", request->run_dir, "Run directory of a language model (model.name gpt)")->required();
  command->add_option("--prompt", request->prompt, "Text before the token to predict (\"\" = a new document)")->required();
  command->add_option("--top-k", request->top_k, "How many tokens to list")->capture_default_str();
  command->add_option("--device", request->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  command->add_flag("--json", *json, "Print JSON instead of a table");
  command->callback([=] {
    const auto candidates = infer::next_tokens(*request);
    if (*json) {
      nlohmann::ordered_json out = nlohmann::ordered_json::array();  // keys in the documented order
      for (const auto& c : candidates) out.push_back({{"token", c.text}, {"id", c.id}, {"probability", c.probability}});
      std::printf("%s\n", out.dump(2).c_str());
      return;
    }
    std::printf("rank  probability     id  token\n");
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      std::printf("%4zu  %11.4f  %5d  %s\n", i + 1, candidates[i].probability, candidates[i].id,
                  infer::visible_token(candidates[i].text).c_str());
    }
  });
}

}  // namespace tessera::cli
