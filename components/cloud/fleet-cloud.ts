import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import * as random from "@pulumi/random";
import {
    EnrollmentGroup,
    EnrollmentOptionArgs,
    GroupAttestationArgs,
    HubDeviceIdentity,
    IndividualAttestationArgs,
    IndividualEnrollment,
} from "../dataplane";
import { deriveDeviceKey } from "../dataplane/derive-key";
import { ProvisioningService } from "../dps";
import type { ResolvedEnrollmentOptions, ResolvedFleet } from "../fleet";
import type { SecretLookup } from "../fleet/secrets";
import { IotHub } from "../hub";
import { parseDeviceConnectionString } from "./connection-string";
import { CloudPlan, DevicePlan, planCloud } from "./plan";

export const FLEET_CLOUD_TYPE = "iotedge:cloud:FleetCloud";

/**
 * Length of generated symmetric keys: 32 bytes, inside DPS's 16–64 (FACTS.md §3) and the
 * size the portal generates.
 */
export const GENERATED_KEY_BYTES = 32;

/** A device's certificate facts, from the PKI (plain Inputs: no dependency on its class). */
export interface DeviceCertInputs {
    /**
     * SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint of the primary identity certificate, for a
     * `manual-x509` self-signed hub identity (seed 000: "Provide the primary and secondary
     * identity certificate thumbprints").
     */
    primaryThumbprint?: pulumi.Input<string>;
    /** Thumbprint of the secondary identity certificate (seed 000: two certificates). */
    secondaryThumbprint?: pulumi.Input<string>;
    /** PEM of the primary identity certificate, for an individual X.509 enrollment (seed 001). */
    primaryCertPem?: pulumi.Input<string>;
    /** PEM of a secondary identity certificate for an individual enrollment, if any. */
    secondaryCertPem?: pulumi.Input<string>;
}

export interface FleetCloudArgs {
    /** The validated fleet (`checkFleet(raw).fleet`): decides which resources exist. */
    fleet: ResolvedFleet;
    /**
     * Certificate PEM of each CA, by CA name (`fleet.pki.cas[].name`): uploaded where
     * `verifiedIn` says and used as X.509 enrollment groups' signing certificates.
     */
    caCertPem: Record<string, pulumi.Input<string>>;
    /** Identity certificate facts by device ID, for the X.509 devices that need them. */
    deviceCerts?: Record<string, DeviceCertInputs>;
    /** Resolves `...Secret` config keys (group keys, connection strings). */
    secrets: SecretLookup;
    /**
     * A fleet stack's platform (components/platform.ts): the hubs, DPS and group keys that
     * the platform stack declared. Given, this component declares no resource group, hub, DPS
     * or enrollment group: only the devices' own individual enrollments and hub identities.
     */
    platform?: ExternalPlatform;
}

/** What a hub offers the devices' cloud resources. */
export interface HubFacts {
    hostName: pulumi.Input<string>;
    registryPolicyName: pulumi.Input<string>;
    /** Secret. */
    registryPolicyKey: pulumi.Input<string>;
}

/** What a DPS offers the devices' cloud resources. */
export interface DpsFacts {
    idScope: pulumi.Output<string>;
    serviceOperationsHostName: pulumi.Input<string>;
    servicePolicyName: pulumi.Input<string>;
    /** Secret. */
    servicePolicyKey: pulumi.Input<string>;
}

/** The cloud side of a platform stack, as a fleet stack sees it through a StackReference. */
export interface ExternalPlatform {
    hubs: Record<string, HubFacts>;
    dps?: DpsFacts;
    /** Primary keys of the symmetric-key enrollment groups, by group name. Secret. */
    groupPrimaryKeys: Record<string, pulumi.Output<string>>;
}

/** What a device needs from the cloud to render its config.toml. */
export interface DeviceCloudOutputs {
    /**
     * Symmetric key the device presents (secret): the derived key of its group (seed 002,
     * FACTS.md §3), its individual enrollment's key, or its hub identity's SAS key.
     */
    symmetricKey?: pulumi.Output<string>;
    /** Hub host name, for manual provisioning (`iothub_hostname`). */
    hubHostName?: pulumi.Output<string>;
    /** DPS ID scope, for DPS provisioning (`id_scope`). */
    idScope?: pulumi.Output<string>;
}

/**
 * The cloud side of a fleet: resource group, hubs, DPS with its links, verified CA
 * certificates, enrollment groups, individual enrollments and hub device identities.
 *
 * Devices of an enrollment group own no resource: their keys are derived from the group key
 * (an `apply`, not a resource), so a fleet grows without growing the graph.
 */
export class FleetCloud extends pulumi.ComponentResource {
    /** Absent in a fleet stack (the platform stack owns it). */
    public readonly resourceGroup?: resources.ResourceGroup;
    public readonly resourceGroupName?: pulumi.Output<string>;
    /** Hubs by name (`fleet.hubs[].name`). */
    public readonly hubs: Record<string, IotHub>;
    /** Hub host names by hub name. */
    public readonly hubHostNames: Record<string, pulumi.Output<string>>;
    public readonly dps?: ProvisioningService;
    /** DPS ID scope (when the fleet has a DPS). */
    public readonly idScope?: pulumi.Output<string>;
    /** DPS service operations host (enrollment API). */
    public readonly dpsServiceHostName?: pulumi.Output<string>;
    /** DPS device endpoint host (`global.azure-devices-provisioning.net`). */
    public readonly dpsDeviceHostName?: pulumi.Output<string>;
    /** Enrollment groups by name. */
    public readonly enrollmentGroups: Record<string, EnrollmentGroup>;
    /**
     * Primary key of each symmetric-key group, by group name (secret): what device keys are
     * derived from (e.g. for `iotedge-fleet derive-key` on a device added outside the stack).
     */
    public readonly groupPrimaryKeys: Record<string, pulumi.Output<string>>;
    /** Individual enrollments by device ID. */
    public readonly individualEnrollments: Record<string, IndividualEnrollment>;
    /** Hub device identities by device ID. */
    public readonly deviceIdentities: Record<string, HubDeviceIdentity>;
    /** Per-device outputs by device ID, for every device of the fleet. */
    public readonly devices: Record<string, DeviceCloudOutputs>;

    constructor(name: string, args: FleetCloudArgs, opts?: pulumi.ComponentResourceOptions) {
        super(FLEET_CLOUD_TYPE, name, {}, opts);
        const built = buildFleetCloud(name, args, this);
        this.resourceGroup = built.resourceGroup;
        this.resourceGroupName = built.resourceGroup?.name;
        this.hubs = built.hubs;
        this.hubHostNames = Object.fromEntries(
            Object.entries(built.hubs).map(([hub, h]) => [hub, h.hostName]),
        );
        this.dps = built.dps;
        this.idScope = built.dps?.idScope ?? args.platform?.dps?.idScope;
        this.dpsServiceHostName =
            built.dps?.serviceOperationsHostName ??
            (args.platform?.dps && pulumi.output(args.platform.dps.serviceOperationsHostName));
        this.dpsDeviceHostName = built.dps?.deviceProvisioningHostName;
        this.enrollmentGroups = built.enrollmentGroups;
        this.groupPrimaryKeys = built.groupPrimaryKeys;
        this.individualEnrollments = built.individualEnrollments;
        this.deviceIdentities = built.deviceIdentities;
        this.devices = built.devices;
        this.registerOutputs({
            resourceGroupName: this.resourceGroupName,
            hubHostNames: this.hubHostNames,
            idScope: this.idScope,
            dpsServiceHostName: this.dpsServiceHostName,
        });
    }
}

interface BuiltCloud {
    resourceGroup?: resources.ResourceGroup;
    hubs: Record<string, IotHub>;
    dps?: ProvisioningService;
    enrollmentGroups: Record<string, EnrollmentGroup>;
    groupPrimaryKeys: Record<string, pulumi.Output<string>>;
    individualEnrollments: Record<string, IndividualEnrollment>;
    deviceIdentities: Record<string, HubDeviceIdentity>;
    devices: Record<string, DeviceCloudOutputs>;
}

function buildFleetCloud(name: string, args: FleetCloudArgs, parent: FleetCloud): BuiltCloud {
    const { fleet, caCertPem, secrets } = args;
    const deviceCerts = args.deviceCerts ?? {};
    const has = (pick: (c: DeviceCertInputs) => unknown) =>
        new Set(Object.keys(deviceCerts).filter((id) => pick(deviceCerts[id]) !== undefined));
    // Plain values only: throws before any resource is declared if something is missing.
    const plan: CloudPlan = planCloud(fleet, {
        caCerts: new Set(Object.keys(caCertPem)),
        primaryThumbprint: has((c) => c.primaryThumbprint),
        secondaryThumbprint: has((c) => c.secondaryThumbprint),
        primaryCertPem: has((c) => c.primaryCertPem),
    });
    const opts = { parent };
    const pick = (cas: string[]) => Object.fromEntries(cas.map((ca) => [ca, caCertPem[ca]]));
    const generatedKey = keyGenerator(name, opts);

    if (args.platform) {
        return declareDevices(name, args, plan, parent, {
            hub: (hubName) => {
                const h = args.platform!.hubs[hubName];
                if (!h) throw new Error(`the platform exports no hub "${hubName}"`);
                return { ...h, certificates: [] };
            },
            dps: args.platform.dps,
            groupKeys: args.platform.groupPrimaryKeys,
            built: {
                hubs: {},
                enrollmentGroups: {},
                groupPrimaryKeys: args.platform.groupPrimaryKeys,
            },
        });
    }
    const resourceGroup = new resources.ResourceGroup(
        `${name}-rg`,
        {
            resourceGroupName: fleet.resourceGroup.name,
            location: fleet.resourceGroup.location,
            tags: fleet.tags,
        },
        opts,
    );
    const resourceGroupName = resourceGroup.name;

    const hubs: Record<string, IotHub> = {};
    for (const h of fleet.hubs) {
        hubs[h.name] = new IotHub(
            `${name}-hub-${h.name}`,
            {
                resourceGroupName,
                hubName: h.name,
                location: h.location,
                sku: h.sku,
                minTlsVersion: h.minTlsVersion,
                disableLocalAuth: h.disableLocalAuth,
                tags: h.tags,
                verifiedCaCerts: pick(plan.hubCas),
            },
            opts,
        );
    }
    const hub = (hubName: string) => {
        const h = hubs[hubName];
        if (!h) throw new Error(`no hub named "${hubName}" in fleet.hubs`);
        return h;
    };

    const d = fleet.dps;
    const dps =
        d &&
        new ProvisioningService(
            `${name}-dps`,
            {
                resourceGroupName,
                dpsName: d.name,
                location: d.location,
                capacity: d.capacity,
                allocationPolicy: d.allocationPolicy,
                tags: d.tags,
                linkedHubs: d.links.map((l) => ({
                    connectionString: hub(l.hub).linkConnectionString,
                    location: hub(l.hub).location,
                    allocationWeight: l.allocationWeight,
                    applyAllocationPolicy: l.applyAllocationPolicy,
                })),
                verifiedCaCerts: pick(plan.dpsCas),
            },
            opts,
        );
    const needDps = (what: string): ProvisioningService => {
        if (!dps) throw new Error(`${what} needs fleet.dps`);
        return dps;
    };
    const enrollmentOptions = (o: ResolvedEnrollmentOptions) =>
        enrollmentOptionArgs(o, (h) => hub(h).hostName);

    // ---- Enrollment groups ---------------------------------------------------------------
    const enrollmentGroups: Record<string, EnrollmentGroup> = {};
    const groupKeys: Record<string, pulumi.Output<string>> = {};
    for (const g of plan.enrollmentGroups) {
        const s = needDps(`enrollment group "${g.name}"`);
        const role = `group-${g.name}`;
        let attestation: GroupAttestationArgs;
        let keys: { primaryKey?: pulumi.Output<string>; secondaryKey?: pulumi.Output<string> } = {};
        const dependsOn: pulumi.Resource[] = [];
        switch (g.attestation.type) {
            case "symmetricKey": {
                const a = g.attestation;
                // Generated here, not by DPS, so derived device keys do not wait on a read-back.
                keys = {
                    primaryKey: a.primaryKeySecret
                        ? pulumi.secret(secrets(a.primaryKeySecret))
                        : generatedKey(`${role}-primary-key`),
                    secondaryKey: a.secondaryKeySecret
                        ? pulumi.secret(secrets(a.secondaryKeySecret))
                        : generatedKey(`${role}-secondary-key`),
                };
                groupKeys[g.name] = keys.primaryKey!;
                attestation = { type: "symmetricKey" };
                break;
            }
            case "x509": {
                const cas = [g.attestation.ca, g.attestation.secondaryCa].filter(
                    (c): c is string => c !== undefined,
                );
                if (cas.every((ca) => plan.dpsCas.includes(ca))) {
                    // Verified on the DPS already: reference it by name rather than upload it
                    // a second time in the enrollment (FACTS.md §3 `caReferences`).
                    attestation = {
                        type: "x509CaReferences",
                        caReferences: { primary: cas[0], secondary: cas[1] },
                    };
                    dependsOn.push(...cas.map((ca) => s.certificates[ca]));
                } else {
                    // Seed 001: the group's signing certificate, uploaded as PEM (FACTS.md §3).
                    attestation = {
                        type: "x509",
                        signingCertificates: {
                            primary: caCertPem[cas[0]],
                            secondary: cas[1] !== undefined ? caCertPem[cas[1]] : undefined,
                        },
                    };
                }
                break;
            }
            default: {
                const _exhaustive: never = g.attestation;
                throw new Error(`unknown attestation ${JSON.stringify(_exhaustive)}`);
            }
        }
        enrollmentGroups[g.name] = new EnrollmentGroup(
            `${name}-${role}`,
            {
                ...dpsConnection(s),
                enrollmentGroupId: g.name,
                attestation,
                ...keys,
                ...enrollmentOptions(g),
            },
            { parent, dependsOn },
        );
    }

    return declareDevices(name, args, plan, parent, {
        hub: (hubName) => {
            const h = hub(hubName);
            return {
                hostName: h.hostName,
                registryPolicyName: h.registryPolicyName,
                registryPolicyKey: h.registryPolicyKey,
                certificates: Object.values(h.certificates),
            };
        },
        dps,
        groupKeys,
        built: { resourceGroup, hubs, dps, enrollmentGroups, groupPrimaryKeys: groupKeys },
    });
}

/** Secret random keys (`RandomBytes`, base64), named `${name}-<role>`. */
function keyGenerator(name: string, opts: pulumi.CustomResourceOptions) {
    return (role: string) =>
        pulumi.secret(
            new random.RandomBytes(`${name}-${role}`, { length: GENERATED_KEY_BYTES }, opts).base64,
        );
}

/** An enrollment's options as the data-plane resources take them. */
function enrollmentOptionArgs(
    o: ResolvedEnrollmentOptions,
    hostName: (hub: string) => pulumi.Input<string>,
): EnrollmentOptionArgs {
    return {
        iotEdge: o.iotEdge,
        initialTwin: {
            tags: o.initialTwin.tags,
            properties: { desired: o.initialTwin.desiredProperties },
        },
        provisioningStatus: o.provisioningStatus,
        reprovisionPolicy: o.reprovisionPolicy,
        allocationPolicy: o.allocationPolicy,
        // The data plane names hubs by host name (FACTS.md §3 `iotHubs`).
        iotHubs: o.hubs.map(hostName),
    };
}

/** Connection inputs of the DPS data-plane resources. */
function dpsConnection(s: DpsFacts) {
    return {
        hostName: s.serviceOperationsHostName,
        policyName: s.servicePolicyName,
        policyKey: s.servicePolicyKey,
    };
}

/** The platform side as the per-device declarations use it, declared here or referenced. */
interface DeviceContext {
    hub: (hubName: string) => HubFacts & { certificates: pulumi.Resource[] };
    dps?: DpsFacts;
    groupKeys: Record<string, pulumi.Output<string>>;
    built: Omit<BuiltCloud, "individualEnrollments" | "deviceIdentities" | "devices">;
}

function declareDevices(
    name: string,
    args: FleetCloudArgs,
    plan: CloudPlan,
    parent: FleetCloud,
    ctx: DeviceContext,
): BuiltCloud {
    const { secrets } = args;
    const deviceCerts = args.deviceCerts ?? {};
    const opts = { parent };
    const generatedKey = keyGenerator(name, opts);
    const { hub, groupKeys } = ctx;
    const needDps = (what: string): DpsFacts => {
        if (!ctx.dps) throw new Error(`${what} needs fleet.dps`);
        return ctx.dps;
    };
    const enrollmentOptions = (o: ResolvedEnrollmentOptions) =>
        enrollmentOptionArgs(o, (h) => hub(h).hostName);

    // ---- Devices -------------------------------------------------------------------------
    const individualEnrollments: Record<string, IndividualEnrollment> = {};
    const deviceIdentities: Record<string, HubDeviceIdentity> = {};
    const devices: Record<string, DeviceCloudOutputs> = {};
    // plan.devices has parents before children, so a parent's identity exists when needed.
    for (const p of plan.devices) {
        devices[p.deviceId] = declareDevice(p);
    }

    function declareDevice(p: DevicePlan): DeviceCloudOutputs {
        const role = `device-${p.deviceId}`;
        switch (p.kind) {
            case "groupSymmetricKey": {
                const s = needDps(`device "${p.deviceId}"`);
                const registrationId = p.registrationId;
                // Seed 002 "Derive a device key": computed, not a resource (flat graph).
                const symmetricKey = pulumi.secret(
                    groupKeys[p.group].apply((k) => deriveDeviceKey(k, registrationId)),
                );
                return { symmetricKey, idScope: s.idScope };
            }
            case "groupX509":
                return { idScope: needDps(`device "${p.deviceId}"`).idScope };
            case "individual": {
                const s = needDps(`device "${p.deviceId}"`);
                let attestation: IndividualAttestationArgs;
                let keys: {
                    primaryKey?: pulumi.Output<string>;
                    secondaryKey?: pulumi.Output<string>;
                } = {};
                switch (p.attestation) {
                    case "symmetricKey":
                        keys = {
                            primaryKey: generatedKey(`${role}-primary-key`),
                            secondaryKey: generatedKey(`${role}-secondary-key`),
                        };
                        attestation = { type: "symmetricKey" };
                        break;
                    case "x509": {
                        const c = deviceCerts[p.deviceId];
                        attestation = {
                            type: "x509",
                            clientCertificates: {
                                primary: c.primaryCertPem!,
                                secondary: c.secondaryCertPem,
                            },
                        };
                        break;
                    }
                    case "tpm":
                        attestation = { type: "tpm", endorsementKey: p.endorsementKey! };
                        break;
                    default: {
                        const _exhaustive: never = p.attestation;
                        throw new Error(`unknown attestation ${JSON.stringify(_exhaustive)}`);
                    }
                }
                individualEnrollments[p.deviceId] = new IndividualEnrollment(
                    `${name}-enrollment-${p.deviceId}`,
                    {
                        ...dpsConnection(s),
                        registrationId: p.registrationId,
                        deviceId: p.deviceId,
                        attestation,
                        ...keys,
                        ...enrollmentOptions(p.options),
                    },
                    opts,
                );
                return { symmetricKey: keys.primaryKey, idScope: s.idScope };
            }
            case "hubIdentity": {
                const h = hub(p.hub);
                const c = deviceCerts[p.deviceId] ?? {};
                const keys =
                    p.authentication === "sas"
                        ? {
                              primaryKey: generatedKey(`${role}-primary-key`),
                              secondaryKey: generatedKey(`${role}-secondary-key`),
                          }
                        : {};
                const parentIdentity =
                    p.parentDeviceId !== undefined ? deviceIdentities[p.parentDeviceId] : undefined;
                const parentDeviceId = p.parentDeviceId;
                deviceIdentities[p.deviceId] = new HubDeviceIdentity(
                    `${name}-identity-${p.deviceId}`,
                    {
                        hostName: h.hostName,
                        policyName: h.registryPolicyName,
                        policyKey: h.registryPolicyKey,
                        deviceId: p.deviceId,
                        // Seed 000: `--edge-enabled`; every device of the fleet runs IoT Edge.
                        iotEdge: true,
                        authentication:
                            p.authentication === "selfSigned"
                                ? {
                                      type: "selfSigned",
                                      primaryThumbprint: c.primaryThumbprint!,
                                      secondaryThumbprint: c.secondaryThumbprint,
                                  }
                                : { type: p.authentication },
                        ...keys,
                        parentDeviceScope: parentIdentity?.deviceScope.apply((scope) => {
                            if (!scope) {
                                throw new Error(
                                    `parent device "${parentDeviceId}" has no device scope (is it an IoT Edge device?)`,
                                );
                            }
                            return scope;
                        }),
                    },
                    {
                        parent,
                        // CA-signed devices authenticate against the hub's verified CAs.
                        dependsOn:
                            p.authentication === "certificateAuthority" ? h.certificates : [],
                    },
                );
                return { symmetricKey: keys.primaryKey, hubHostName: pulumi.output(h.hostName) };
            }
            case "external": {
                const key = secrets(p.connectionStringSecret).apply(
                    (cs) => parseDeviceConnectionString(cs).sharedAccessKey,
                );
                return {
                    symmetricKey: pulumi.secret(key),
                    hubHostName: pulumi.output(hub(p.hub).hostName),
                };
            }
            default: {
                const _exhaustive: never = p;
                throw new Error(`unknown device plan ${JSON.stringify(_exhaustive)}`);
            }
        }
    }

    return { ...ctx.built, individualEnrollments, deviceIdentities, devices };
}
