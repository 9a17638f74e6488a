/**
 * Defaults, resolved once, in one place (../shared/STYLE.md): the fleet config as the user wrote
 * it goes in, a fleet with every optional setting decided comes out. Nothing else in the project
 * applies a default of its own.
 *
 * Pure: no Pulumi import. Assumes the config passed the schema (validate.ts runs it first).
 */
import {
    AllocationPolicy,
    AutoRenewConfig,
    CaConfig,
    DeviceConfig,
    EnrollmentGroupConfig,
    EstConfig,
    FleetConfig,
    HubConfig,
    KeyAlgorithm,
    ProvisioningConfig,
} from "./schema";

export const DEFAULTS = {
    keyAlgorithm: "ECDSA-P256" as KeyAlgorithm,
    rootCaValidityDays: 3650,
    intermediateCaValidityDays: 1825,
    caEarlyRenewalDays: 90,
    identityValidityDays: 365,
    edgeCaValidityDays: 365,
    deviceEarlyRenewalDays: 30,
    hubSku: { name: "S1", capacity: 1 } as const,
    dpsCapacity: 1,
    allocationPolicy: "hashed" as AllocationPolicy,
    allocationWeight: 1,
    sshPort: 22,
    sshPrivateKeySecret: "sshPrivateKey",
    /** FACTS.md §2: the parser's own defaults. */
    cloudTimeoutSec: 70,
    cloudRetries: 1,
    autoReprovisioningMode: "Dynamic" as const,
    /** FACTS.md §2: `[agent]` default image for IoT Edge 1.5. */
    agentImage: "mcr.microsoft.com/azureiotedge-agent:1.5",
    /** FACTS.md §2: quickstart Edge CA lifetime when none is configured. */
    quickstartExpiryDays: 90,
    /** FACTS.md §2: renewal defaults when no auto_renew table is given. */
    autoRenew: { rotateKey: true, threshold: "80%", retry: "4%" } as AutoRenewConfig,
};

export interface ResolvedCa {
    name: string;
    commonName: string;
    organization?: string;
    issuer?: string;
    keyAlgorithm: KeyAlgorithm;
    validityDays: number;
    earlyRenewalDays: number;
    import?: { certificatePem: string; privateKeySecret: string; chainPem?: string };
    verifiedIn: { dps: boolean; hubs: boolean };
}

export interface ResolvedPki {
    cas: ResolvedCa[];
    defaultIssuer: string;
    identityValidityDays: number;
    edgeCaValidityDays: number;
    earlyRenewalDays: number;
    keyAlgorithm: KeyAlgorithm;
}

export interface ResolvedHub {
    name: string;
    location: string;
    sku: { name: NonNullable<HubConfig["sku"]>["name"]; capacity: number };
    minTlsVersion?: "1.2";
    disableLocalAuth: boolean;
    tags: Record<string, string>;
}

export interface ResolvedDpsLink {
    hub: string;
    allocationWeight: number;
    applyAllocationPolicy: boolean;
}

export interface ResolvedDps {
    name: string;
    location: string;
    capacity: number;
    allocationPolicy: AllocationPolicy;
    links: ResolvedDpsLink[];
    tags: Record<string, string>;
}

/** What DPS is told about an enrollment, group or individual, with every default applied. */
export interface ResolvedEnrollmentOptions {
    iotEdge: boolean;
    initialTwin: { tags: Record<string, unknown>; desiredProperties: Record<string, unknown> };
    provisioningStatus: "enabled" | "disabled";
    reprovisionPolicy: { updateHubAssignment: boolean; migrateDeviceData: boolean };
    allocationPolicy: AllocationPolicy;
    /** Hub names (resolved to host names when the enrollment is declared). */
    hubs: string[];
}

export type ResolvedEnrollmentGroup = Omit<EnrollmentGroupConfig, keyof ResolvedEnrollmentOptions> &
    ResolvedEnrollmentOptions;

type WithIndividual<P> = P extends { individual?: unknown }
    ? Omit<P, "individual"> & { individual?: ResolvedEnrollmentOptions }
    : P;

/** The provisioning variant with an individual enrollment's options resolved. */
export type ResolvedProvisioning = WithIndividual<ProvisioningConfig>;

export type ResolvedEdgeCa =
    | { mode: "pki"; commonName: string; issuer: string }
    | { mode: "quickstart"; expiryDays: number; autoRenew?: AutoRenewConfig }
    | { mode: "est"; commonName?: string; autoRenew?: AutoRenewConfig };

export interface ResolvedSshEndpoint {
    host: string;
    port: number;
    user: string;
    privateKeySecret: string;
}

export interface ResolvedDevice {
    /** Position in `fleet.devices`, for error paths. */
    index: number;
    deviceId: string;
    registrationId: string;
    hostname?: string;
    parentHostname?: string;
    parentDeviceId?: string;
    kind: "linux" | "eflow";
    provisioning: ResolvedProvisioning;
    ssh: ResolvedSshEndpoint & { jump?: ResolvedSshEndpoint };
    versions: { aziotEdge: string; aziotIdentityService: string; moby?: string };
    edgeCa: ResolvedEdgeCa;
    /** CA that issues the identity certificate, for the X.509 methods that use our PKI. */
    identityIssuer?: string;
    est?: EstConfig;
    autoReprovisioningMode: "Dynamic" | "AlwaysOnStartup" | "OnErrorOnly";
    cloudTimeoutSec: number;
    cloudRetries: number;
    agentImage: string;
    osTrustStore: boolean;
    purgeOnDelete: boolean;
    tags: Record<string, string>;
}

export interface ResolvedFleet {
    environment: string;
    /**
     * Set in a fleet stack: where its platform lives. The cloud side and CAs in this model are
     * the platform's (read from its stack file); this stack declares only the devices.
     */
    platform?: { stack: string; reference: string };
    production: boolean;
    resourceGroup: { name: string; location: string };
    tags: Record<string, string>;
    hubs: ResolvedHub[];
    dps?: ResolvedDps;
    pki: ResolvedPki;
    enrollmentGroups: ResolvedEnrollmentGroup[];
    devices: ResolvedDevice[];
}

/** Methods whose identity certificate our PKI issues. */
export const PKI_IDENTITY_METHODS = new Set(["manual-x509", "dps-x509"]);

/**
 * Whether anything on the device is issued by the EST server: its identity (`dps-x509-est`)
 * or its Edge CA (`edgeCa.mode: est`). validate.ts makes sure such a device has `est`.
 */
export function usesEst(device: Pick<ResolvedDevice, "provisioning" | "edgeCa">): boolean {
    return device.provisioning.method === "dps-x509-est" || device.edgeCa.mode === "est";
}

/** Methods that go through DPS. */
export function isDpsMethod(method: ProvisioningConfig["method"]): boolean {
    return method.startsWith("dps-");
}

export function resolveFleet(config: FleetConfig): ResolvedFleet {
    const location = config.resourceGroup.location;
    const keyAlgorithm = config.pki.keyAlgorithm ?? DEFAULTS.keyAlgorithm;
    const hubs = (config.hubs ?? []).map((h): ResolvedHub => ({
        name: h.name,
        location: h.location ?? location,
        sku: {
            name: h.sku?.name ?? DEFAULTS.hubSku.name,
            capacity: h.sku?.capacity ?? DEFAULTS.hubSku.capacity,
        },
        minTlsVersion: h.minTlsVersion,
        disableLocalAuth: h.disableLocalAuth ?? false,
        tags: { ...config.tags, ...h.tags },
    }));
    const dps: ResolvedDps | undefined = config.dps && {
        name: config.dps.name,
        location: config.dps.location ?? location,
        capacity: config.dps.sku?.capacity ?? DEFAULTS.dpsCapacity,
        allocationPolicy: config.dps.allocationPolicy ?? DEFAULTS.allocationPolicy,
        links: config.dps.links.map((l) => ({
            hub: l.hub,
            allocationWeight: l.allocationWeight ?? DEFAULTS.allocationWeight,
            applyAllocationPolicy: l.applyAllocationPolicy ?? true,
        })),
        tags: { ...config.tags, ...config.dps.tags },
    };
    const linkedHubs = dps ? dps.links.map((l) => l.hub) : [];
    const enrollmentOptions = (o: EnrollmentOptionsInput): ResolvedEnrollmentOptions => ({
        iotEdge: o.iotEdge ?? true,
        initialTwin: {
            tags: o.initialTwin?.tags ?? {},
            desiredProperties: o.initialTwin?.desiredProperties ?? {},
        },
        provisioningStatus: o.provisioningStatus ?? "enabled",
        reprovisionPolicy: o.reprovisionPolicy ?? {
            updateHubAssignment: true,
            migrateDeviceData: true,
        },
        allocationPolicy: o.allocationPolicy ?? dps?.allocationPolicy ?? DEFAULTS.allocationPolicy,
        hubs: o.hubs ?? linkedHubs,
    });

    const cas = config.pki.cas.map((ca) => resolveCa(ca, keyAlgorithm));
    const defaultIssuer =
        config.pki.defaultIssuer ??
        // The first CA that something else issues under, else the first CA: a root signing
        // devices directly is allowed, but an intermediate is preferred when there is one.
        cas.find((c) => c.issuer !== undefined)?.name ??
        cas[0].name;
    const pki: ResolvedPki = {
        cas,
        defaultIssuer,
        keyAlgorithm,
        identityValidityDays:
            config.pki.deviceCertificates?.identityValidityDays ?? DEFAULTS.identityValidityDays,
        edgeCaValidityDays:
            config.pki.deviceCertificates?.edgeCaValidityDays ?? DEFAULTS.edgeCaValidityDays,
        earlyRenewalDays:
            config.pki.deviceCertificates?.earlyRenewalDays ?? DEFAULTS.deviceEarlyRenewalDays,
    };

    const enrollmentGroups = (config.enrollmentGroups ?? []).map((g): ResolvedEnrollmentGroup => ({
        name: g.name,
        attestation: g.attestation,
        ...enrollmentOptions(g),
    }));

    const d = config.defaults ?? {};
    const devices = config.devices.map((dev, index) =>
        resolveDevice(dev, index, d, pki, enrollmentGroups, enrollmentOptions),
    );

    return {
        environment: config.environment,
        platform: config.platform && {
            stack: config.platform.stack,
            reference: config.platform.reference ?? config.platform.stack,
        },
        production: config.production ?? false,
        resourceGroup: config.resourceGroup,
        tags: config.tags ?? {},
        hubs,
        dps,
        pki,
        enrollmentGroups,
        devices,
    };
}

type EnrollmentOptionsInput = Partial<{
    iotEdge: boolean;
    initialTwin: { tags?: Record<string, unknown>; desiredProperties?: Record<string, unknown> };
    provisioningStatus: "enabled" | "disabled";
    reprovisionPolicy: { updateHubAssignment: boolean; migrateDeviceData: boolean };
    allocationPolicy: AllocationPolicy;
    hubs: string[];
}>;

function resolveCa(ca: CaConfig, keyAlgorithm: KeyAlgorithm): ResolvedCa {
    return {
        name: ca.name,
        commonName: ca.commonName ?? `${ca.name} CA`,
        organization: ca.organization,
        issuer: ca.issuer,
        keyAlgorithm: ca.keyAlgorithm ?? keyAlgorithm,
        validityDays:
            ca.validityDays ??
            (ca.issuer === undefined
                ? DEFAULTS.rootCaValidityDays
                : DEFAULTS.intermediateCaValidityDays),
        earlyRenewalDays: ca.earlyRenewalDays ?? DEFAULTS.caEarlyRenewalDays,
        import: ca.import,
        verifiedIn: {
            dps: ca.verifiedIn?.includes("dps") ?? false,
            hubs: ca.verifiedIn?.includes("hubs") ?? false,
        },
    };
}

/**
 * Default Edge CA common name. It must differ from the device ID and the hostname (seed 003;
 * FACTS.md §2) and X.509 caps a CN at 64 characters.
 */
export function defaultEdgeCaCommonName(deviceId: string): string {
    return `Edge CA ${deviceId}`.slice(0, 64);
}

function resolveDevice(
    dev: DeviceConfig,
    index: number,
    d: NonNullable<FleetConfig["defaults"]>,
    pki: ResolvedPki,
    groups: ResolvedEnrollmentGroup[],
    enrollmentOptions: (o: EnrollmentOptionsInput) => ResolvedEnrollmentOptions,
): ResolvedDevice {
    const sshIn = { ...d.ssh, ...dev.ssh };
    const jumpIn = dev.ssh?.jump ?? d.ssh?.jump;
    const endpoint = (e: {
        host?: string;
        port?: number;
        user?: string;
        privateKeySecret?: string;
    }): ResolvedSshEndpoint => ({
        host: e.host ?? "",
        port: e.port ?? DEFAULTS.sshPort,
        user: e.user ?? "",
        privateKeySecret: e.privateKeySecret ?? DEFAULTS.sshPrivateKeySecret,
    });
    const issuer = dev.issuer ?? d.issuer ?? pki.defaultIssuer;
    // A device of an X.509 group enrollment proves itself with a certificate chained to the
    // group's signing CA (seed 001), so that CA issues its identity unless it names another
    // (validate.ts reports the mismatch).
    const groupName =
        "enrollmentGroup" in dev.provisioning ? dev.provisioning.enrollmentGroup : undefined;
    const group = groups.find((g) => g.name === groupName);
    const groupCa = group?.attestation.type === "x509" ? group.attestation.ca : undefined;
    const identityIssuer = dev.issuer ?? groupCa ?? d.issuer ?? pki.defaultIssuer;
    const edgeCaIn = dev.edgeCa ?? d.edgeCa ?? { mode: "pki" as const };
    let edgeCa: ResolvedEdgeCa;
    switch (edgeCaIn.mode) {
        case "pki":
            edgeCa = {
                mode: "pki",
                commonName: edgeCaIn.commonName ?? defaultEdgeCaCommonName(dev.deviceId),
                issuer: edgeCaIn.issuer ?? issuer,
            };
            break;
        case "quickstart":
            edgeCa = {
                mode: "quickstart",
                expiryDays: edgeCaIn.expiryDays ?? DEFAULTS.quickstartExpiryDays,
                autoRenew: edgeCaIn.autoRenew,
            };
            break;
        case "est":
            edgeCa = {
                mode: "est",
                commonName: edgeCaIn.commonName,
                autoRenew: edgeCaIn.autoRenew,
            };
            break;
        default: {
            const exhaustive: never = edgeCaIn;
            throw new Error(`unknown Edge CA mode ${JSON.stringify(exhaustive)}`);
        }
    }
    const p = dev.provisioning;
    let provisioning: ResolvedProvisioning;
    if (p.method === "dps-tpm") {
        // A TPM device always has its own enrollment: options default like an empty block.
        provisioning = { ...p, individual: enrollmentOptions(p.individual ?? {}) };
    } else if (p.method === "manual-x509") {
        // Seed 000 registers two thumbprints ("X.509 Self-Signed"); CA-signed is the option.
        provisioning = { ...p, authentication: p.authentication ?? "selfSigned" };
    } else if ("individual" in p && p.individual !== undefined) {
        provisioning = {
            ...p,
            individual: enrollmentOptions(p.individual),
        } as ResolvedProvisioning;
    } else {
        provisioning = p as ResolvedProvisioning;
    }
    return {
        index,
        deviceId: dev.deviceId,
        registrationId: dev.registrationId ?? dev.deviceId,
        hostname: dev.hostname,
        parentHostname: dev.parentHostname,
        parentDeviceId: dev.parentDeviceId,
        kind: dev.kind ?? d.kind ?? "linux",
        provisioning,
        ssh: { ...endpoint(sshIn), jump: jumpIn ? endpoint(jumpIn) : undefined },
        versions: {
            aziotEdge: dev.versions?.aziotEdge ?? d.versions?.aziotEdge ?? "",
            aziotIdentityService:
                dev.versions?.aziotIdentityService ?? d.versions?.aziotIdentityService ?? "",
            moby: dev.versions?.moby ?? d.versions?.moby,
        },
        edgeCa,
        identityIssuer: PKI_IDENTITY_METHODS.has(p.method) ? identityIssuer : undefined,
        est: dev.est ?? d.est,
        autoReprovisioningMode:
            dev.autoReprovisioningMode ??
            d.autoReprovisioningMode ??
            DEFAULTS.autoReprovisioningMode,
        cloudTimeoutSec: dev.cloudTimeoutSec ?? d.cloudTimeoutSec ?? DEFAULTS.cloudTimeoutSec,
        cloudRetries: dev.cloudRetries ?? d.cloudRetries ?? DEFAULTS.cloudRetries,
        agentImage: dev.agentImage ?? d.agentImage ?? DEFAULTS.agentImage,
        osTrustStore: dev.osTrustStore ?? d.osTrustStore ?? false,
        purgeOnDelete: dev.purgeOnDelete ?? d.purgeOnDelete ?? false,
        tags: { ...d.tags, ...dev.tags },
    };
}
