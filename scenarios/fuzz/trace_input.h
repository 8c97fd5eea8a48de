// scenarios/fuzz/trace_input.h
//
// The trace reader under hostile input: what `bubble replay` does with a file's bytes before
// it runs anything (the bounded read, the parse, the scenario, options and bugs checked) and
// what it prints from a trace it accepted (the recorded command, the records of a divergence).
// One check shared by the libFuzzer target (trace_fuzz.cc, clang builds with BUBBLE_FUZZ) and
// the seeded mutation test every build runs (scenarios/test/trace_reader_mutation_test.cc).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bubble::scenarios::fuzz {

// Where the committed seed corpus lives in the source tree.
inline constexpr std::string_view kTraceCorpusDir = "scenarios/fuzz/corpus";

// Reads `bytes` as `bubble replay` reads a trace file. Nullopt when they were read, or refused
// with the errors replay turns into exit 2 and a one-line message; otherwise what went wrong
// (another exception, which would abort replay, or a message of several lines). Crashes,
// undefined behaviour, hangs and memory blow-ups are for the sanitizers and the fuzzer to see.
std::optional<std::string> TraceInputProblem(std::string_view bytes);

}  // namespace bubble::scenarios::fuzz
