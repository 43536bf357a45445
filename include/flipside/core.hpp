// Errors and small vocabulary types shared by every layer (include/flipside/core/).
#pragma once
#include <flipside/core/dtype.hpp>
#include <flipside/core/error.hpp>
#include <flipside/core/splitmix64.hpp>
#include <flipside/core/tensor_view.hpp>
