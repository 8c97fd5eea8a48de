// runtime/src/cache/event_handler.cc
#include "bubble/runtime/cache/event_handler.h"

#include <utility>

namespace bubble::runtime::cache {

namespace {

class FuncsHandler final : public ResourceEventHandler {
 public:
  explicit FuncsHandler(ResourceEventHandlerFuncs funcs) : funcs_(std::move(funcs)) {}

  void OnAdd(const ObjectPtr& obj, bool is_in_initial_list) override {
    if (funcs_.add) {
      funcs_.add(obj, is_in_initial_list);
    }
  }

  void OnUpdate(const ObjectPtr& old_obj, const ObjectPtr& new_obj) override {
    if (funcs_.update) {
      funcs_.update(old_obj, new_obj);
    }
  }

  void OnDelete(const DeltaObject& obj) override {
    if (funcs_.del) {
      funcs_.del(obj);
    }
  }

 private:
  ResourceEventHandlerFuncs funcs_;
};

}  // namespace

ResourceEventHandlerPtr MakeHandler(ResourceEventHandlerFuncs funcs) {
  return std::make_shared<FuncsHandler>(std::move(funcs));
}

void FilteringResourceEventHandler::OnAdd(const ObjectPtr& obj, bool is_in_initial_list) {
  if (filter_(obj)) {
    handler_->OnAdd(obj, is_in_initial_list);
  }
}

void FilteringResourceEventHandler::OnUpdate(const ObjectPtr& old_obj, const ObjectPtr& new_obj) {
  const bool was = filter_(old_obj);
  const bool is = filter_(new_obj);
  if (was && is) {
    handler_->OnUpdate(old_obj, new_obj);
  } else if (!was && is) {
    handler_->OnAdd(new_obj, false);
  } else if (was && !is) {
    handler_->OnDelete(old_obj);
  }
}

void FilteringResourceEventHandler::OnDelete(const DeltaObject& obj) {
  if (filter_(ObjectOf(obj))) {
    handler_->OnDelete(obj);
  }
}

}  // namespace bubble::runtime::cache
