/*
 * The Intel MKL inside libtorch asks this function whether the CPU is Intel's, and on any other
 * CPU falls back to generic kernels that ignore AVX2 and AVX-512. Preloaded, this answer makes MKL
 * pick its kernels by the CPU's actual instruction sets instead: on this project's AMD EPYC
 * machines float32 matrix products run about twice as fast (see bench/NOTES.md). ./jgpt builds and
 * preloads it on AMD CPUs only; JGPT_MKL_SHIM=0 turns it off.
 */
int mkl_serv_intel_cpu_true(void) { return 1; }
