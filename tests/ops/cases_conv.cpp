#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {

std::vector<OpCase> ConvCases() { return {}; }

}  // namespace facefuse::rt::testing
