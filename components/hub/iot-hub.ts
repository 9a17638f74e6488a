import * as pulumi from "@pulumi/pulumi";
import * as iothub from "@pulumi/azure-native/iothub";
import {
    DEFAULT_HUB_POLICIES,
    DPS_LINK_POLICY,
    HubPolicyName,
    REGISTRY_POLICY,
    serviceConnectionString,
} from "./policies";

export const IOT_HUB_TYPE = "iotedge:hub:IotHub";

/** SKU names `iothub.IotHubResource` accepts (FACTS.md §5). */
export type IotHubSkuName = "F1" | "S1" | "S2" | "S3" | "B1" | "B2" | "B3";

export interface IotHubArgs {
    /** Resource group that holds the hub. */
    resourceGroupName: pulumi.Input<string>;
    /**
     * IoT Hub resource name, used as is (no auto-naming suffix): it is the host name
     * `<name>.azure-devices.net` devices connect to, so it is part of the fleet's contract.
     */
    hubName: string;
    /** Azure region. */
    location: pulumi.Input<string>;
    /** `sku: {name, capacity}`, required by `iothub.IotHubResource` (FACTS.md §5). */
    sku: { name: IotHubSkuName; capacity: number };
    /** Minimum TLS version devices and services must use (`properties.minTlsVersion`). */
    minTlsVersion?: "1.2";
    /**
     * `properties.disableLocalAuth`: turns off SAS on the hub's data plane. Our registry
     * resources and the DPS link authenticate with SAS policy keys (FACTS.md §4), so a fleet
     * that sets this needs another way to register devices.
     */
    disableLocalAuth?: boolean;
    tags?: Record<string, string>;
    /**
     * CA certificates to upload as verified (`iothub.Certificate`, `isVerified: true`), keyed
     * by a stable certificate name (the CA's name in the fleet). PEM text: the ARM API takes
     * "base-64 representation of X509 certificate .cer file or just .pem file content"
     * (FACTS.md §5). Needed for `certificateAuthority` device authentication (seed 000).
     */
    verifiedCaCerts?: Record<string, pulumi.Input<string>>;
}

/**
 * An IoT Hub with its default shared access policies, the keys other resources need (as
 * secrets) and its verified CA certificates.
 */
export class IotHub extends pulumi.ComponentResource {
    /** The `iothub.IotHubResource`. */
    public readonly resource: iothub.IotHubResource;
    /** Resource name of the hub. */
    public readonly hubName: pulumi.Output<string>;
    /** Azure region, for DPS's linked-hub definition. */
    public readonly location: pulumi.Output<string>;
    /** `properties.hostName`, e.g. `myhub.azure-devices.net`. */
    public readonly hostName: pulumi.Output<string>;
    /** Name of the policy behind {@link registryPolicyKey} (`registryReadWrite`). */
    public readonly registryPolicyName: HubPolicyName;
    /** Primary key of the registry policy, for the data-plane device identities. Secret. */
    public readonly registryPolicyKey: pulumi.Output<string>;
    /** Service connection string of the registry policy. Secret. */
    public readonly registryConnectionString: pulumi.Output<string>;
    /** Service connection string of `iothubowner`, what DPS links the hub with. Secret. */
    public readonly linkConnectionString: pulumi.Output<string>;
    /** Verified CA certificates, by certificate name. */
    public readonly certificates: Record<string, iothub.Certificate>;

    constructor(name: string, args: IotHubArgs, opts?: pulumi.ComponentResourceOptions) {
        super(IOT_HUB_TYPE, name, {}, opts);

        this.resource = new iothub.IotHubResource(
            `${name}-iothub`,
            {
                resourceGroupName: args.resourceGroupName,
                resourceName: args.hubName,
                location: args.location,
                sku: { name: args.sku.name, capacity: args.sku.capacity },
                tags: args.tags,
                properties: {
                    minTlsVersion: args.minTlsVersion,
                    disableLocalAuth: args.disableLocalAuth,
                    authorizationPolicies: DEFAULT_HUB_POLICIES.map((p) => ({
                        keyName: p.keyName,
                        rights: p.rights,
                    })),
                },
            },
            { parent: this },
        );
        this.hubName = this.resource.name;
        this.location = this.resource.location;
        this.hostName = this.resource.properties.hostName;

        const policyKey = (keyName: HubPolicyName) =>
            // Mocks and some engines drop the SDK's own secret marking: mark it ourselves.
            pulumi.secret(
                iothub
                    .listIotHubResourceKeysForKeyNameOutput(
                        {
                            resourceGroupName: args.resourceGroupName,
                            // From the resource, so the call waits for the hub to exist.
                            resourceName: this.resource.name,
                            keyName,
                        },
                        { parent: this },
                    )
                    .apply((k) => {
                        if (!k.primaryKey) {
                            throw new Error(
                                `IoT Hub ${args.hubName}: policy ${keyName} has no primary key`,
                            );
                        }
                        return k.primaryKey;
                    }),
            );
        const connectionString = (keyName: HubPolicyName, key: pulumi.Output<string>) =>
            pulumi.secret(
                pulumi
                    .all([this.hostName, key])
                    .apply(([host, k]) => serviceConnectionString(host, keyName, k)),
            );

        this.registryPolicyName = REGISTRY_POLICY;
        this.registryPolicyKey = policyKey(REGISTRY_POLICY);
        this.registryConnectionString = connectionString(REGISTRY_POLICY, this.registryPolicyKey);
        this.linkConnectionString = connectionString(DPS_LINK_POLICY, policyKey(DPS_LINK_POLICY));

        this.certificates = {};
        for (const [certName, pem] of Object.entries(args.verifiedCaCerts ?? {})) {
            this.certificates[certName] = new iothub.Certificate(
                `${name}-ca-${certName}`,
                {
                    resourceGroupName: args.resourceGroupName,
                    resourceName: this.resource.name,
                    certificateName: certName,
                    // isVerified: true skips proof of possession: we hold the CA's key ourselves.
                    properties: { certificate: pem, isVerified: true },
                },
                { parent: this },
            );
        }

        this.registerOutputs({
            hubName: this.hubName,
            hostName: this.hostName,
            registryPolicyKey: this.registryPolicyKey,
            registryConnectionString: this.registryConnectionString,
            linkConnectionString: this.linkConnectionString,
        });
    }
}
