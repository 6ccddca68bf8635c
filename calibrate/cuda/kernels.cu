// The calibration kernels and their launchers (kernels.cuh).
#include "check.cuh"
#include "kernels.cuh"

namespace sharesim::calibrate::cuda {

namespace {

__device__ __forceinline__ uint64_t global_timer_ns() {
  uint64_t t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

// Records, per launch k, the earliest block start in stamps[2k] (initialised to UINT64_MAX) and
// the latest block end in stamps[2k+1] (initialised to 0). Called by thread 0 of each block.
__device__ __forceinline__ void stamp_block_start(unsigned long long* stamps, int launch, uint64_t t) {
  if (stamps != nullptr) atomicMin(&stamps[2 * launch], static_cast<unsigned long long>(t));
}
__device__ __forceinline__ void stamp_block_end(unsigned long long* stamps, int launch, uint64_t t) {
  if (stamps != nullptr) atomicMax(&stamps[2 * launch + 1], static_cast<unsigned long long>(t));
}

// Does nothing: measures launch overhead.
__global__ void empty_kernel() {}

// One thread records its start and end: back-to-back gaps between kernels of one stream.
__global__ void stamp_kernel(unsigned long long* stamps, int launch) {
  uint64_t start = global_timer_ns();
  uint64_t end = global_timer_ns();
  stamps[2 * launch] = start;
  stamps[2 * launch + 1] = end;
}

// Compute-bound: kFmasPerIteration independent FMA chains per thread. `sink` is written only when
// the result equals an impossible value, so the compiler keeps the loop but memory stays idle.
__global__ void __launch_bounds__(kThreadsPerBlock)
    compute_kernel(int iterations, float* sink, unsigned long long* stamps, int launch) {
  if (threadIdx.x == 0) stamp_block_start(stamps, launch, global_timer_ns());
  static_assert(kFmasPerIteration == 8, "the unrolled body below has 8 chains");
  float a0 = static_cast<float>(threadIdx.x) * 1e-7f, a1 = a0 + 1.0f, a2 = a0 + 2.0f, a3 = a0 + 3.0f;
  float a4 = a0 + 4.0f, a5 = a0 + 5.0f, a6 = a0 + 6.0f, a7 = a0 + 7.0f;
  const float m = 0.999999f;
  const float c = 1e-7f;
  for (int i = 0; i < iterations; ++i) {
    a0 = fmaf(a0, m, c);
    a1 = fmaf(a1, m, c);
    a2 = fmaf(a2, m, c);
    a3 = fmaf(a3, m, c);
    a4 = fmaf(a4, m, c);
    a5 = fmaf(a5, m, c);
    a6 = fmaf(a6, m, c);
    a7 = fmaf(a7, m, c);
  }
  float sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
  if (sum == -12345.0f) sink[blockIdx.x] = sum;
  __syncthreads();
  if (threadIdx.x == 0) stamp_block_end(stamps, launch, global_timer_ns());
}

// DRAM-bound: each block copies vectors_per_block float4 values (16 B read + 16 B written each).
//
// Why it saturates DRAM: by Little's law a GPU keeps its bandwidth B busy only with B x L bytes
// of reads in flight, L being the DRAM latency under load. For an H100/H200 (about 3.35 to
// 4.8 TB/s, L about 600 to 800 ns) that is 2 to 4 MB, or 16 to 29 KiB per SM over 132 SMs; for a
// T4 (320 GB/s, L about 600 ns) about 190 KB, or 5 KiB per SM. A loop that loads one float4 and
// stores it before the next load keeps only 16 B per thread in flight: 16 KiB per 1024-thread
// block, short of an H200's need. So each thread issues kUnroll = 4 independent 16 B loads
// before its stores (64 KiB in flight per block, and __restrict__ tells the compiler that the
// stores cannot alias the loads, so it need not wait), which covers every GPU above with a
// margin; the sm-scaling suite's grids of 4 to 16 waves keep every SM busy (and on GPUs where two
// 1024-thread blocks fit an SM, twice that). The fit compares what it reaches with the nominal
// bandwidth (device.dram_peak_gbps in the CSV header) and says so in its note.
constexpr int kUnroll = 4;
__global__ void __launch_bounds__(kThreadsPerBlock)
    memory_kernel(const float4* __restrict__ src, float4* __restrict__ dst, int64_t vectors_per_block,
                  unsigned long long* stamps, int launch) {
  if (threadIdx.x == 0) stamp_block_start(stamps, launch, global_timer_ns());
  const int64_t base = static_cast<int64_t>(blockIdx.x) * vectors_per_block;
  const int64_t stride = blockDim.x;
  int64_t i = threadIdx.x;
  for (; i + (kUnroll - 1) * stride < vectors_per_block; i += kUnroll * stride) {
    float4 v[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) v[u] = src[base + i + u * stride];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) dst[base + i + u * stride] = v[u];
  }
  for (; i < vectors_per_block; i += stride) dst[base + i] = src[base + i];
  __syncthreads();
  if (threadIdx.x == 0) stamp_block_end(stamps, launch, global_timer_ns());
}

// Latency-bound (plan.h: kLatencyThreadsPerBlock threads per block, one block per SM): each
// thread runs one chain of dependent FMAs, so the SM waits kFmaLatencyCycles per instruction.
__global__ void __launch_bounds__(kLatencyThreadsPerBlock)
    latency_kernel(int iterations, float* sink, unsigned long long* stamps, int launch) {
  if (threadIdx.x == 0) stamp_block_start(stamps, launch, global_timer_ns());
  float a = static_cast<float>(threadIdx.x) * 1e-7f;
  for (int i = 0; i < iterations; ++i) a = fmaf(a, 0.999999f, 1e-7f);
  if (a == -12345.0f) sink[blockIdx.x] = a;
  if (threadIdx.x == 0) stamp_block_end(stamps, launch, global_timer_ns());
}

// Issue-bound without instruction-level parallelism (plan.h: the issue kernel): each thread runs one
// chain in which every instruction depends on the one before, alternating an FP32 FMA (FP32 pipe)
// and an integer XOR with `mask` (the integer pipe; 0 at run time, which the compiler cannot know),
// so each warp issues one instruction per dependent-issue latency and an SM's issue saturates at
// schedulers x latency resident warps, before either pipe does.
__global__ void __launch_bounds__(kThreadsPerBlock)
    issue_kernel(int iterations, unsigned mask, float* sink, unsigned long long* stamps, int launch) {
  if (threadIdx.x == 0) stamp_block_start(stamps, launch, global_timer_ns());
  static_assert(kIssueInstructionsPerIteration == 2, "the loop body below has 2 dependent instructions");
  float a = static_cast<float>(threadIdx.x) * 1e-7f;
  for (int i = 0; i < iterations; ++i) {
    a = fmaf(a, 0.999999f, 1e-7f);
    a = __uint_as_float(__float_as_uint(a) ^ mask);
  }
  if (a == -12345.0f) sink[blockIdx.x] = a;
  __syncthreads();
  if (threadIdx.x == 0) stamp_block_end(stamps, launch, global_timer_ns());
}

// One thread spins until %globaltimer has advanced spin_ns: a kernel of known length whatever
// the clock; records its start and end like stamp_kernel.
__global__ void spin_kernel(uint64_t spin_ns, unsigned long long* stamps, int launch) {
  const uint64_t start = global_timer_ns();
  uint64_t now = start;
  while (now - start < spin_ns) now = global_timer_ns();
  stamps[2 * launch] = start;
  stamps[2 * launch + 1] = now;
}

// One thread watches the global timer for window_ns and records each jump longer than
// threshold_ns as a gap [before, after]: while its context did not own the GPU, it could not run.
// window[0] = first reading, window[1] = last reading, *gap_count = gaps seen (may exceed max_gaps;
// only the first max_gaps are stored).
__global__ void sampler_kernel(uint64_t window_ns, uint64_t threshold_ns, unsigned long long* gaps,
                               int max_gaps, int* gap_count, unsigned long long* window) {
  if (threadIdx.x != 0 || blockIdx.x != 0) return;
  const uint64_t start = global_timer_ns();
  uint64_t previous = start;
  int count = 0;
  for (;;) {
    const uint64_t now = global_timer_ns();
    if (now - previous > threshold_ns) {
      if (count < max_gaps) {
        gaps[2 * count] = previous;
        gaps[2 * count + 1] = now;
      }
      ++count;
    }
    previous = now;
    if (now - start >= window_ns) break;
  }
  window[0] = start;
  window[1] = previous;
  *gap_count = count;
}

}  // namespace

void launch_empty(cudaStream_t stream) {
  empty_kernel<<<1, 1, 0, stream>>>();
}

void launch_stamp(unsigned long long* stamps, int launch, cudaStream_t stream) {
  stamp_kernel<<<1, 1, 0, stream>>>(stamps, launch);
}

void launch_compute(const ComputeKernelShape& shape, float* sink, unsigned long long* stamps, int launch,
                    cudaStream_t stream) {
  compute_kernel<<<shape.blocks, kThreadsPerBlock, 0, stream>>>(shape.iterations, sink, stamps, launch);
  CUDA_CHECK_LAUNCH();
}

void launch_memory(const MemoryKernelShape& shape, const void* src, void* dst, unsigned long long* stamps,
                   int launch, cudaStream_t stream) {
  const int64_t vectors = shape.bytes_per_block / 32;  // 16 B read + 16 B written per vector
  memory_kernel<<<shape.blocks, kThreadsPerBlock, 0, stream>>>(
      static_cast<const float4*>(src), static_cast<float4*>(dst), vectors, stamps, launch);
  CUDA_CHECK_LAUNCH();
}

void launch_issue(const ComputeKernelShape& shape, int warps, float* sink, unsigned long long* stamps,
                  int launch, cudaStream_t stream) {
  issue_kernel<<<shape.blocks, 32 * warps, 0, stream>>>(shape.iterations, 0u, sink, stamps, launch);
  CUDA_CHECK_LAUNCH();
}

void launch_latency(const ComputeKernelShape& shape, float* sink, unsigned long long* stamps, int launch,
                    cudaStream_t stream) {
  latency_kernel<<<shape.blocks, kLatencyThreadsPerBlock, 0, stream>>>(shape.iterations, sink, stamps,
                                                                       launch);
  CUDA_CHECK_LAUNCH();
}

void launch_spin(uint64_t spin_ns, unsigned long long* stamps, int launch, cudaStream_t stream) {
  spin_kernel<<<1, 1, 0, stream>>>(spin_ns, stamps, launch);
}

void launch_sampler(uint64_t window_ns, uint64_t threshold_ns, unsigned long long* gaps, int max_gaps,
                    int* gap_count, unsigned long long* window, cudaStream_t stream) {
  sampler_kernel<<<1, 1, 0, stream>>>(window_ns, threshold_ns, gaps, max_gaps, gap_count, window);
}

}  // namespace sharesim::calibrate::cuda
