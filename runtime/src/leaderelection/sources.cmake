# The leaderelection part of bubble_runtime, included by runtime/CMakeLists.txt.
list(APPEND BUBBLE_RUNTIME_LEADERELECTION_SOURCES
  src/leaderelection/healthz.cc
  src/leaderelection/leader_elector.cc
  src/leaderelection/lease_lock.cc
  src/leaderelection/new_leader_elector.cc
  src/leaderelection/record.cc
  src/leaderelection/try_acquire_or_renew.cc)
