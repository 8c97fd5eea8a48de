// scenarios/src/catalogue.cc
//
// The explicit list of scenarios (the registry sorts it by name).
#include "catalogue.h"

#include <vector>

namespace bubble::scenarios::detail {

std::vector<Scenario> Catalogue() {
  std::vector<Scenario> all;
  all.push_back(ConflictingWritersScenario());
  all.push_back(GoneAndBookmarksScenario());
  all.push_back(ListAndWatchScenario());
  all.push_back(MissedDeleteTombstoneScenario());
  all.push_back(RelistSwallowedUpdateScenario());
  all.push_back(RelistWithQueuedEventsScenario());
  all.push_back(CustomResourceControllerScenario());
  all.push_back(WorkqueueControllerScenario());
  all.push_back(LeaderElectionScenario());
  all.push_back(TornCacheReadScenario());
  all.push_back(ReplicaExpectationsScenario());
  all.push_back(CrashMidReconcileScenario());
  all.push_back(MissedWhileDownScenario());
  all.push_back(FinalizerRaceScenario());
  all.push_back(OrphanAdoptionScenario());
  all.push_back(RecreatedSameNameScenario());
  all.push_back(TimeTravelScenario());
  all.push_back(StatusPingPongScenario());
  all.push_back(ResyncStormScenario());
  return all;
}

}  // namespace bubble::scenarios::detail
