#pragma once

#define FLIPSIDE_VERSION_MAJOR 0
#define FLIPSIDE_VERSION_MINOR 1
#define FLIPSIDE_VERSION_PATCH 0

namespace flipside {
// Recorded in benchmark outputs so results carry the code version that produced them.
inline constexpr const char* version_string = "0.1.0";
}  // namespace flipside
