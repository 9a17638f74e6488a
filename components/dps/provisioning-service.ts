import * as pulumi from "@pulumi/pulumi";
import * as dps from "@pulumi/azure-native/deviceprovisioningservices";
import { armAllocationPolicy, DPS_SERVICE_POLICY, DpsAllocationPolicy } from "./allocation";

export const PROVISIONING_SERVICE_TYPE = "iotedge:dps:ProvisioningService";

/** A hub DPS may assign devices to (`properties.iotHubs[]`, FACTS.md §5). */
export interface LinkedHubArgs {
    /**
     * Service connection string of the hub (`HostName=…;SharedAccessKeyName=…;SharedAccessKey=…`),
     * e.g. `IotHub.linkConnectionString`. Marked secret here whatever the caller passes.
     */
    connectionString: pulumi.Input<string>;
    /** The hub's Azure region (required by the API). */
    location: pulumi.Input<string>;
    /** Weight for the hashed allocation policy. */
    allocationWeight?: number;
    /** Whether the DPS allocation policy applies to this hub. */
    applyAllocationPolicy?: boolean;
}

export interface ProvisioningServiceArgs {
    resourceGroupName: pulumi.Input<string>;
    /**
     * DPS resource name, used as is: it is the service host
     * `<name>.azure-devices-provisioning.net` (FACTS.md §3).
     */
    dpsName: string;
    location: pulumi.Input<string>;
    /** Units of the S1 SKU, the only DPS SKU (`sku: {name?: "S1", capacity?}`, FACTS.md §5). */
    capacity: number;
    /**
     * Default allocation policy for enrollments, in the data-plane spelling; sent to ARM
     * capitalised (`Hashed|GeoLatency|Static`, FACTS.md §5).
     */
    allocationPolicy: DpsAllocationPolicy;
    /** Linked hubs, in a stable order (the API keeps them as a list). */
    linkedHubs: LinkedHubArgs[];
    tags?: Record<string, string>;
    /**
     * CA certificates to upload as verified (`deviceprovisioningservices.DpsCertificate`,
     * `isVerified: true`), keyed by certificate name. PEM text: the API takes "base-64
     * representation of X509 certificate .cer file or just .pem file content" (FACTS.md §5).
     */
    verifiedCaCerts?: Record<string, pulumi.Input<string>>;
}

/**
 * An IoT Hub Device Provisioning Service with its linked hubs, its service policy key (as a
 * secret, for the enrollment resources) and its verified CA certificates.
 */
export class ProvisioningService extends pulumi.ComponentResource {
    /** The `deviceprovisioningservices.IotDpsResource`. */
    public readonly resource: dps.IotDpsResource;
    /** Resource name of the DPS. */
    public readonly dpsName: pulumi.Output<string>;
    /** `properties.idScope`: what devices put in `[provisioning] id_scope` (FACTS.md §1). */
    public readonly idScope: pulumi.Output<string>;
    /** `properties.serviceOperationsHostName`: the enrollment API host (FACTS.md §3). */
    public readonly serviceOperationsHostName: pulumi.Output<string>;
    /** `properties.deviceProvisioningHostName`: the global device endpoint host. */
    public readonly deviceProvisioningHostName: pulumi.Output<string>;
    /** Name of the policy behind {@link servicePolicyKey}. */
    public readonly servicePolicyName: string;
    /** Primary key of `provisioningserviceowner`. Secret. */
    public readonly servicePolicyKey: pulumi.Output<string>;
    /** Service connection string of `provisioningserviceowner`. Secret. */
    public readonly serviceConnectionString: pulumi.Output<string>;
    /** Verified CA certificates, by certificate name. */
    public readonly certificates: Record<string, dps.DpsCertificate>;

    constructor(
        name: string,
        args: ProvisioningServiceArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super(PROVISIONING_SERVICE_TYPE, name, {}, opts);

        this.resource = new dps.IotDpsResource(
            `${name}-iotdps`,
            {
                resourceGroupName: args.resourceGroupName,
                provisioningServiceName: args.dpsName,
                location: args.location,
                sku: { name: "S1", capacity: args.capacity },
                tags: args.tags,
                properties: {
                    allocationPolicy: armAllocationPolicy(args.allocationPolicy),
                    iotHubs: args.linkedHubs.map((h) => ({
                        connectionString: pulumi.secret(h.connectionString),
                        location: h.location,
                        allocationWeight: h.allocationWeight,
                        applyAllocationPolicy: h.applyAllocationPolicy,
                    })),
                },
            },
            { parent: this },
        );
        // `properties` goes to the engine as one secret (the SDK lifts the nested connection
        // strings' secrecy to the whole input), so every output under it comes back secret.
        // The ID scope and host names are not credentials: devices' config.toml shows them.
        this.dpsName = this.resource.name;
        this.idScope = pulumi.unsecret(this.resource.properties.idScope);
        this.serviceOperationsHostName = pulumi.unsecret(
            this.resource.properties.serviceOperationsHostName,
        );
        this.deviceProvisioningHostName = pulumi.unsecret(
            this.resource.properties.deviceProvisioningHostName,
        );

        this.servicePolicyName = DPS_SERVICE_POLICY;
        this.servicePolicyKey = pulumi.secret(
            dps
                .listIotDpsResourceKeysForKeyNameOutput(
                    {
                        resourceGroupName: args.resourceGroupName,
                        // From the resource, so the call waits for the DPS to exist.
                        provisioningServiceName: this.resource.name,
                        keyName: DPS_SERVICE_POLICY,
                    },
                    { parent: this },
                )
                .apply((k) => {
                    if (!k.primaryKey) {
                        throw new Error(
                            `DPS ${args.dpsName}: policy ${DPS_SERVICE_POLICY} has no primary key`,
                        );
                    }
                    return k.primaryKey;
                }),
        );
        this.serviceConnectionString = pulumi.secret(
            pulumi
                .all([this.serviceOperationsHostName, this.servicePolicyKey])
                .apply(
                    ([host, key]) =>
                        `HostName=${host};SharedAccessKeyName=${DPS_SERVICE_POLICY};SharedAccessKey=${key}`,
                ),
        );

        this.certificates = {};
        for (const [certName, pem] of Object.entries(args.verifiedCaCerts ?? {})) {
            this.certificates[certName] = new dps.DpsCertificate(
                `${name}-ca-${certName}`,
                {
                    resourceGroupName: args.resourceGroupName,
                    provisioningServiceName: this.resource.name,
                    certificateName: certName,
                    // isVerified: true skips proof of possession: we hold the CA's key ourselves.
                    properties: { certificate: pem, isVerified: true },
                },
                { parent: this },
            );
        }

        this.registerOutputs({
            dpsName: this.dpsName,
            idScope: this.idScope,
            serviceOperationsHostName: this.serviceOperationsHostName,
            deviceProvisioningHostName: this.deviceProvisioningHostName,
            servicePolicyKey: this.servicePolicyKey,
            serviceConnectionString: this.serviceConnectionString,
        });
    }
}
