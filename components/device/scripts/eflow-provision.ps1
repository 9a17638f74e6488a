# Step "apply" for EFLOW: Provision-EflowVm with DPS (seed 001). The symmetric key is read from
# its file inside this script, so it never appears on a command line.
Test-Eflow
$marker = Join-Path $Dir 'provisioned.sha256'
$sha = [Security.Cryptography.SHA256]::Create()
$parts = @($ProvisioningType, $ScopeId, $RegistrationId)
foreach ($name in @('device-id.pem', 'device-id.key.pem', 'device-id.key')) {
    $p = Join-Path $Dir $name
    if (Test-Path $p) { $parts += [Convert]::ToBase64String($sha.ComputeHash([IO.File]::ReadAllBytes($p))) }
}
$wanted = [BitConverter]::ToString($sha.ComputeHash([Text.Encoding]::UTF8.GetBytes($parts -join "`n"))) -replace '-', ''
if ((Test-Path $marker) -and ((Get-Content -Raw $marker).Trim() -eq $wanted)) {
    Say 'already provisioned with these parameters'
    Say 'result: unchanged'
    return
}
switch ($ProvisioningType) {
    'DpsX509' {
        Provision-EflowVm -provisioningType DpsX509 -scopeId $ScopeId -registrationId $RegistrationId `
            -identityCertPath (Join-Path $Dir 'device-id.pem') -identityPrivKeyPath (Join-Path $Dir 'device-id.key.pem')
    }
    'DpsSymmetricKey' {
        Provision-EflowVm -provisioningType DpsSymmetricKey -scopeId $ScopeId -registrationId $RegistrationId `
            -symmKey (Get-Content -Raw (Join-Path $Dir 'device-id.key')).Trim()
    }
    default { throw "unknown provisioning type $ProvisioningType" }
}
Set-Content -Path $marker -Value $wanted
Say 'result: changed'
