#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {

std::vector<OpCase> ReduceCases() { return {}; }

}  // namespace facefuse::rt::testing
