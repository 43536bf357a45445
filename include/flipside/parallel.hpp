// Fork-join threading with results independent of the thread count (include/flipside/parallel/).
#pragma once
#include <flipside/parallel/thread_pool.hpp>
