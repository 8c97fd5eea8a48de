// scenarios/test/trace_reader_mutation_test.cc: the trace reader's fuzz check where libFuzzer is
// not built (gcc, or clang without BUBBLE_FUZZ): a deterministic, bounded loop of mutations over
// the committed seed corpus (scenarios/fuzz/corpus), each input read as `bubble replay` reads
// it. A problem names the corpus file and the mutant's index, so it reproduces.
#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <bubble/sim/rng.h>

#include "trace_input.h"

namespace fuzz = bubble::scenarios::fuzz;
namespace sim = bubble::sim;

namespace {

// Tokens that reach the reader's type, range and nesting checks more often than random bytes.
constexpr std::array<std::string_view, 24> kTokens = {"[[[[[[[[[[[[[[[[[[[[",
                                                      "{\"a\":{\"a\":{\"a\":{\"a\":",
                                                      "null",
                                                      "true",
                                                      "-1",
                                                      "0",
                                                      "1.5",
                                                      "1e308",
                                                      "-1e308",
                                                      "18446744073709551615",
                                                      "18446744073709551616",
                                                      "9223372036854775807",
                                                      "-9223372036854775808",
                                                      "2147483648",
                                                      "\"\"",
                                                      "\"x\\ny\"",
                                                      "\"\\u001b[2J\"",
                                                      "\"\\ud800\"",
                                                      "\"\xff\xfe\"",
                                                      "[]",
                                                      "{}",
                                                      "\"clock\"",
                                                      "\"999999999999h\"",
                                                      "\"f1 t2 c3\""};

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Replaces the value after a random `":` (a field of the trace) with a token.
void ReplaceValue(std::string& s, sim::Rng& rng) {
  std::vector<std::size_t> fields;
  for (std::size_t at = s.find("\":"); at != std::string::npos; at = s.find("\":", at + 2)) {
    fields.push_back(at + 2);
  }
  if (fields.empty()) {
    return;
  }
  const std::size_t begin = fields[rng.Uniform(fields.size())];
  const std::size_t end = std::min(s.find_first_of(",}]", begin), s.size());
  s.replace(begin, end - begin, kTokens[rng.Uniform(kTokens.size())]);
}

void Mutate(std::string& s, const std::vector<std::string>& corpus, sim::Rng& rng) {
  const auto at = [&] { return static_cast<std::size_t>(rng.Uniform(s.size() + 1)); };
  switch (rng.Uniform(7)) {
    case 0:
      if (!s.empty()) {
        s[rng.Uniform(s.size())] = static_cast<char>(rng.Uniform(256));
      }
      break;
    case 1: {
      const std::size_t begin = at();
      s.erase(begin, rng.Uniform(64));
      break;
    }
    case 2:
      s.insert(at(), kTokens[rng.Uniform(kTokens.size())]);
      break;
    case 3:
      ReplaceValue(s, rng);
      break;
    case 4: {
      const std::size_t begin = at();
      s.insert(at(), s.substr(begin, rng.Uniform(128)));
      break;
    }
    case 5:
      s.resize(at());
      break;
    default: {  // splice: a piece of another corpus file
      const std::string& other = corpus[rng.Uniform(corpus.size())];
      const std::size_t begin = static_cast<std::size_t>(rng.Uniform(other.size() + 1));
      s.insert(at(), other.substr(begin, rng.Uniform(256)));
      break;
    }
  }
}

}  // namespace

TEST_CASE("the trace reader survives seeded mutations of its fuzz corpus",
          "[scenarios][trace][fuzz]") {
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(BUBBLE_SOURCE_DIR) / fuzz::kTraceCorpusDir)) {
    paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  REQUIRE(paths.size() >= 8);
  std::vector<std::string> corpus;
  for (const auto& path : paths) {
    corpus.push_back(ReadAll(path));
  }
  constexpr int kMutants = 300;  // per corpus file: seconds under ASan
  for (std::size_t f = 0; f < corpus.size(); ++f) {
    INFO("corpus file " << paths[f].filename().string());
    CHECK(fuzz::TraceInputProblem(corpus[f]) == std::nullopt);
    sim::Rng rng(f + 1);
    for (int i = 0; i < kMutants; ++i) {
      std::string mutant = corpus[f];
      const std::uint64_t rounds = 1 + rng.Uniform(4);
      for (std::uint64_t r = 0; r < rounds; ++r) {
        Mutate(mutant, corpus, rng);
      }
      const auto problem = fuzz::TraceInputProblem(mutant);
      if (problem) {
        FAIL("mutant " << i << ": " << *problem);
      }
    }
  }
}
