// tools/src/main.cc
#include "cli.h"

int main(int argc, char** argv) {
  return bubble::tools::Main(argc, argv);
}
