// scenarios/src/catalogue.h
//
// The scenario list: one function per scenario file. Add yours here and in catalogue.cc.
#pragma once

#include <bubble/scenarios/registry.h>

namespace bubble::scenarios {

// S01, client-go's examples/crd (custom_resource_controller.cc).
Scenario CustomResourceControllerScenario();

// S02 (replica_expectations.cc).
Scenario ReplicaExpectationsScenario();

// S03 (list_and_watch.cc).
Scenario ListAndWatchScenario();

// S04 (relist_with_queued_events.cc).
Scenario RelistWithQueuedEventsScenario();

// S05 (missed_delete_tombstone.cc).
Scenario MissedDeleteTombstoneScenario();

// S06 (relist_swallowed_update.cc).
Scenario RelistSwallowedUpdateScenario();

// S07 (gone_and_bookmarks.cc).
Scenario GoneAndBookmarksScenario();

// S09 (conflicting_writers.cc).
Scenario ConflictingWritersScenario();

// S10 (workqueue_controller.cc).
Scenario WorkqueueControllerScenario();

// S12, client-go's examples/leader-election (leader_election.cc).
Scenario LeaderElectionScenario();

// torn_cache_read.cc: two reads of the informer's cache with an update in between.
Scenario TornCacheReadScenario();

// S18 (crash_mid_reconcile.cc).
Scenario CrashMidReconcileScenario();

// S16 (missed_while_down.cc).
Scenario MissedWhileDownScenario();
// S13 (finalizer_race.cc).
Scenario FinalizerRaceScenario();

// S14 (orphan_adoption.cc).
Scenario OrphanAdoptionScenario();

// S15 (recreated_same_name.cc).
Scenario RecreatedSameNameScenario();
// S08 (time_travel.cc).
Scenario TimeTravelScenario();
// S17 (status_ping_pong.cc).
Scenario StatusPingPongScenario();

// S11 (resync_storm.cc).
Scenario ResyncStormScenario();

}  // namespace bubble::scenarios
