// fake/include/bubble/fake/clientset_capture.h
//
// ClientsetCapture: the API state of a whole run without touching the scenario — every
// fake::Clientset created on this thread while a capture is active, as a snapshot
// (Clientset::Snapshot). This is how `bubble run --serve` finds what to serve: a scenario needs
// no registration, and nothing in it changes (no reference is held, so every clientset dies when
// it would have; no trace record, no draw: the fingerprint is the run's).
//
//   fake::ClientsetCapture capture;                 // before the run
//   ... run the scenario; at the instant of interest (sim::Options::observe_instant):
//   std::vector<std::shared_ptr<fake::Clientset>> servers = capture.Take();
//
// Take() returns, in creation order, a snapshot of each clientset created since the capture
// began: of one still alive, its state now; of one already destroyed, its state when its last
// reference went (nothing could write to it after that). Clientsets a snapshot makes are not
// captured. After Take() the capture keeps nothing more.
//
// Threading: one capture per thread at a time (a second is a bubble::UsageError); the clientsets
// must be created and destroyed on the capturing thread (a bubble's fibers are).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace bubble::fake {

class Clientset;

class ClientsetCapture {
 public:
  ClientsetCapture();
  ClientsetCapture(const ClientsetCapture&) = delete;
  ClientsetCapture& operator=(const ClientsetCapture&) = delete;
  ~ClientsetCapture();

  std::vector<std::shared_ptr<Clientset>> Take();

  // Called by Clientset's constructor and destructor.
  static void Created(const Clientset& clientset);
  static void Destroyed(const Clientset& clientset);

 private:
  struct Entry {
    const Clientset* alive = nullptr;          // while it lives
    std::shared_ptr<Clientset> final_state{};  // once it died
  };

  // Keyed by creation number: the order is the run's, never an address's.
  std::map<std::uint64_t, Entry> entries_;
  std::map<const Clientset*, std::uint64_t> numbers_;  // lookup only, never iterated
  std::uint64_t next_ = 0;
  bool taking_ = false;  // snapshots being made are not captured
  bool taken_ = false;
};

}  // namespace bubble::fake
