// The planner's per-request work of an LLM endpoint (its screening and MPS shares): the lower
// bound of models::llm_request_lower_bound at the mean token counts. Private to the planner.
#pragma once

#include "sharesim/models/gpu_profile.h"
#include "sharesim/planner/planner.h"
#include "sharesim/scenarios/llm_spec.h"

namespace sharesim::planner::detail {

// sm_cap <= 0: the whole GPU. The compute part slows by sm_count / cap under an SM cap; the
// memory part does not (docs/model.md: a memory-bound kernel's rate is set by bandwidth).
RequestWork llm_request_work(const scenarios::LlmEndpointSpec& llm, const models::GpuProfile& profile,
                             int sm_cap);

}  // namespace sharesim::planner::detail
