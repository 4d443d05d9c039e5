# Sourced by the benchmark scripts before they run the PyTorch reference. Debian 12's OpenBLAS
# 0.3.21 does not recognise some newer CPUs and falls back to its generic "Prescott" kernels,
# 3-4x slower; a comparison against that flatters jgpt. This picks the kernels the CPU has
# (a core type the user set is kept) and refuses the netlib reference BLAS outright.
openblas_core() {
  OPENBLAS_VERBOSE=2 /usr/bin/python3 -c 'import torch; torch.ones(8, 8) @ torch.ones(8, 8)' 2>&1 \
    | sed -n 's/^Core: //p' | head -n 1
}
core="$(openblas_core)"
if [[ -z "$core" ]]; then
  echo "the PyTorch reference runs on no OpenBLAS (netlib's reference BLAS is 10x slower): apt-get install -y libopenblas0-pthread" >&2
  exit 1
fi
if [[ -z "${OPENBLAS_CORETYPE:-}" && "$core" == Prescott ]]; then
  if grep -qw avx512f /proc/cpuinfo; then
    export OPENBLAS_CORETYPE=SkylakeX
  elif grep -qw avx2 /proc/cpuinfo; then
    export OPENBLAS_CORETYPE=Haswell
  fi
  [[ -n "${OPENBLAS_CORETYPE:-}" ]] && core="$(openblas_core)"
fi
echo "OpenBLAS core for the reference: $core${OPENBLAS_CORETYPE:+ (OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE set: OpenBLAS read this CPU as Prescott)}" >&2
