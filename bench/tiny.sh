# Sourced by the bench scripts: the repository's root, ../shared (or JGPT_SHARED) and tiny
# Shakespeare in it, which no script runs without.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${JGPT_SHARED:-$root/../shared}"
tiny="$shared/data/tinyshakespeare.txt"
[[ -f "$tiny" ]] || { echo "$(basename "$0"): $tiny not found (set JGPT_SHARED)" >&2; exit 1; }
