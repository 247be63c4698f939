#include "tests/ops/op_cases.h"

namespace facefuse::rt::testing {

std::vector<OpCase> ShapeCases() { return {}; }

}  // namespace facefuse::rt::testing
