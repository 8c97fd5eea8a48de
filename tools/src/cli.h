// tools/src/cli.h
//
// The `bubble` command line (docs/cli.md): list, run, sweep, replay. Exit codes: 0 success,
// 1 a failed run / sweep / replay, 2 a usage error ("bubble: error: ..." on stderr, nothing
// written).
#pragma once

namespace bubble::tools {

int Main(int argc, char** argv);

}  // namespace bubble::tools
