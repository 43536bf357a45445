// Label-logit scoring over the label tokens only, and calibration
// (include/flipside/scoring/).
#pragma once
