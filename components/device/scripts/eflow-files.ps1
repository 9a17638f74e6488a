# Step "files" for EFLOW: identity files from stdin into $Dir, a directory only SYSTEM and
# Administrators can read (inheritance removed). stdin format (steps.ts):
#   iotedge-fleet-files 1 / f <file name> <base64> ... / end
$lines = [Console]::In.ReadToEnd() -split "`n"
if ($lines[0].Trim() -ne 'iotedge-fleet-files 1') { throw 'manifest: unknown format' }
New-Item -ItemType Directory -Force -Path $Dir | Out-Null
& icacls.exe $Dir /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null
if ($LASTEXITCODE -ne 0) { throw "icacls failed on $Dir" }
$changed = $false
$complete = $false
foreach ($line in $lines[1..($lines.Length - 1)]) {
    $f = $line.Trim() -split ' '
    if ($f[0] -eq 'end') { $complete = $true; break }
    if ($f[0] -ne 'f' -or $f.Length -ne 3 -or $f[1] -notmatch '^[A-Za-z0-9._-]+$') { throw 'manifest: bad entry' }
    $path = Join-Path $Dir $f[1]
    if ((Test-Path $path) -and ([Convert]::ToBase64String([IO.File]::ReadAllBytes($path)) -eq $f[2])) {
        Say "unchanged $path"
        continue
    }
    $tmp = "$path.iotedge-fleet.tmp"
    [IO.File]::WriteAllBytes($tmp, [Convert]::FromBase64String($f[2]))
    Move-Item -Force -Path $tmp -Destination $path
    Say "wrote $path"
    $changed = $true
}
if (-not $complete) { throw 'manifest: truncated stdin' }
if ($changed) { Say 'result: changed' } else { Say 'result: unchanged' }
