// Errors and small vocabulary types shared by every layer (include/flipside/core/).
#pragma once
#include <flipside/core/error.hpp>
