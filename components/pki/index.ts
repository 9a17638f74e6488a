/**
 * The fleet's PKI: CAs and device certificates (FleetPki), the pure planning behind it, and
 * PEM / thumbprint helpers.
 */
export { FLEET_PKI_TYPE, FleetPki } from "./component";
export type { CaPki, DevicePki, ExternalCa, FleetPkiArgs, IssuedCert } from "./component";
export {
    CA_USES,
    clientAuthUses,
    daysToHours,
    EDGE_CA_USES,
    identityCommonNames,
    keySpec,
    MAX_COMMON_NAME,
    orderCas,
    planPki,
    usesEst,
} from "./plan";
export type {
    CaPlan,
    DeviceCertPlan,
    DeviceCertRole,
    DevicePlan,
    GeneratedCaPlan,
    ImportedCaPlan,
    KeySpec,
    PkiPlan,
    Subject,
} from "./plan";
export { chainPem, firstCertificateDer, splitPemCertificates, thumbprints } from "./thumbprint";
export type { Thumbprints } from "./thumbprint";
