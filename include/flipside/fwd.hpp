// Forward declarations of flipside's main types, for headers that only pass them around.
#pragma once

namespace flipside {
class error;
class format_error;
class unsupported_error;
class argument_error;
class thread_pool;
}  // namespace flipside
