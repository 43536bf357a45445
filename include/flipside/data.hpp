// Datasets for few-shot classification: loaders and task descriptions
// (include/flipside/data/).
#pragma once
