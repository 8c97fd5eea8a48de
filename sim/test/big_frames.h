// sim/test/big_frames.h: functions whose frames jump a one-page stack guard (big_frames.cc).
#pragma once

namespace bubble::sim::test {

[[gnu::noinline]] int TouchBigLocal();
[[gnu::noinline]] int RecurseWith16KiBFrames(int depth);

}  // namespace bubble::sim::test
