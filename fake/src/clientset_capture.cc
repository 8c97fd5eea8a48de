// fake/src/clientset_capture.cc
#include "bubble/fake/clientset_capture.h"

#include <bubble/fake/clientset.h>
#include <bubble/sim/error.h>

namespace bubble::fake {
namespace {

thread_local ClientsetCapture* tls_capture = nullptr;

}  // namespace

ClientsetCapture::ClientsetCapture() {
  if (tls_capture != nullptr) {
    throw UsageError("fake::ClientsetCapture: another capture is active on this thread");
  }
  tls_capture = this;
}

ClientsetCapture::~ClientsetCapture() {
  tls_capture = nullptr;
}

void ClientsetCapture::Created(const Clientset& clientset) {
  ClientsetCapture* c = tls_capture;
  if (c == nullptr || c->taking_ || c->taken_) {
    return;
  }
  const std::uint64_t n = c->next_++;
  c->entries_[n].alive = &clientset;
  c->numbers_[&clientset] = n;
}

void ClientsetCapture::Destroyed(const Clientset& clientset) {
  ClientsetCapture* c = tls_capture;
  if (c == nullptr || c->taken_) {
    return;
  }
  const auto it = c->numbers_.find(&clientset);
  if (it == c->numbers_.end()) {
    return;
  }
  Entry& e = c->entries_[it->second];
  c->numbers_.erase(it);
  c->taking_ = true;
  e.final_state = clientset.Snapshot();
  c->taking_ = false;
  e.alive = nullptr;
}

std::vector<std::shared_ptr<Clientset>> ClientsetCapture::Take() {
  std::vector<std::shared_ptr<Clientset>> out;
  taking_ = true;
  for (auto& [n, e] : entries_) {
    out.push_back(e.alive != nullptr ? e.alive->Snapshot() : std::move(e.final_state));
  }
  taking_ = false;
  taken_ = true;
  entries_.clear();
  numbers_.clear();
  return out;
}

}  // namespace bubble::fake
