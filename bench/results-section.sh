# Sourced by the bench scripts: replaces one script's section of RESULTS.md between its markers and keeps
# everything else in the file (other benchmarks write their own sections).
# Usage: write_results_section RESULTS_FILE BEGIN_MARKER END_MARKER SECTION_FILE
write_results_section() {
  local results="$1" begin="$2" end="$3" section="$4"
  if [ ! -f "$results" ]; then
    printf '# Benchmark results\n\nEach section is written by the script named in it; re-run that script to refresh it.\n' >"$results"
  fi
  if ! grep -qF "$begin" "$results" || ! grep -qF "$end" "$results"; then
    printf '\n%s\n%s\n' "$begin" "$end" >>"$results"
  fi
  local merged
  merged="$(mktemp)"
  awk -v begin="$begin" -v end="$end" -v section="$section" '
    $0 == begin { while ((getline line < section) > 0) print line; skipping = 1; next }
    skipping && $0 == end { skipping = 0; next }
    !skipping { print }
  ' "$results" >"$merged"
  cat "$merged" >"$results"
  rm -f "$merged"
}
