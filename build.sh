#!/usr/bin/env bash
# Runs the kaha-deploy host. It is compiled only when a source file changed since the last build,
# so a warm start costs no more than starting the program. It is published ReadyToRun (precompiled), so a run
# does not spend its CPU compiling its own code on the cores that serve the live release.
set -euo pipefail

# Every fork and exec here delays the tool (a Rollback during an incident too): bash's own expansions where they suffice.
script="${BASH_SOURCE[0]}"
[[ "$script" == */* ]] || script="./$script"
dir="${script%/*}"
root="$(cd "${dir:-/}" && pwd)"
out="$root/build/bin/tool"
dll="$out/kaha-deploy.dll"
apphost="$out/kaha-deploy"
stamp="$out/.built"

# The stamp holds the commit the tool was built from, which --version reports: a new commit means a new build.
# git may not answer (no git, or a user other than the checkout's owner): then the sources alone decide, every file of them
# (the dashboard's stylesheet and script are built into the tool too).
# A branch's commit is read from its ref file when it has one (no git process); packed refs and worktrees ask git, and
# so does a user who does not own the checkout (git may refuse them: then the sources alone decide, as above).
head_commit() {
  local head=""
  if [ -O "$root/.git" ] && [ -f "$root/.git/HEAD" ] && read -r head <"$root/.git/HEAD" 2>/dev/null; then
    [[ "$head" != "ref: "* ]] || { [ -f "$root/.git/${head#ref: }" ] && read -r head <"$root/.git/${head#ref: }" || head=""; }
  fi
  if [[ "$head" =~ ^[0-9a-f]{40,64}$ ]]; then
    commit="$head"
  else
    commit="$(git -C "$root" rev-parse HEAD 2>/dev/null || true)"
  fi
}
head_commit

needs_build() {
  [ -f "$dll" ] && [ -x "$apphost" ] && [ -f "$stamp" ] || return 0
  local built=""
  read -r built <"$stamp" || true
  [ -z "$commit" ] || [ "$built" = "$commit" ] || return 0
  [ -n "$(find "$root/build" "$root/proxy" "$root/Directory.Build.props" "$root/global.json" \
      -path "$root/build/bin" -prune -o -path "$root/build/obj" -prune -o \
      -path "$root/proxy/bin" -prune -o -path "$root/proxy/obj" -prune -o \
      -newer "$stamp" -type f -print -quit)" ]
}

if needs_build; then
  # A first build takes minutes on a small server: say so, and show it is still going.
  if [ -f "$dll" ]; then
    echo "Building kaha-deploy (it changed since its last build)..." >&2
  else
    echo "Compiling kaha-deploy, first run takes a few minutes..." >&2
  fi
  # The ticker's sleep holds no copy of stderr, so a caller reading it is not kept waiting once the build is done.
  ( elapsed=0; while sleep 15 </dev/null >/dev/null 2>&1 && kill -0 $$ 2>/dev/null; do
      elapsed=$((elapsed + 15)); echo "still compiling kaha-deploy (${elapsed} s)..." >&2
    done ) &
  ticker=$!
  status=0
  log="$(dotnet publish "$root/build/Build.csproj" -c Release -p:PublishReadyToRun=true -o "$out" -nologo -v quiet -clp:NoSummary 2>&1)" || status=$?
  kill "$ticker" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    printf '%s\n' "$log" >&2
    echo "Error: the build of kaha-deploy failed (see above)." >&2
    exit 1
  fi
  printf '%s' "$commit" > "$stamp"
fi

# The published apphost, not `dotnet kaha-deploy.dll`: the tool carries its runtime, and the dotnet muxer's search for one
# costs every run about 10 ms.
exec "$apphost" "$@"
