#!/usr/bin/env pwsh
# Runs the kaha-deploy host. It is compiled only when a source file changed since the last build,
# so a warm start costs no more than starting the program. It is published ReadyToRun (precompiled), so a run
# does not spend its CPU compiling its own code on the cores that serve the live release.
$ErrorActionPreference = 'Stop'

$root = $PSScriptRoot
$out = Join-Path $root 'build/bin/tool'
$dll = Join-Path $out 'kaha-deploy.dll'
$stamp = Join-Path $out '.built'

# The stamp holds the commit the tool was built from, which --version reports: a new commit means a new build.
$commit = "$(git -C $root rev-parse HEAD 2>$null)"

function Test-NeedsBuild {
    if (-not (Test-Path $dll) -or -not (Test-Path $stamp)) { return $true }
    # git may not answer (no git, or a user other than the checkout's owner): then the sources alone decide.
    if ($commit -and (Get-Content -Raw $stamp) -ne $commit) { return $true }
    $builtAt = (Get-Item -Force $stamp).LastWriteTimeUtc
    $sources = @(Get-ChildItem -Path (Join-Path $root 'build'), (Join-Path $root 'proxy') -Recurse -File |
        Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' })
    $sources += Get-Item (Join-Path $root 'Directory.Build.props'), (Join-Path $root 'global.json')
    return [bool]($sources | Where-Object { $_.LastWriteTimeUtc -gt $builtAt } | Select-Object -First 1)
}

if (Test-NeedsBuild) {
    # A first build takes minutes on a small server: say so, and show it is still going.
    [Console]::Error.WriteLine($(if (Test-Path $dll) { 'Building kaha-deploy (it changed since its last build)...' } else { 'Compiling kaha-deploy, first run takes a few minutes...' }))
    $publish = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($argument in @('publish', (Join-Path $root 'build/Build.csproj'), '-c', 'Release', '-p:PublishReadyToRun=true', '-o', $out, '-nologo', '-v', 'quiet', '-clp:NoSummary')) {
        $publish.ArgumentList.Add($argument)
    }
    $publish.RedirectStandardOutput = $true
    $publish.RedirectStandardError = $true
    $build = [System.Diagnostics.Process]::Start($publish)
    $stdout = $build.StandardOutput.ReadToEndAsync()
    $stderr = $build.StandardError.ReadToEndAsync()
    $elapsed = 0
    while (-not $build.WaitForExit(15000)) {
        $elapsed += 15
        [Console]::Error.WriteLine("still compiling kaha-deploy ($elapsed s)...")
    }
    $build.WaitForExit()
    if ($build.ExitCode -ne 0) {
        [Console]::Error.WriteLine($stdout.Result + $stderr.Result)
        [Console]::Error.WriteLine('Error: the build of kaha-deploy failed (see above).')
        exit 1
    }
    Set-Content -NoNewline -Path $stamp -Value $commit
}

& dotnet $dll @args
exit $LASTEXITCODE
