/**
 * IoT Hub shared access policies and connection strings. Pure: no Pulumi import.
 */

/**
 * The policies a new IoT Hub has by default (FACTS.md §4: "default policies iothubowner,
 * service, device, registryRead, registryReadWrite (RegistryRead+RegistryWrite)"), with the
 * rights strings exactly as azure-native's `iothub.AccessRights` enum spells them
 * (node_modules/@pulumi/azure-native/types/enums/iothub). Declaring `authorizationPolicies`
 * replaces the hub's list, so all five are declared to keep them.
 */
export const DEFAULT_HUB_POLICIES = [
    {
        keyName: "iothubowner",
        rights: "RegistryRead, RegistryWrite, ServiceConnect, DeviceConnect",
    },
    { keyName: "service", rights: "ServiceConnect" },
    { keyName: "device", rights: "DeviceConnect" },
    { keyName: "registryRead", rights: "RegistryRead" },
    { keyName: "registryReadWrite", rights: "RegistryRead, RegistryWrite" },
] as const;

export type HubPolicyName = (typeof DEFAULT_HUB_POLICIES)[number]["keyName"];

/**
 * Policy whose key the data-plane resources (HubDeviceIdentity) use: creating and updating
 * device identities needs RegistryRead + RegistryWrite and nothing more.
 */
export const REGISTRY_POLICY: HubPolicyName = "registryReadWrite";

/**
 * Policy whose connection string links the hub to DPS. DPS creates device identities and
 * writes their initial twin, so it gets the owner policy (what `az iot dps linked-hub create`
 * picks when given only the hub name).
 */
export const DPS_LINK_POLICY: HubPolicyName = "iothubowner";

/**
 * Service connection string, the form DPS takes for a linked hub and the IoT SDKs read:
 * `HostName=…;SharedAccessKeyName=…;SharedAccessKey=…` (FACTS.md §3, Node SDK
 * `SharedAccessSignature.create(HostName, SharedAccessKeyName, SharedAccessKey, …)`).
 */
export function serviceConnectionString(hostName: string, keyName: string, key: string): string {
    return `HostName=${hostName};SharedAccessKeyName=${keyName};SharedAccessKey=${key}`;
}
