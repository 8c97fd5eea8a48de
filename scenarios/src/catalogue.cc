// scenarios/src/catalogue.cc
//
// The explicit list of scenarios (the registry sorts it by name).
#include "catalogue.h"

#include <vector>

namespace bubble::scenarios::detail {

std::vector<Scenario> Catalogue() {
  std::vector<Scenario> all;
  all.push_back(ConflictingWritersScenario());
  all.push_back(ListAndWatchScenario());
  return all;
}

}  // namespace bubble::scenarios::detail
