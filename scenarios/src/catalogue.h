// scenarios/src/catalogue.h
//
// The scenario list: one function per scenario file. Add yours here and in catalogue.cc.
#pragma once

#include <bubble/scenarios/registry.h>

namespace bubble::scenarios {

// S03 (list_and_watch.cc).
Scenario ListAndWatchScenario();

// S09 (conflicting_writers.cc).
Scenario ConflictingWritersScenario();

}  // namespace bubble::scenarios
