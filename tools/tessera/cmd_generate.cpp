#include <unistd.h>

#include <cstdio>

#include "commands.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/infer/generated_text.h"
#include "tessera/infer/generator.h"

namespace tessera::cli {

void add_generate_command(CLI::App& app) {
  auto request = std::make_shared<infer::GenerateRequest>();
  auto prompt_file = std::make_shared<std::string>();
  auto stops = std::make_shared<std::vector<std::string>>();
  auto no_cache = std::make_shared<bool>(false);
  auto& sampling = request->options.sampling;
  auto* command = app.add_subcommand("generate", "Continue a prompt with a trained language model, streamed to stdout");
  command->footer(
      "Prints the prompt, then the continuation as it is generated (whole UTF-8 characters only); a summary\n"
      "line (tokens, tokens/s) goes to stderr. The same seed gives the same text on the same machine.\n"
      "A prompt longer than the model's window keeps its last model.context tokens (with a warning).\n"
      "Generation stops after --max-tokens, at the end-of-text token, or at a --stop string (not printed).\n"
      "Examples:\n"
      "  tessera generate models/lm --prompt 'Once upon a time' --max-tokens 300\n"
      "  tessera generate models/lm --prompt 'Q: why?' --temperature 0 --stop '\\n\\n'\n"
      "  tessera generate models/lm --prompt-file start.txt --top-k 0 --top-p 0.9 --seed 7");
  command->add_option("run_dir", request->run_dir, "Run directory of a language model (model.name gpt)")->required();
  auto* prompt = command->add_option("--prompt", request->prompt, "Text to continue (\"\" starts a new document)");
  auto* file = command->add_option("--prompt-file", *prompt_file, "Read the prompt from this file instead");
  prompt->excludes(file);
  command->add_option("--max-tokens", request->options.max_tokens, "Tokens to generate at most")->capture_default_str();
  command->add_option("--temperature", sampling.temperature, "Softmax temperature; 0 = greedy")->capture_default_str();
  command->add_option("--top-k", sampling.top_k, "Sample among the K most likely tokens; 0 = off")->capture_default_str();
  command->add_option("--top-p", sampling.top_p, "Sample among the most likely tokens reaching mass P; 1 = off")
      ->capture_default_str();
  command->add_option("--seed", sampling.seed, "Random seed of the sampler")->capture_default_str();
  command->add_option("--stop", *stops, "Stop before this string (repeatable; \\n, \\t, \\r, \\\\ are escapes)")
      ->allow_extra_args(false);
  command->add_option("--device", request->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  command->add_flag("--no-cache", *no_cache, "Run the whole window every step instead of the KV cache (slower; a check)");
  command->callback([=] {
    if (prompt->count() == 0 && file->count() == 0) throw UserError("generate: --prompt or --prompt-file is required");
    if (file->count() > 0) request->prompt = read_file(*prompt_file);
    request->options.use_kv_cache = !*no_cache;
    request->options.stop.clear();
    for (const auto& stop : *stops) request->options.stop.push_back(infer::unescape_stop_string(stop));

    bool started = false;  // the prompt is printed once the run has loaded, so errors come alone
    bool ends_with_newline = request->prompt.empty() || request->prompt.back() == '\n';
    const auto print = [&](std::string_view text) {
      if (!started) {
        started = true;
        std::fwrite(request->prompt.data(), 1, request->prompt.size(), stdout);
      }
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
      if (!text.empty()) ends_with_newline = text.back() == '\n';
    };
    const infer::GenerateSummary summary = infer::generate(*request, print);
    print({});
    if (!ends_with_newline && ::isatty(STDOUT_FILENO)) std::fputc('\n', stdout);  // keep the shell prompt apart
    std::fflush(stdout);
    std::fprintf(stderr, "generated %zu tokens in %.2f s: %.1f tokens/s (%s), stopped at %s\n", summary.tokens.size(),
                 summary.seconds, summary.tokens_per_second(), request->options.use_kv_cache ? "KV cache" : "no cache",
                 infer::to_string(summary.stop_reason));
  });
}

}  // namespace tessera::cli
