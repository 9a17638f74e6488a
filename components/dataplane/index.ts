/** Data-plane resources azure-native lacks (DPS enrollments, hub device identities). */
export {
    derivedDeviceKey,
    dynamicType,
    DYNAMIC_MODULE,
    EnrollmentGroup,
    EnrollmentGroupArgs,
    IndividualEnrollment,
    IndividualEnrollmentArgs,
    HubDeviceIdentity,
    HubDeviceIdentityArgs,
    DataPlaneConnectionArgs,
    GroupAttestationArgs,
    IndividualAttestationArgs,
    DeviceAuthenticationArgs,
    EnrollmentOptionArgs,
    PrimarySecondaryArgs,
} from "./resources";
export {
    EnrollmentGroupProvider,
    IndividualEnrollmentProvider,
    HubDeviceIdentityProvider,
} from "./providers";
export { DpsClient, DPS_API_VERSION } from "./dps-client";
export { HubRegistryClient, HUB_API_VERSION, ensureQuoted } from "./hub-client";
export {
    RestClient,
    RestOptions,
    ServiceConnection,
    DataPlaneError,
    isDataPlaneError,
} from "./rest";
export { createServiceSasToken, createSharedAccessSignature } from "./sas";
export { deriveDeviceKey, symmetricKeyProblem } from "./derive-key";
export { toEnrollmentGroupBody, toIndividualEnrollmentBody } from "./enrollment-model";
export { toDeviceBody } from "./device-model";
