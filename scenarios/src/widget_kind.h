// scenarios/src/widget_kind.h
//
// Widget (example.com/v1, resource widgets): the custom resource of client-go's crd example,
// served by the fake as an unstructured kind. Used by the scenarios built on it
// (custom-resource-controller, status-ping-pong).
#pragma once

#include <bubble/runtime/group_version.h>

namespace bubble::scenarios::detail {

inline const runtime::GroupVersionKind& WidgetKind() {
  static const runtime::GroupVersionKind kind{"example.com", "v1", "Widget"};
  return kind;
}

inline const runtime::GroupVersionResource& WidgetResource() {
  static const runtime::GroupVersionResource resource{"example.com", "v1", "widgets"};
  return resource;
}

}  // namespace bubble::scenarios::detail
