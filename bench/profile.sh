#!/usr/bin/env bash
# Where the time of a training step or of a sampled token goes: async-profiler (Maven Central's
# tools.profiler:async-profiler) samples every thread's CPU time, Java and native frames alike,
# while `jgpt bench` runs, and bench/profile_summary.py sorts the samples into layers (MKL's
# matmuls, libtorch's kernels, its dispatch and autograd, OpenMP's barriers, DJL's JNI, Java, the
# JIT and GC) and into the DJL native calls they come from.
#
#   bench/profile.sh                                 # training steps of the default config (bench --sample-tokens 0)
#   bench/profile.sh --threads 1                     # the same on one thread: no OpenMP barriers
#   PROFILE=sample bench/profile.sh                  # sampling alone: 3,000 tokens of the default model
#
# Extra flags go to `jgpt bench`. The collapsed stacks stay in bench/target/ for a flame graph.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version=4.1
jar="$HOME/.m2/repository/tools/profiler/async-profiler/$version/async-profiler-$version.jar"
out="$root/bench/target"
mkdir -p "$out"
if [[ ! -f "$jar" ]]; then
  mvn -B -q -ntp dependency:get -Dartifact="tools.profiler:async-profiler:$version" >&2
fi
lib="$out/async-profiler-$version/linux-x64/libasyncProfiler.so"
if [[ ! -f "$lib" ]]; then
  (cd "$out" && mkdir -p "async-profiler-$version" && cd "async-profiler-$version" && unzip -q -o "$jar" 'linux-x64/*')
fi
mode="${PROFILE:-train}"
case "$mode" in
  train) flags=(--sample-tokens 0 --iters 150 --warmup 20); within=dev/jgpt/train/TrainingStep.run ;;
  sample) flags=(--sample-tokens 3000 --iters 1 --warmup 0); within=dev/jgpt/train/sample/Sampler.generate ;;
  *) echo "PROFILE must be train or sample, got $mode" >&2; exit 2 ;;
esac
stacks="$out/profile-$mode.collapsed"
# cpu: perf events where the kernel allows them; itimer otherwise (containers often forbid perf).
event=cpu
if [[ "$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 3)" -gt 2 && "$(id -u)" != 0 ]]; then
  event=itimer
fi
OPT_OUT_TRACKING=true JAVA_TOOL_OPTIONS="-agentpath:$lib=start,event=$event,interval=1ms,file=$stacks,collapsed" \
  "$root/jgpt" bench "${flags[@]}" "$@" 2>&1 | grep -v '^Picked up JAVA_TOOL_OPTIONS\|^Profiling started' | tail -n 4
/usr/bin/python3 "$root/bench/profile_summary.py" "$stacks" "$within"
