/**
 * How the guardrails recognise the resources they check, from what a policy sees: the type
 * token, the URN (which carries the parent type chain) and the resource's input properties.
 * Pure: no Pulumi import, no I/O.
 *
 * Why this file exists: our data-plane resources are Pulumi dynamic resources, and every
 * `pulumi.dynamic.Resource` registers the same type token `pulumi-nodejs:dynamic:Resource`
 * unless it passes the optional `module`/`type` constructor arguments (then the token is
 * `pulumi-nodejs:dynamic/<module>:<type>`, node_modules/@pulumi/pulumi/dynamic/index.js). And
 * a local component's inputs are never sent to the engine by the Node.js SDK (pulumi/pulumi
 * issue #10533), so the EdgeDevice component's `configToml` is invisible to policies; its
 * `apply` child command carries the same text on `stdin` (components/device/steps.ts
 * `applyStep`), and that is what the Edge CA policy reads.
 */

/** The type token every dynamic resource gets when it does not name its own type. */
export const DYNAMIC_RESOURCE_TYPE = "pulumi-nodejs:dynamic:Resource";

/** The data-plane resources of components/dataplane/resources.ts. */
export const DATA_PLANE_KINDS = [
    "EnrollmentGroup",
    "IndividualEnrollment",
    "HubDeviceIdentity",
] as const;

/** One of {@link DATA_PLANE_KINDS}. */
export type DataPlaneKind = (typeof DATA_PLANE_KINDS)[number];

/**
 * Optional input naming the kind explicitly (`__kind: "EnrollmentGroup"`), for a dynamic
 * resource that keeps the generic type token. Not set by components/dataplane today.
 */
export const KIND_INPUT = "__kind";

/** Type token of the EdgeDevice component (components/device/edge-device.ts). */
export const EDGE_DEVICE_TYPE = "iotedge:device:EdgeDevice";

/** Type token of pulumi-command's remote command, which the device steps are. */
export const REMOTE_COMMAND_TYPE = "command:remote:Command";

/** Suffix of the EdgeDevice step that writes config.toml (`${name}-apply`, edge-device.ts). */
export const APPLY_STEP_SUFFIX = "-apply";

/** IoT Hub, under azure-native v3's token and the v2 token v3 keeps as an alias (FACTS.md §5). */
export const IOT_HUB_TYPES = [
    "azure-native:iothub:IotHubResource",
    "azure-native:devices:IotHubResource",
];

/** DPS, under azure-native v3's token and the v2 alias (FACTS.md §5). */
export const DPS_TYPES = [
    "azure-native:deviceprovisioningservices:IotDpsResource",
    "azure-native:devices:IotDpsResource",
];

/** @pulumi/tls certificate resources that carry `validityPeriodHours`. */
export const TLS_CERT_TYPES = [
    "tls:index/selfSignedCert:SelfSignedCert",
    "tls:index/locallySignedCert:LocallySignedCert",
];

const NAMED_DYNAMIC_TYPE = /^pulumi-nodejs:dynamic(?:\/[^:]+)?:([A-Za-z0-9_]+)$/;

function isKind(value: unknown): value is DataPlaneKind {
    return typeof value === "string" && (DATA_PLANE_KINDS as readonly string[]).includes(value);
}

/**
 * Which data-plane resource this is, or undefined when it is none of ours. Markers, first
 * match wins:
 * 1. a named dynamic type token, `pulumi-nodejs:dynamic[/<module>]:<Kind>`;
 * 2. on the generic token, an explicit `__kind` input;
 * 3. on the generic token, the input shape of components/dataplane/resources.ts: `attestation`
 *    plus `enrollmentGroupId` (EnrollmentGroup) or `registrationId` (IndividualEnrollment);
 *    `deviceId` plus the connection inputs `hostName` and `policyName`, without `attestation`
 *    (HubDeviceIdentity).
 *
 * Only key presence is tested for the shape (`in`), never a value, so an input that is still
 * unknown during preview does not stop the resource being recognised.
 *
 * @param type the resource's type token.
 * @param props the resource's inputs.
 */
export function dataPlaneKind(
    type: string,
    props: Record<string, unknown>,
): DataPlaneKind | undefined {
    const named = NAMED_DYNAMIC_TYPE.exec(type);
    if (named && type !== DYNAMIC_RESOURCE_TYPE) {
        return isKind(named[1]) ? named[1] : undefined;
    }
    if (type !== DYNAMIC_RESOURCE_TYPE) {
        return undefined;
    }
    if (KIND_INPUT in props && isKind(props[KIND_INPUT])) {
        return props[KIND_INPUT];
    }
    if ("attestation" in props) {
        if ("enrollmentGroupId" in props) {
            return "EnrollmentGroup";
        }
        if ("registrationId" in props) {
            return "IndividualEnrollment";
        }
        return undefined;
    }
    if ("deviceId" in props && "hostName" in props && "policyName" in props) {
        return "HubDeviceIdentity";
    }
    return undefined;
}

/** The parts of a URN (`urn:pulumi:<stack>::<project>::<parent$...$type>::<name>`). */
export interface ParsedUrn {
    stack: string;
    project: string;
    /** Type tokens from the root ancestor to the resource itself. */
    typeChain: string[];
    name: string;
}

/**
 * Split a URN. Names may themselves contain `::`, so everything after the type is the name.
 *
 * @param urn a Pulumi URN.
 */
export function parseUrn(urn: string): ParsedUrn | undefined {
    const parts = urn.split("::");
    if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) {
        return undefined;
    }
    return {
        stack: parts[0].slice("urn:pulumi:".length),
        project: parts[1],
        typeChain: parts[2].split("$"),
        name: parts.slice(3).join("::"),
    };
}

/**
 * The parent's type token: from the parent URN when the engine gives one, else from the type
 * chain of the resource's own URN.
 *
 * @param urn the resource's URN.
 * @param parentUrn the parent's URN (`opts.parent`), when known.
 */
export function parentType(urn: string, parentUrn?: string): string | undefined {
    if (parentUrn) {
        const parent = parseUrn(parentUrn);
        if (parent) {
            return parent.typeChain[parent.typeChain.length - 1];
        }
    }
    const chain = parseUrn(urn)?.typeChain ?? [];
    return chain.length >= 2 ? chain[chain.length - 2] : undefined;
}

/**
 * Whether a resource is the `apply` step of an EdgeDevice: a `command:remote:Command` named
 * `<device>-apply` whose parent is an `iotedge:device:EdgeDevice`. Its `stdin` is the device's
 * rendered config.toml (Linux devices; EFLOW devices have no stdin).
 *
 * @param r type, name, URN and parent URN of the resource.
 */
export function isEdgeDeviceApplyStep(r: {
    type: string;
    name: string;
    urn: string;
    parentUrn?: string;
}): boolean {
    return (
        r.type === REMOTE_COMMAND_TYPE &&
        r.name.endsWith(APPLY_STEP_SUFFIX) &&
        parentType(r.urn, r.parentUrn) === EDGE_DEVICE_TYPE
    );
}
