# iotedge-fleet EFLOW step prelude (Windows PowerShell 5.1+). steps.ts prepends the step's
# parameters as single-quoted assignments ($Step, $Dir, ...) and sends the whole script with
# -EncodedCommand, so it runs the same whether sshd's default shell is cmd.exe or PowerShell.
# Secrets only arrive on stdin; nothing here prints them.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
function Say([string]$Message) { Write-Output "iotedge-fleet[$Step]: $Message" }
function Test-Eflow {
    if (-not (Get-Command Provision-EflowVm -ErrorAction SilentlyContinue)) {
        throw "iotedge-fleet[$Step]: Provision-EflowVm not found: deploy IoT Edge for Linux on Windows (AzureEFLOW module) first"
    }
}
