# Step "install" for EFLOW: the EFLOW VM is deployed out of band (Deploy-Eflow, seed 001); this
# only verifies that its PowerShell module is present.
Test-Eflow
Say "EFLOW module present"
Say "result: unchanged"
