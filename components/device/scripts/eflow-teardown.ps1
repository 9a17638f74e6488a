# Delete for EFLOW (the install step's `delete`): remove the identity files this tool placed.
# The EFLOW VM itself stays deployed; removing it (uninstalling EFLOW) is out of scope.
if (Test-Path $Dir) { Remove-Item -Recurse -Force -Path $Dir }
Say 'result: removed'
