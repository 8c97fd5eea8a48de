// runtime/include/bubble/runtime/pager.h
//
// File: client-go's pager.ListPager.List with FullListIfExpired: a list read in pages of
// `page_size` items (0: one call), following the server's continue token, as one list. A
// continuation that expired (410) falls back to one full list at the requested resourceVersion.
// The reflector lists this way; so can a controller that lists a large collection.
//
//   bool paginated = false;
//   auto all = runtime::ListAllPages(
//       [&](const sim::Context& c, const ListOptions& o) { return pods->List(c, o); }, ctx, {},
//       500, paginated);
//
// Threading: call from a fiber.
#pragma once

#include <cstdint>
#include <functional>

#include <bubble/runtime/object.h>
#include <bubble/runtime/options.h>
#include <bubble/runtime/status.h>
#include <bubble/sim/context.h>

namespace bubble::runtime {

using ListFunc = std::function<Result<ObjectList>(const sim::Context&, const ListOptions&)>;

// `options.limit`, when set, is the page size instead of `page_size`. A continued page names no
// resourceVersion (kubernetes#85221). `paginated` tells whether more than one page came back. A
// ctx that ends between pages ends the list with the context's error.
Result<ObjectList> ListAllPages(const ListFunc& list, const sim::Context& ctx, ListOptions options,
                                std::int64_t page_size, bool& paginated);

}  // namespace bubble::runtime
