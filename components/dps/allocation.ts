/**
 * DPS allocation policy spellings. Pure: no Pulumi import.
 */

/** The fleet model's (and the DPS data plane's) lower-case policy names (FACTS.md §3). */
export type DpsAllocationPolicy = "hashed" | "geoLatency" | "static";

/** What `deviceprovisioningservices.IotDpsResource` takes: capitalised (FACTS.md §5). */
export type ArmAllocationPolicy = "Hashed" | "GeoLatency" | "Static";

const ARM_ALLOCATION_POLICY: Record<DpsAllocationPolicy, ArmAllocationPolicy> = {
    hashed: "Hashed",
    geoLatency: "GeoLatency",
    static: "Static",
};

/** The ARM spelling of a data-plane allocation policy (`geoLatency` → `GeoLatency`). */
export function armAllocationPolicy(policy: DpsAllocationPolicy): ArmAllocationPolicy {
    const arm = ARM_ALLOCATION_POLICY[policy];
    if (arm === undefined) {
        throw new Error(`unknown DPS allocation policy "${String(policy)}"`);
    }
    return arm;
}

/**
 * The DPS service policy the enrollment resources authenticate with: the default
 * `provisioningserviceowner` (FACTS.md §3, how-to-control-access: ServiceConfig,
 * EnrollmentRead, EnrollmentWrite, RegistrationStatusRead, RegistrationStatusWrite).
 */
export const DPS_SERVICE_POLICY = "provisioningserviceowner";
